"""Rotated-LD's distillation region (TPAMI 2023, ``LDRotatedRetinaHead.get_ld_region``).

Main region and VLR are merged into one region where LD and class KD both apply: with IoU_h
the IoU of *horizontal proxies* (each rotated box's (cx, cy, w, h) with the angle dropped) and,
per GT g, α(g) = mean + std of the ``topk`` highest IoU_h at each FPN level,

    R = { prior p : IoU_h(p, g) >= γ · α(g) for some g },   weight(p) = max_g IoU_h(p, g).

There is no upper bound, so the positives are inside R.
"""
from typing import List, Optional

import torch
from mmdet.models.task_modules.assigners import AssignResult, MaxIoUAssigner
from mmdet.structures.bbox import bbox_overlaps, get_box_tensor
from mmengine.structures import InstanceData
from mmrotate.registry import TASK_UTILS
from torch import Tensor


def horizontal_proxy(boxes: Tensor) -> Tensor:
    """(N, 5) rotated boxes (cx, cy, w, h, θ) -> (N, 4) x1y1x2y2 boxes of the same w, h."""
    centres, sizes = boxes[:, :2], boxes[:, 2:4]
    return torch.cat([centres - sizes / 2, centres + sizes / 2], dim=1)


def ld_region_weights(priors: Tensor, num_level_priors: List[int], gt_bboxes: Tensor,
                      topk: int = 9, gamma: float = 0.25) -> Tensor:
    """(P,) region weights of rotated priors (P, 5) for rotated GTs (G, 5); 0 outside."""
    if not 0.0 <= gamma <= 1.0:
        raise ValueError(f'gamma must be in [0, 1], got {gamma!r}')
    if priors.numel() == 0 or gt_bboxes.numel() == 0:
        return priors.new_zeros((priors.size(0), ))
    overlaps = bbox_overlaps(horizontal_proxy(priors), horizontal_proxy(gt_bboxes.to(priors)))
    candidates = [level.topk(min(topk, level.size(0)), dim=0)[0]
                  for level in overlaps.split(num_level_priors) if level.size(0) > 0]
    candidates = torch.cat(candidates)
    alpha = candidates.mean(0) + (candidates.std(0) if candidates.size(0) > 1 else 0)
    in_region = overlaps >= gamma * alpha[None]
    return overlaps.masked_fill(~in_region, 0).amax(dim=1)


@TASK_UTILS.register_module()
class RotatedLDRegionAssigner(MaxIoUAssigner):
    """Max-IoU assignment (rotated IoU from ``iou_calculator``) + Rotated-LD's region as
    ``assign_result.vlr_weights``; distill terms read it with ``region='vlr'``.

    Args:
        topk (int): highest horizontal-proxy IoUs per level in α. Defaults to 9.
        gamma (float): γ of the region's lower bound. Defaults to 0.25.
        **kwargs: :class:`MaxIoUAssigner` arguments.
    """

    provides_vlr_weights: bool = True
    #: the distillation heads pass ``num_level_priors`` to assigners with this flag
    needs_num_level_priors: bool = True

    def __init__(self, *args, topk: int = 9, gamma: float = 0.25, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not 0.0 <= gamma <= 1.0:
            raise ValueError(f'gamma must be in [0, 1], got {gamma!r}')
        self.topk, self.gamma = topk, float(gamma)

    def assign(self, pred_instances: InstanceData, gt_instances: InstanceData,
               gt_instances_ignore: Optional[InstanceData] = None,
               num_level_priors: Optional[List[int]] = None, **kwargs) -> AssignResult:
        if num_level_priors is None:
            raise ValueError(
                'RotatedLDRegionAssigner needs the number of priors per FPN level; use it as '
                'train_cfg.assigner of a Distill* head, which passes them')
        result = super().assign(pred_instances, gt_instances, gt_instances_ignore, **kwargs)
        weights = ld_region_weights(get_box_tensor(pred_instances.priors), num_level_priors,
                                    get_box_tensor(gt_instances.bboxes), self.topk, self.gamma)
        result.set_extra_property('vlr_weights', weights)
        return result
