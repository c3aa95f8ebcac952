from .dataset_model_check_hook import DatasetModelCheckHook, add_dataset_model_check_hook

__all__ = ['DatasetModelCheckHook', 'add_dataset_model_check_hook']
