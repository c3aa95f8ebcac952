"""Runner parts of ld_plugin: the data check hook (registered into mmdet's ``HOOKS``) and the
run helper of the tools."""
from .checked_run import run_with_data_checks
from .hooks import DatasetModelCheckHook, StopDistillHook, add_dataset_model_check_hook

__all__ = ['DatasetModelCheckHook', 'StopDistillHook', 'add_dataset_model_check_hook',
           'run_with_data_checks']
