"""``ld_plugin::`` config paths, as mmengine resolves ``mmdet::``: the packaged configs and the
scope registration that makes mmengine's config loader know this package.

Installed packages keep their configs and tools in ``ld_plugin/.mim/`` (copied into a wheel,
linked to the repository's ``configs/`` and ``tools/`` by an editable install; see
``setup.py``), the layout OpenMMLab codebases use for ``mim`` and for ``package::`` bases.
"""
from pathlib import Path

#: the ``ld_plugin`` package directory
PACKAGE_DIR = Path(__file__).resolve().parents[1]
#: packaged configs, tools and model index (``setup.py`` makes it)
MIM_DIR = PACKAGE_DIR / '.mim'
#: the scope name used in config paths (``ld_plugin::_base_/distill/ld_terms.py``)
SCOPE = 'ld_plugin'


def plugin_config_dir() -> Path:
    """The plugin's ``configs/``: the packaged copy or link when there is one, else the
    source tree's (a checkout used without installing)."""
    packaged = MIM_DIR / 'configs'
    return packaged if packaged.is_dir() else PACKAGE_DIR.parent / 'configs'


def _installed_path(original):
    """mmengine's ``get_installed_path`` with ``ld_plugin`` resolved to this package: mmengine
    joins the distribution's location with the package name, which names a folder that does
    not exist for an editable (PEP 660) install."""
    def get_installed_path(package: str) -> str:
        if package == SCOPE:
            return str(PACKAGE_DIR)
        return original(package)

    get_installed_path.ld_plugin_original = original
    return get_installed_path


def _unscoped(original):
    """mmengine's ``Config._get_cfg_path`` without a scope for ``ld_plugin::`` paths.

    mmengine tags every object of a ``package::`` base with ``_scope_=package`` and then builds
    it in that package's registries. This plugin's parts live in mmdet's and mmrotate's
    registries and its configs extend theirs, so an ``ld_plugin::`` base is read like a base
    given by its path: its objects build in the scope of the config that inherits it.
    """
    def _get_cfg_path(cfg_path: str, filename: str):
        path, scope = original(cfg_path, filename)
        return path, None if scope == SCOPE else scope

    _get_cfg_path.ld_plugin_original = original
    return _get_cfg_path


def register_config_scope() -> None:
    """Let ``ld_plugin::<path under configs/>`` resolve in ``_base_``, ``mmengine.hub.get_config``
    and teacher configs of any config read after ``import ld_plugin``.

    mmengine accepts ``package::`` only for packages in its ``MODULE2PACKAGE`` table and finds
    them with ``get_installed_path``; both are extended here for this package only, and its
    bases get no scope of their own (:func:`_unscoped`). Idempotent.
    """
    from mmengine.config import Config
    from mmengine.config import config as config_module
    from mmengine.config import utils as config_utils
    from mmengine.hub import hub as hub_module
    config_utils.MODULE2PACKAGE.setdefault(SCOPE, SCOPE)
    for module in (config_module, hub_module):
        if not hasattr(module.get_installed_path, 'ld_plugin_original'):
            module.get_installed_path = _installed_path(module.get_installed_path)
    if not hasattr(Config._get_cfg_path, 'ld_plugin_original'):
        Config._get_cfg_path = staticmethod(_unscoped(Config._get_cfg_path))

