"""Runner parts of ld_plugin: hooks (registered into mmdet's ``HOOKS``: data check, stop
distillation, atomic checkpoints), the run helper of the tools, the ``--resume`` check and the
process group closed at the end of a distributed run."""
from .checked_run import run_with_data_checks
from .hooks import (
                    AtomicCheckpointHook,
                    DatasetModelCheckHook,
                    StopDistillHook,
                    add_dataset_model_check_hook,
                    use_atomic_checkpoints,
)
from .process_group import closed_process_group
from .resume import IncompleteCheckpointError, resume_checkpoint

__all__ = ['AtomicCheckpointHook', 'DatasetModelCheckHook', 'IncompleteCheckpointError',
           'StopDistillHook', 'add_dataset_model_check_hook', 'closed_process_group',
           'resume_checkpoint',
           'run_with_data_checks', 'use_atomic_checkpoints']
