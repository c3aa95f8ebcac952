"""ld_plugin: distillation for dense detectors on MMDetection 3.x and MMRotate 1.x.

``import ld_plugin`` registers every 2D component into mmdet's registries and, when MMRotate is
installed, the rotated ones into mmrotate's (``ld_plugin.rotated``); it also makes mmengine
checkpoints loadable under ``torch.load(weights_only=True)`` and lets configs read after it
name this plugin's configs as ``ld_plugin::<path under configs/>`` (``_base_``, teachers).

Every registered part is also an attribute of the package, so a config may name it
``type='ld_plugin.<Name>'``: mmengine then imports the package itself to resolve the name, in
any registry and default scope, and the config needs no ``custom_imports``.
"""
import importlib.util
import warnings

from .utils.checkpoint import register_checkpoint_safe_globals
from .utils.package_scope import register_config_scope
from .version import __version__

register_checkpoint_safe_globals()
register_config_scope()

from . import datasets, engine, models  # noqa: E402,F401  (registration side effects)


def _import_rotated() -> bool:
    """Register the MMRotate parts when mmrotate is installed; a broken mmrotate install warns
    instead of breaking the 2D plugin."""
    if importlib.util.find_spec('mmrotate') is None:
        return False
    try:
        from . import rotated  # noqa: F401
    except Exception as err:  # e.g. an mmrotate release that refuses this mmdet version
        warnings.warn(f'mmrotate is installed but ld_plugin.rotated could not be imported '
                      f'({type(err).__name__}: {err}); the rotated parts are not registered. '
                      'tools/install.sh installs a working mmrotate (mmrotate-dev==1.0.1)')
        return False
    return True


WITH_ROTATED = _import_rotated()


def _registries() -> list:
    from mmdet import registry as mmdet_registry
    found = [mmdet_registry.MODELS, mmdet_registry.TASK_UTILS, mmdet_registry.DATASETS,
             mmdet_registry.METRICS, mmdet_registry.HOOKS]
    if WITH_ROTATED:
        from mmrotate import registry as mmrotate_registry
        found += [mmrotate_registry.MODELS, mmrotate_registry.TASK_UTILS,
                  mmrotate_registry.METRICS]
    return found


def __getattr__(name: str):
    """``ld_plugin.<Name>``: the class ld_plugin registered under ``Name`` (PEP 562)."""
    for registry in _registries():
        obj = registry.module_dict.get(name)
        if obj is not None and getattr(obj, '__module__', '').startswith(__name__ + '.'):
            return obj
    raise AttributeError(f'module {__name__!r} has no attribute or registered part {name!r}')


__all__ = ['__version__', 'WITH_ROTATED']
