from .atomic_checkpoint_hook import AtomicCheckpointHook, use_atomic_checkpoints
from .dataset_model_check_hook import DatasetModelCheckHook, add_dataset_model_check_hook
from .stop_distill_hook import StopDistillHook

__all__ = ['AtomicCheckpointHook', 'DatasetModelCheckHook', 'add_dataset_model_check_hook',
           'StopDistillHook', 'use_atomic_checkpoints']
