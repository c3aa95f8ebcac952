"""Students with plain box regression (no edge distributions): BCKD, RM, PFI, imitation terms.

LD needs distribution heads (see :class:`DistillGFLHead`); every other term works on these.
"""
from mmdet.models.dense_heads import ATSSHead, RetinaHead
from mmdet.registry import MODELS

from .distill_head_mixin import DistillHeadMixin


@MODELS.register_module()
class DistillATSSHead(DistillHeadMixin, ATSSHead):
    """:class:`mmdet.models.dense_heads.ATSSHead` + ``distill_terms``."""


@MODELS.register_module()
class DistillRetinaHead(DistillHeadMixin, RetinaHead):
    """:class:`mmdet.models.dense_heads.RetinaHead` + ``distill_terms``."""
