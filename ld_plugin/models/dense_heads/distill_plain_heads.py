"""Students with plain box regression (no edge distributions): BCKD, RM, PFI, imitation terms.

LD needs distribution heads (see :class:`DistillGFLHead`); every other term works on these.
"""
from mmdet.models.dense_heads import ATSSHead, FCOSHead, RetinaHead
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

    Raises:
        ValueError: a term compares decoded boxes (``'bbox'``) with ``norm_on_bbox=True``:
            FCOS then predicts distances in strides while training and in pixels in eval mode
            (the teacher's), so the two are not comparable.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        box_terms = [name for name, term in self.distill_terms.items() if 'bbox' in term.needs]
        if box_terms and self.norm_on_bbox:
            raise ValueError(
                f'{type(self).__name__}: distill terms {box_terms} compare decoded boxes, but '
                'norm_on_bbox=True makes FCOS predict strides while training and pixels in '
                "eval mode (the teacher's); use norm_on_bbox=False (e.g. "
                'mmdet::fcos/fcos_r50-caffe_fpn_gn-head_1x_coco.py) or a distribution head '
                '(DistillFCOSDistributionHead)')
