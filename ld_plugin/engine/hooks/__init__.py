from .dataset_model_check_hook import DatasetModelCheckHook, add_dataset_model_check_hook
from .stop_distill_hook import StopDistillHook

__all__ = ['DatasetModelCheckHook', 'add_dataset_model_check_hook', 'StopDistillHook']
