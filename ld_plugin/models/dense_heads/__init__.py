from .distill_gfl_head import DistillGFLHead
from .distill_head_mixin import DistillHeadMixin

__all__ = ['DistillHeadMixin', 'DistillGFLHead']
