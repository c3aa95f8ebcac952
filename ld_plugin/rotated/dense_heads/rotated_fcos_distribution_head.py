"""Rotated FCOS with distribution regression (beyond the Rotated-LD paper, which only has a
rotated RetinaNet).

The four distances (l, t, r, b) from a point to the rotated box's edges, measured in the box's
frame (mmrotate's ``DistanceAnglePointCoder``), are distributions over ``reg_max + 1`` bins of
one stride each, as in the 2D FCOS distribution head. The angle is either

- regressed by mmrotate's angle branch (``angle_support=None``): LD then distills the
  distances only, and ``pred='bbox'`` terms cannot decode boxes from the distributions; or
- a fifth distribution over ``angle_support`` (e.g. the 'le90' range (-π/2, π/2)), predicted
  by the regression conv with the distances: LD distills it like the distances, and decoded
  boxes (``pred='bbox'``) are available.

Choice: distributions over the angle make the teacher's angle uncertainty (e.g. near-square
boxes) transferable, which is what LD is about; the regressed angle keeps mmrotate's branch.
"""
import math
from typing import List, Optional, Sequence, Tuple

import torch
from mmcv.cnn import Scale
from mmdet.models.dense_heads import AnchorFreeHead
from mmdet.structures.bbox import get_box_tensor
from mmrotate.models.dense_heads import RotatedFCOSHead
from mmrotate.registry import MODELS
from torch import Tensor

from ld_plugin.models.dense_heads.distribution_regression import (
    DistributionRegressionMixin,
    expected_values,
)
from ld_plugin.models.task_modules.coders import prior_centers

from .rotated_retina_distribution_head import check_support


def rotated_point_distances(points: Tensor, gt_bboxes: Tensor) -> Tensor:
    """(P, G, 4) (l, t, r, b) from points (P, 2+) to rotated boxes (G, 5), in each box's frame
    (as ``RotatedFCOSHead`` computes its targets)."""
    centres, sizes, angles = gt_bboxes[None, :, :2], gt_bboxes[None, :, 2:4], gt_bboxes[None, :, 4]
    offset = points[:, None, :2] - centres
    cos, sin = torch.cos(angles), torch.sin(angles)
    ox = cos * offset[..., 0] + sin * offset[..., 1]
    oy = -sin * offset[..., 0] + cos * offset[..., 1]
    w, h = sizes[..., 0], sizes[..., 1]
    return torch.stack([w / 2 + ox, h / 2 + oy, w / 2 - ox, h / 2 - oy], dim=-1)


@MODELS.register_module()
class RotatedFCOSDistributionHead(DistributionRegressionMixin, RotatedFCOSHead):
    """:class:`RotatedFCOSHead` whose distances (and optionally angle) are distributions.

    Args:
        reg_max: bins per distribution - 1 (bins of one stride for the distances).
        angle_support: ``None`` (regressed angle) or (low, high) of the angle's bins.
    """

    reg_conv_name = 'conv_reg'

    def __init__(self, *args, reg_max: int = 16,
                 angle_support: Optional[Sequence[float]] = None, **kwargs) -> None:
        self.angle_support = None if angle_support is None else check_support(
            'angle_support', angle_support)
        super().__init__(*args, reg_max=reg_max, **kwargs)

    @property
    def distributions_per_prior(self) -> int:
        return 4 if self.angle_support is None else 5

    @property
    def distribution_supports(self) -> Tuple:
        """What each distribution's bins mean; teacher and student must agree."""
        return ('strides', ) * 4 + (() if self.angle_support is None else (self.angle_support, ))

    def _init_layers(self) -> None:
        super()._init_layers()
        if self.angle_support is not None:  # the angle comes from the regression conv
            self.conv_angle = None
            self.scale_angle = None

    def forward_single(self, x: Tensor, scale: Scale,
                       stride: int) -> Tuple[Tensor, Tensor, Tensor, Tensor]:
        """Class logits, distribution logits, angle and centerness of one level."""
        cls_score, bbox_pred, cls_feat, reg_feat = AnchorFreeHead.forward_single(self, x)
        centerness = self.conv_centerness(reg_feat if self.centerness_on_reg else cls_feat)
        bbox_pred = scale(bbox_pred).float()
        if self.angle_support is None:
            angle_pred = self.conv_angle(reg_feat)
            if self.is_scale_angle:
                angle_pred = self.scale_angle(angle_pred).float()
        else:
            angle_pred = expected_values(bbox_pred[:, 4 * (self.reg_max + 1):],
                                         self._angle_support()[None])
        return cls_score, bbox_pred, angle_pred, centerness

    def _angle_support(self) -> Tensor:
        return torch.linspace(*self.angle_support, self.reg_max + 1)

    def value_support(self, stride: int, for_loss: bool) -> Tensor:
        """Distances: bin i is i strides (in strides for a normalised loss, else pixels);
        the angle (fifth row, if any): evenly spaced on ``angle_support``."""
        bins = torch.arange(self.reg_max + 1, dtype=torch.float)
        rows = [bins if for_loss and self.norm_on_bbox else bins * stride] * 4
        if self.angle_support is not None:
            rows.append(self._angle_support())
        return torch.stack(rows)

    def expected_regression(self, bbox_preds: Sequence[Tensor], for_loss: bool) -> List[Tensor]:
        """The four expected distances (the angle is already ``angle_pred``)."""
        return [v[:, :4] for v in super().expected_regression(bbox_preds, for_loss)]

    def decode_bbox_pred(self, priors: Tensor, bbox_pred: Tensor, stride: int) -> Tensor:
        """(P, 5) rotated boxes from (P, 5·(reg_max+1)) rows (angle as a distribution)."""
        if self.angle_support is None:
            raise ValueError(
                f'{type(self).__name__} regresses the angle outside the distributions, so '
                "pred='bbox' terms cannot decode boxes from them; set angle_support, e.g. "
                f'({-math.pi / 2:.4f}, {math.pi / 2:.4f}) for le90')
        values = expected_values(bbox_pred, self.value_support(stride, False))
        return get_box_tensor(self.bbox_coder.decode(prior_centers(priors), values))
