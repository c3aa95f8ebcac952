"""Resolve a teacher config given as a path, a package path, a plugin path or a dict."""
import os.path as osp
from pathlib import Path
from typing import List, Union

from mmengine.config import Config, ConfigDict

from .package_scope import plugin_config_dir

#: ``configs/`` of the plugin (packaged in ``ld_plugin/.mim``, or the source tree's).
PLUGIN_CONFIG_DIR = plugin_config_dir()


def _load_package_config(spec: str) -> Config:
    """``mmdet::gfl/...py`` / ``mmrotate::...`` / ``ld_plugin::...`` (relative to our configs/)."""
    package, rel = spec.split('::', 1)
    if package == 'ld_plugin':
        path = PLUGIN_CONFIG_DIR / rel
        if not path.is_file():
            raise FileNotFoundError(f'teacher_config {spec!r}: {path} does not exist')
        return Config.fromfile(str(path))
    from mmengine.hub import get_config
    try:
        return get_config(spec)
    except (FileNotFoundError, ModuleNotFoundError, ImportError) as err:
        raise FileNotFoundError(
            f'teacher_config {spec!r} could not be resolved in package {package!r} ({err}); '
            f'check the package is installed and the path exists under its configs/') from err


def candidate_paths(spec: str) -> List[Path]:
    """Where a relative teacher config path is looked for, in order."""
    path = Path(spec).expanduser()
    if path.is_absolute():
        return [path]
    return [Path.cwd() / path, PLUGIN_CONFIG_DIR / path]


def resolve_teacher_config(spec: Union[str, Path, dict, Config]) -> ConfigDict:
    """Return the teacher *model* config.

    Args:
        spec: one of

            - a dict/Config holding ``model=...`` or a model config itself (with ``type``);
            - ``'mmdet::gfl/gfl_r101_fpn_ms-2x_coco.py'`` (any installed OpenMMLab package) or
              ``'ld_plugin::mini/gfl_teacher_synthetic.py'`` (this plugin's ``configs/``);
            - a file path: absolute, relative to the working directory, or relative to the
              plugin's ``configs/``. For a path relative to the student config write
              ``'{{ fileDirname }}/teacher.py'`` in the student config (mmengine substitutes it).
    """
    if isinstance(spec, (dict, Config)):
        cfg = spec
    elif isinstance(spec, (str, Path)):
        text = str(spec)
        if '::' in text:
            cfg = _load_package_config(text)
        else:
            tried = candidate_paths(text)
            found = next((p for p in tried if p.is_file()), None)
            if found is None:
                raise FileNotFoundError(
                    f'teacher_config {text!r} not found; looked in: '
                    + ', '.join(str(p) for p in tried)
                    + ". Use an absolute path, a package path such as 'mmdet::gfl/...', or "
                    "'{{ fileDirname }}/...' for a path relative to the student config")
            cfg = Config.fromfile(osp.abspath(str(found)))
    else:
        raise TypeError(f'teacher_config must be a path or a dict, got {type(spec).__name__}')
    model = cfg.get('model', None) if 'type' not in cfg else cfg
    if model is None or 'type' not in model:
        raise ValueError(f'teacher_config {spec if not isinstance(spec, dict) else "(dict)"} '
                         "has no 'model' with a 'type'")
    return ConfigDict(model)
