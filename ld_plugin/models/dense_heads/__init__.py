from .distill_gfl_head import DistillGFLHead
from .distill_head_mixin import DistillHeadMixin
from .distill_plain_heads import DistillATSSHead, DistillRetinaHead

__all__ = ['DistillHeadMixin', 'DistillGFLHead', 'DistillATSSHead', 'DistillRetinaHead']
