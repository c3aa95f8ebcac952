"""RTMDet's DynamicSoftLabelAssigner that also returns a Valuable Localization Region (VLR).

RTMDet's priors are points, so LD's DIoU band (defined for anchor boxes) does not apply; the
VLR is the one LD uses for its anchor-free FCOS student: the points inside a GT box that are
not positive, weight 1 (LD, Zheng et al., TPAMI 2023, the FCOS setting).
"""
from typing import Optional

from mmdet.models.task_modules.assigners import AssignResult, DynamicSoftLabelAssigner
from mmdet.registry import TASK_UTILS
from mmengine.structures import InstanceData

from ...distill.targets import point_box_distances


@TASK_UTILS.register_module()
class VLRDynamicSoftLabelAssigner(DynamicSoftLabelAssigner):
    """:class:`DynamicSoftLabelAssigner` + ``assign_result.vlr_weights`` (num_priors,): 1 at
    the points strictly inside some GT box that are not positive, else 0.

    Args: those of :class:`DynamicSoftLabelAssigner` (``topk``, ``iou_weight``, ...).
    """

    provides_vlr_weights: bool = True

    def assign(self, pred_instances: InstanceData, gt_instances: InstanceData,
               gt_instances_ignore: Optional[InstanceData] = None, **kwargs) -> AssignResult:
        result = super().assign(pred_instances, gt_instances, gt_instances_ignore, **kwargs)
        points = pred_instances.priors
        if len(gt_instances) == 0:
            weights = points.new_zeros(points.shape[0])
        else:
            inside = (point_box_distances(points, gt_instances.bboxes) > 0).all(-1).any(-1)
            weights = (inside & (result.gt_inds <= 0)).to(points.dtype)
        result.set_extra_property('vlr_weights', weights)
        return result
