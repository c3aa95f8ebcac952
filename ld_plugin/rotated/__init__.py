"""The MMRotate 1.x parts of ld_plugin: ``import ld_plugin.rotated`` (or
``custom_imports=dict(imports=['ld_plugin.rotated'])``) registers them into mmrotate's
registries, for configs with ``default_scope='mmrotate'``. Needs mmrotate; the 2D parts
(``import ld_plugin``) do not."""
try:
    import mmrotate  # noqa: F401
except ImportError as error:  # pragma: no cover - depends on the environment
    raise ImportError(
        'ld_plugin.rotated needs MMRotate 1.x, which is not installed: run tools/install.sh '
        '(it installs mmrotate-dev==1.0.1, the mmrotate dev-1.x code that accepts mmdet 3.3) '
        'or `pip install mmrotate-dev==1.0.1`') from error

import mmrotate.models  # noqa: F401,E402  (mmrotate's own registrations)

import ld_plugin  # noqa: F401,E402  (the 2D parts)

from . import dense_heads, detectors, evaluation, losses, task_modules  # noqa: F401,E402
