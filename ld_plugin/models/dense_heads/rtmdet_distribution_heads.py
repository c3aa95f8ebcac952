"""RTMDet with general-distribution regression: the GFL / YOLOv8 / PP-YOLOE box representation
on RTMDet's heads, so that LD and VLR LD apply to RTMDet (teachers and students).

Each of the four edge distances from a point is d = s · Σ_i i · softmax(z)_i over the bins
0..``reg_max`` (s the level's stride), instead of RTMDet's s · exp(z) (SepBN with
``exp_on_reg``) or s · z. Everything else is RTMDet's own: the DynamicSoftLabelAssigner (on
the decoded boxes), QualityFocalLoss, GIoU on decoded boxes, objectness, post-processing.
"""
from typing import List, Tuple

import torch.nn as nn
from mmdet.models.dense_heads import RTMDetHead, RTMDetSepBNHead
from mmdet.models.layers.transformer import inverse_sigmoid
from mmdet.models.task_modules.coders import DistancePointBBoxCoder
from mmdet.models.utils import sigmoid_geometric_mean
from mmdet.registry import MODELS
from torch import Tensor

from .edge_distribution import EdgeDistributionMixin


class RTMDetDistributionMixin(EdgeDistributionMixin):
    """The distribution regression for both RTMDet heads (shared towers with a ``Scale`` per
    level, or SepBN's per-level towers and predictors); put it before the head in the bases.

    Args:
        reg_max: bins 0..``reg_max`` per edge, in strides. Defaults to 16 (GFL's).
    """

    reg_conv_name = 'rtm_reg'
    distance_coders = (DistancePointBBoxCoder, )

    def _level_modules(self, level: int) -> Tuple[nn.Module, nn.Module, nn.Module, nn.Module,
                                                   nn.Module]:
        """cls tower, cls predictor, reg tower, reg predictor and objectness conv of a level."""
        if isinstance(self.rtm_cls, nn.ModuleList):  # SepBN: everything per level
            return (self.cls_convs[level], self.rtm_cls[level], self.reg_convs[level],
                    self.rtm_reg[level], self.rtm_obj[level] if self.with_objectness else None)
        return (self.cls_convs, self.rtm_cls, self.reg_convs, self.rtm_reg,
                self.rtm_obj if self.with_objectness else None)

    def forward(self, feats: Tuple[Tensor, ...]) -> Tuple[List[Tensor], List[Tensor]]:
        """Class logits (N, C, H, W) and edge-distribution logits (N, 4·(reg_max+1), H, W) per
        level; the shared-tower head multiplies the logits by the level's ``Scale`` (as GFL)."""
        cls_scores, bbox_preds = [], []
        for level, x in enumerate(feats):
            cls_convs, cls_pred, reg_convs, reg_pred, obj_pred = self._level_modules(level)
            cls_feat, reg_feat = x, x
            for layer in cls_convs:
                cls_feat = layer(cls_feat)
            for layer in reg_convs:
                reg_feat = layer(reg_feat)
            cls_score = cls_pred(cls_feat)
            if obj_pred is not None:
                cls_score = inverse_sigmoid(sigmoid_geometric_mean(cls_score, obj_pred(reg_feat)))
            logits = reg_pred(reg_feat)
            if hasattr(self, 'scales'):
                logits = self.scales[level](logits)
            cls_scores.append(cls_score)
            bbox_preds.append(logits.float())
        return cls_scores, bbox_preds


@MODELS.register_module()
class RTMDetDistributionHead(RTMDetDistributionMixin, RTMDetHead):
    """:class:`mmdet.models.dense_heads.RTMDetHead` with edge-distribution regression."""


@MODELS.register_module()
class RTMDetSepBNDistributionHead(RTMDetDistributionMixin, RTMDetSepBNHead):
    """:class:`mmdet.models.dense_heads.RTMDetSepBNHead` (RTMDet's default head) with
    edge-distribution regression; ``exp_on_reg`` has no effect."""
