"""Max-IoU assigner (RetinaNet) that also returns LD's Valuable Localization Region (VLR).

As in the official LD RetinaNet head: positives come from the max-IoU rule; the VLR is the
DIoU band γ·α_pos <= DIoU < α_pos around each GT with α_pos the ATSS statistic of the top-k
priors per level (see :func:`vlr_weights`), weighted by IoU, **with the positives removed**.
"""
from typing import List, Optional, Union

from mmdet.models.task_modules.assigners import AssignResult, MaxIoUAssigner
from mmdet.registry import TASK_UTILS
from mmengine.structures import InstanceData

from ...distill.recorder import record_calls
from ..diou import check_diou_mode
from .vlr_atss_assigner import first_plain_iou, vlr_weights


@TASK_UTILS.register_module()
class VLRMaxIoUAssigner(MaxIoUAssigner):
    """:class:`MaxIoUAssigner` + ``assign_result.vlr_weights`` (num_priors,).

    Args:
        topk (int): priors per level whose IoU statistics give α_pos. Defaults to 9.
        gamma (float): γ in [0, 1], α_vl = γ·α_pos. Defaults to 0.25.
        diou_mode (str): ``'diou'`` or ``'official'``. Defaults to ``'diou'``.
        exclude_positives (bool): zero the VLR weight of positives. Defaults to True
            (official RetinaNet LD head).
        **kwargs: :class:`MaxIoUAssigner` arguments (pos_iou_thr, neg_iou_thr, ...).

    The VLR needs the number of priors of each level; the distillation heads pass it
    (``num_level_priors``) when they call :meth:`assign`.
    """

    provides_vlr_weights: bool = True
    #: the distillation heads pass ``num_level_priors`` to assigners with this flag
    needs_num_level_priors: bool = True

    def __init__(self, *args, topk: int = 9, gamma: float = 0.25, diou_mode: str = 'diou',
                 exclude_positives: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not 0.0 <= gamma <= 1.0:
            raise ValueError(f'gamma must be in [0, 1], got {gamma!r}')
        self.topk = topk
        self.gamma = float(gamma)
        self.diou_mode = check_diou_mode(diou_mode)
        self.exclude_positives = exclude_positives

    def assign(self, pred_instances: InstanceData, gt_instances: InstanceData,
               gt_instances_ignore: Optional[InstanceData] = None,
               num_level_priors: Optional[List[int]] = None,
               **kwargs) -> Union[AssignResult, None]:
        if num_level_priors is None:
            raise ValueError(
                'VLRMaxIoUAssigner needs the number of priors per FPN level to compute the VLR; '
                'use it as train_cfg.assigner of a Distill* head (e.g. '
                'DistillRetinaDistributionHead), which passes them')
        with record_calls(self, 'iou_calculator') as calls:  # MaxIoU: IoU(gts, priors) (m, n)
            result = super().assign(pred_instances, gt_instances, gt_instances_ignore, **kwargs)
        priors = pred_instances.priors[:, :4]
        overlaps, first = None, first_plain_iou(calls)
        if first is not None and first.shape == (gt_instances.bboxes.shape[0], priors.shape[0]):
            overlaps = first.t().to(priors.device)
        ignore_mask = None
        if (self.ignore_iof_thr > 0 and gt_instances_ignore is not None
                and gt_instances_ignore.bboxes.numel() > 0 and priors.numel() > 0):
            ignore_iof = self.iou_calculator(priors, gt_instances_ignore.bboxes, mode='iof')
            ignore_mask = ignore_iof.max(dim=1)[0] > self.ignore_iof_thr
        weights = vlr_weights(priors, num_level_priors, gt_instances.bboxes, topk=self.topk,
                              gamma=self.gamma, diou_mode=self.diou_mode,
                              ignore_mask=ignore_mask, iou_calculator=self.iou_calculator,
                              overlaps=overlaps)
        if self.exclude_positives:
            weights = weights.masked_fill(result.gt_inds > 0, 0)
        result.set_extra_property('vlr_weights', weights)
        return result
