"""General-distribution versions of mmdet's ATSS, RetinaNet and FCOS heads (LD teachers and
students). Each keeps its own classification loss, assigner, centerness and post-processing;
only the regression branch changes (see :mod:`.edge_distribution`)."""
from typing import Tuple

from mmcv.cnn import Scale
from mmdet.models.dense_heads import AnchorFreeHead, ATSSHead, FCOSHead, RetinaHead
from mmdet.models.task_modules.coders import DistancePointBBoxCoder
from mmdet.registry import MODELS
from torch import Tensor

from ..task_modules.coders import PriorCenterDistanceCoder
from .edge_distribution import EdgeDistributionMixin

DISTANCE_CODER = dict(type='PriorCenterDistanceCoder')


@MODELS.register_module()
class ATSSDistributionHead(EdgeDistributionMixin, ATSSHead):
    """ATSS with general-distribution regression (official ``ATSSGFLHead``): focal loss, GIoU
    on decoded boxes weighted by centerness, centerness branch, ATSS assignment. As in
    :class:`GFLHead`, the level's learnable ``Scale`` multiplies the logits."""

    reg_conv_name = 'atss_reg'

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault('bbox_coder', DISTANCE_CODER)
        super().__init__(*args, **kwargs)


@MODELS.register_module()
class RetinaDistributionHead(EdgeDistributionMixin, RetinaHead):
    """RetinaNet with general-distribution regression (official ``RetinaGFLHead``): per anchor,
    the edge distances from the anchor centre; focal loss, GIoU on decoded boxes
    (``reg_decoded_bbox=True``), max-IoU assignment."""

    reg_conv_name = 'retina_reg'

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault('bbox_coder', DISTANCE_CODER)
        kwargs.setdefault('reg_decoded_bbox', True)
        super().__init__(*args, **kwargs)


@MODELS.register_module()
class FCOSDistributionHead(EdgeDistributionMixin, FCOSHead):
    """FCOS with general-distribution regression (official ``FCOSGFLHead``): distances from
    each point, focal loss, IoU loss on decoded boxes, centerness, center sampling. The logits
    are scaled by the level's ``Scale`` (no exp / ReLU / stride factor as in FCOS)."""

    reg_conv_name = 'conv_reg'
    distance_coders = (PriorCenterDistanceCoder, DistancePointBBoxCoder)

    @property
    def loss_in_strides(self) -> bool:
        """FCOS divides its regression targets by the stride when ``norm_on_bbox``."""
        return self.norm_on_bbox

    def forward_single(self, x: Tensor, scale: Scale, stride: int) -> Tuple[Tensor, Tensor, Tensor]:
        """Class logits, edge-distribution logits and centerness of one level."""
        cls_score, bbox_pred, cls_feat, reg_feat = AnchorFreeHead.forward_single(self, x)
        centerness = self.conv_centerness(reg_feat if self.centerness_on_reg else cls_feat)
        return cls_score, scale(bbox_pred).float(), centerness
