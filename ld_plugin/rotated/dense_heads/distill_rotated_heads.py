"""Rotated students through the same :class:`DistillHeadMixin` as the 2D heads."""
from typing import Optional

from mmdet.structures.bbox import get_box_tensor
from mmrotate.registry import MODELS
from torch import Tensor

from ld_plugin.models.dense_heads.distill_head_mixin import DistillHeadMixin

from .rotated_fcos_distribution_head import RotatedFCOSDistributionHead, rotated_point_distances
from .rotated_retina_distribution_head import RotatedRetinaDistributionHead


@MODELS.register_module()
class DistillRotatedRetinaDistributionHead(DistillHeadMixin, RotatedRetinaDistributionHead):
    """:class:`RotatedRetinaDistributionHead` + ``distill_terms``. Rotated-LD's region comes
    from ``train_cfg.assigner=dict(type='RotatedLDRegionAssigner', ...)`` (``region='vlr'``)."""


@MODELS.register_module()
class DistillRotatedFCOSDistributionHead(DistillHeadMixin, RotatedFCOSDistributionHead):
    """:class:`RotatedFCOSDistributionHead` + ``distill_terms``. Its VLR (``region='vlr'``) is
    FCOS's: points inside a rotated GT box that are not positive."""

    def box_distill_problem(self) -> Optional[str]:
        if self.angle_support is not None:
            return None
        return ('the angle is regressed outside the distributions; set angle_support '
                '(e.g. (-1.5708, 1.5708) for le90) or drop those terms')

    def point_gt_distances(self, points: Tensor, gt_bboxes) -> Tensor:
        """Distances in each GT's frame, with the GTs regularised as the head's targets (on a
        copy: ``regularize_boxes`` changes the boxes in place)."""
        regular = gt_bboxes.clone().regularize_boxes(self.angle_version)
        return rotated_point_distances(points, get_box_tensor(regular))
