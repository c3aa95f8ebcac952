"""ld_plugin: distillation for dense detectors on MMDetection 3.x.

``import ld_plugin`` registers every 2D component into mmdet's registries and makes
mmengine checkpoints loadable under ``torch.load(weights_only=True)``.
"""
from .version import __version__
from .utils.checkpoint import register_checkpoint_safe_globals

register_checkpoint_safe_globals()

from . import datasets, models  # noqa: E402,F401  (registration side effects)

__all__ = ['__version__']
