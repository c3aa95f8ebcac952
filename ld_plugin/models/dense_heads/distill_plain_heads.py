"""Students with plain box regression (no edge distributions): BCKD, RM, PFI, imitation terms.

LD needs distribution heads (see :class:`DistillGFLHead`); every other term works on these.
"""
from typing import Optional

from mmdet.models.dense_heads import ATSSHead, FCOSHead, RetinaHead, RTMDetHead, RTMDetSepBNHead
from mmdet.registry import MODELS

from .distill_head_mixin import DistillHeadMixin


@MODELS.register_module()
class DistillATSSHead(DistillHeadMixin, ATSSHead):
    """:class:`mmdet.models.dense_heads.ATSSHead` + ``distill_terms``."""


@MODELS.register_module()
class DistillRetinaHead(DistillHeadMixin, RetinaHead):
    """:class:`mmdet.models.dense_heads.RetinaHead` + ``distill_terms``."""


@MODELS.register_module()
class DistillFCOSHead(DistillHeadMixin, FCOSHead):
    """:class:`mmdet.models.dense_heads.FCOSHead` + ``distill_terms``.

    Terms that compare decoded boxes (``'bbox'``) are refused with ``norm_on_bbox=True``:
    FCOS then predicts distances in strides while training and in pixels in eval mode (the
    teacher's), so the two are not comparable.
    """

    def box_distill_problem(self) -> Optional[str]:
        if not self.norm_on_bbox:
            return None
        return ("norm_on_bbox=True makes FCOS predict strides while training and pixels in "
                "eval mode (the teacher's); use norm_on_bbox=False (e.g. "
                'mmdet::fcos/fcos_r50-caffe_fpn_gn-head_1x_coco.py) or a distribution head '
                '(DistillFCOSDistributionHead)')


@MODELS.register_module()
class DistillRTMDetHead(DistillHeadMixin, RTMDetHead):
    """:class:`mmdet.models.dense_heads.RTMDetHead` + ``distill_terms``.

    The assignment is the ``DynamicSoftLabelAssigner``'s of the student's own target
    computation in the same step (it reads the student's scores and boxes); box predictions are
    (l, t, r, b) distances in pixels from each point, decoded by the head's
    ``DistancePointBBoxCoder`` in training and evaluation alike.
    """


@MODELS.register_module()
class DistillRTMDetSepBNHead(DistillHeadMixin, RTMDetSepBNHead):
    """:class:`mmdet.models.dense_heads.RTMDetSepBNHead` (RTMDet's default head: tower convs
    shared over the levels, one BN per level) + ``distill_terms``; as
    :class:`DistillRTMDetHead`. CrossKD runs each level's features through the teacher's
    convs and norm of that level."""
