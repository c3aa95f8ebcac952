from .checkpoint import checkpoint_safe_globals, register_checkpoint_safe_globals
from .config import PLUGIN_CONFIG_DIR, resolve_teacher_config

__all__ = ['checkpoint_safe_globals', 'register_checkpoint_safe_globals',
           'PLUGIN_CONFIG_DIR', 'resolve_teacher_config']
