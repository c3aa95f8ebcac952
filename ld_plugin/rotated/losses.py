"""ld_plugin's distillation losses, also registered in mmrotate's registry so that rotated
configs (``default_scope='mmrotate'``) name them without the ``mmdet.`` prefix."""
from mmrotate.registry import MODELS

from ld_plugin.models import losses

for _name in losses.__all__:
    _obj = getattr(losses, _name)
    if isinstance(_obj, type):
        MODELS.register_module(name=_name, module=_obj)
