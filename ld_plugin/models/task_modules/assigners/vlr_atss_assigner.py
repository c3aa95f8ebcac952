"""ATSS assigner that also returns LD's Valuable Localization Region (VLR).

VLR (LD, Zheng et al. CVPR 2022, Algorithm 1): with X the DIoU between every
prior and a GT, α_pos that GT's ATSS positive threshold and α_vl = γ·α_pos,

    V = { prior : α_vl <= X < α_pos }.

The weight of a VLR prior is its plain IoU with the GT (the highest-IoU one
when the prior lies in several GTs' VLRs), as in the official code.
"""
from typing import Callable, List, Optional

import torch
from mmdet.models.task_modules.assigners import AssignResult, ATSSAssigner
from mmdet.models.task_modules.assigners import atss_assigner as atss_module
from mmdet.models.task_modules.assigners.atss_assigner import bbox_center_distance
from mmdet.registry import TASK_UTILS
from mmdet.structures.bbox import bbox_overlaps, get_box_tensor
from mmdet.utils import ConfigType
from mmengine.structures import InstanceData
from torch import Tensor

from ...distill.recorder import Call, record_calls
from ..diou import bbox_diou, check_diou_mode

INF = 100000000


def atss_iou_thresholds(priors: Tensor,
                        gt_bboxes: Tensor,
                        overlaps: Tensor,
                        num_level_priors: List[int],
                        topk: int,
                        ignore_mask: Optional[Tensor] = None,
                        distances: Optional[Tensor] = None) -> Tensor:
    """ATSS positive threshold α_pos of every GT.

    On each FPN level the ``topk`` priors whose centres are nearest to the GT
    centre are the candidates (k·L in all); α_pos = mean + std (unbiased, as
    ATSS) of their IoU. Ignored priors are pushed to the back of the ranking,
    as ATSS does by setting their distance to INF.

    Args:
        priors (Tensor): (n, 4) priors, xyxy.
        gt_bboxes (Tensor): (m, 4) GT boxes, xyxy.
        overlaps (Tensor): (n, m) IoU of priors and GTs.
        num_level_priors (list[int]): Number of priors of each level.
        topk (int): Candidates per level.
        ignore_mask (Tensor, optional): (n,) bool, priors to ignore.
        distances (Tensor, optional): (n, m) prior-GT centre distances already
            computed by the assigner, ignored priors at INF.

    Returns:
        Tensor: (m,) thresholds. NaN when there is a single candidate in all
        (unbiased std of one value), in which case ATSS has no positive.
    """
    if distances is None:
        distances = bbox_center_distance(gt_bboxes, priors)  # (n, m)
        if ignore_mask is not None:
            distances[ignore_mask] = INF

    candidate_idxs = []
    start = 0
    for n_level in num_level_priors:
        k = min(topk, n_level)
        _, idxs = distances[start:start + n_level].topk(
            k, dim=0, largest=False)
        candidate_idxs.append(idxs + start)
        start += n_level
    candidate_idxs = torch.cat(candidate_idxs, dim=0)  # (k·L, m)
    candidate_overlaps = overlaps.gather(0, candidate_idxs)
    return candidate_overlaps.mean(0) + candidate_overlaps.std(0)


def first_plain_iou(calls: List[Call]) -> Optional[Tensor]:
    """The first plain (not IoF, not aligned) IoU matrix among recorded ``iou_calculator``
    calls: the VLR reuses the matrix the assignment has just computed."""
    for call in calls:
        mode = call.kwargs.get('mode', call.args[2] if len(call.args) > 2 else 'iou')
        if mode == 'iou' and not call.kwargs.get('is_aligned', False):
            return call.result
    return None


def is_plain_iou(calculator: Optional[Callable]) -> bool:
    """Whether ``calculator`` gives the plain IoU (mmdet's default ``BboxOverlaps2D``)."""
    return calculator is None or (
        type(calculator).__name__ == 'BboxOverlaps2D'
        and getattr(calculator, 'scale', 1.0) == 1.0 and getattr(calculator, 'dtype', None) is None)


def vlr_weights(priors: Tensor,
                num_level_priors: List[int],
                gt_bboxes: Tensor,
                topk: int = 9,
                gamma: float = 0.25,
                diou_mode: str = 'diou',
                ignore_mask: Optional[Tensor] = None,
                iou_calculator: Optional[Callable[[Tensor, Tensor],
                                                  Tensor]] = None,
                overlaps: Optional[Tensor] = None,
                distances: Optional[Tensor] = None) -> Tensor:
    """Soft VLR weights of all priors of one image.

    For each GT g: α_pos(g) is the ATSS threshold (see
    :func:`atss_iou_thresholds`) and α_vl(g) = γ·α_pos(g); prior p is in
    V(g) when α_vl(g) <= DIoU(p, g) < α_pos(g). All priors are eligible: no
    centre-in-GT constraint, positives are not removed. The weight of p is
    max over {g : p ∈ V(g)} of IoU(p, g), and 0 when p is in no VLR. Hence a
    VLR prior whose IoU is exactly 0 (possible for small α_vl, or any γ when
    α_pos <= 0) gets weight 0, i.e. it is effectively not in the region.

    Args:
        priors (Tensor): (n, 4+) priors (anchors) of all levels, xyxy; only
            the first 4 columns are used.
        num_level_priors (list[int]): Number of priors of each level.
        gt_bboxes (Tensor | BaseBoxes): (m, 4) GT boxes, xyxy.
        topk (int): ATSS candidates per level. Defaults to 9.
        gamma (float): γ in [0, 1]; γ=1 gives an empty VLR, γ=0 the widest
            one. Defaults to 0.25.
        diou_mode (str): ``'diou'`` (true DIoU) or ``'official'`` (the
            official LD code's overlap/area(prior) - ρ²/c²). Defaults to
            ``'diou'``.
        ignore_mask (Tensor, optional): (n,) bool; ignored priors are never
            ATSS candidates (as in ATSS) and get weight 0.
        iou_calculator (callable, optional): ``f(priors, gts) -> (n, m)`` IoU;
            defaults to mmdet's ``bbox_overlaps``.
        overlaps (Tensor, optional): (n, m) ``iou_calculator(priors, gts)``
            already computed by the assigner (reused, also for the DIoU when the
            calculator is the plain IoU).
        distances (Tensor, optional): (n, m) centre distances already computed
            by the ATSS assignment (ignored priors at INF), reused.

    Returns:
        Tensor: (n,) weights in [0, 1], dtype and device of ``priors``.

    The DIoU is evaluated only on the pairs that can carry a weight: a pair
    with IoU 0 adds nothing to the max, and with the true DIoU and the plain
    IoU, DIoU <= IoU, so a pair with IoU < α_vl cannot be in the VLR. The
    result equals the dense evaluation over all pairs.
    """
    if not 0.0 <= gamma <= 1.0:
        raise ValueError(f'gamma must be in [0, 1], got {gamma!r}')
    check_diou_mode(diou_mode)
    priors = get_box_tensor(priors)[:, :4]
    gt_bboxes = get_box_tensor(gt_bboxes)[:, :4].to(priors)
    num_priors, num_gt = priors.size(0), gt_bboxes.size(0)
    if num_priors == 0 or num_gt == 0:
        return priors.new_zeros((num_priors, ))
    if ignore_mask is not None and not ignore_mask.any():
        ignore_mask = None

    if overlaps is None:
        overlaps = (bbox_overlaps(priors, gt_bboxes) if iou_calculator is None
                    else iou_calculator(priors, gt_bboxes))
    overlaps = overlaps.to(priors)
    alpha_pos = atss_iou_thresholds(priors, gt_bboxes, overlaps,
                                    num_level_priors, topk, ignore_mask,
                                    distances)
    alpha_vl = gamma * alpha_pos

    plain = is_plain_iou(iou_calculator)
    candidates = overlaps > 0
    if plain and diou_mode == 'diou':
        candidates &= overlaps >= alpha_vl[None, :]
    prior_idx, gt_idx = candidates.nonzero(as_tuple=True)
    pair_iou = overlaps[prior_idx, gt_idx]
    diou = bbox_diou(priors[prior_idx], gt_bboxes[gt_idx], mode=diou_mode,
                     iou=pair_iou if plain else None, is_aligned=True)
    in_vlr = (diou >= alpha_vl[gt_idx]) & (diou < alpha_pos[gt_idx])
    # the IoU of the best VLR GT of each prior, 0 outside every VLR
    weights = priors.new_zeros((num_priors, )).scatter_reduce_(
        0, prior_idx[in_vlr], pair_iou[in_vlr], reduce='amax')
    if ignore_mask is not None:
        weights = weights.masked_fill(ignore_mask, 0)
    return weights


@TASK_UTILS.register_module()
class VLRATSSAssigner(ATSSAssigner):
    """ATSS assigner that also computes the VLR weights of LD.

    Positives are exactly those of :class:`ATSSAssigner`. The result carries
    the extra property ``'vlr_weights'``: a (num_priors,) float tensor, see
    :func:`vlr_weights`.

    Args:
        topk (int): ATSS candidates per level. Defaults to 9.
        alpha, iou_calculator, ignore_iof_thr: as in ATSSAssigner.
            With ``alpha`` (DDOD cost) set, α_pos of the VLR is still computed
            from the plain prior IoU, so it is not the cost threshold.
        gamma (float): VLR lower ratio γ in [0, 1], α_vl = γ·α_pos.
            Defaults to 0.25.
        diou_mode (str): ``'diou'`` or ``'official'``, see
            :func:`~ld_plugin.models.task_modules.diou.bbox_diou`.
            Defaults to ``'diou'``.
        exclude_positives (bool): Set the VLR weight of the assigned
            positives to 0. Defaults to False (as the official GFL code).
    """

    #: Heads check this flag to know that results carry ``vlr_weights``.
    provides_vlr_weights: bool = True

    def __init__(self,
                 topk: int = 9,
                 alpha: Optional[float] = None,
                 iou_calculator: ConfigType = dict(type='BboxOverlaps2D'),
                 ignore_iof_thr: float = -1,
                 gamma: float = 0.25,
                 diou_mode: str = 'diou',
                 exclude_positives: bool = False) -> None:
        super().__init__(
            topk=topk,
            alpha=alpha,
            iou_calculator=iou_calculator,
            ignore_iof_thr=ignore_iof_thr)
        if not 0.0 <= gamma <= 1.0:
            raise ValueError(f'gamma must be in [0, 1], got {gamma!r}')
        self.gamma = float(gamma)
        self.diou_mode = check_diou_mode(diou_mode)
        self.exclude_positives = exclude_positives

    def assign(
            self,
            pred_instances: InstanceData,
            num_level_priors: List[int],
            gt_instances: InstanceData,
            gt_instances_ignore: Optional[InstanceData] = None
    ) -> AssignResult:
        """ATSS assignment plus ``assign_result.vlr_weights`` (num_priors,).

        Args and returns as :meth:`ATSSAssigner.assign`.
        """
        with record_calls(self, 'iou_calculator') as calls, \
                record_calls(atss_module, 'bbox_center_distance') as centre_calls:
            assign_result = super().assign(pred_instances, num_level_priors,
                                           gt_instances, gt_instances_ignore)
        # with DDOD's alpha the assignment's overlaps mix in the classification cost
        overlaps = first_plain_iou(calls) if self.alpha is None else None
        # the centre distances ATSS ranked its candidates by (ignored priors at INF)
        distances = centre_calls[0].result if centre_calls else None
        priors = pred_instances.priors[:, :4]
        gt_bboxes = gt_instances.bboxes

        ignore_mask = None
        if (self.ignore_iof_thr > 0 and gt_instances_ignore is not None
                and gt_instances_ignore.bboxes.numel() > 0
                and priors.numel() > 0):
            ignore_iof = self.iou_calculator(
                priors, gt_instances_ignore.bboxes, mode='iof')
            ignore_mask = ignore_iof.max(dim=1)[0] > self.ignore_iof_thr

        weights = vlr_weights(
            priors,
            num_level_priors,
            gt_bboxes,
            topk=self.topk,
            gamma=self.gamma,
            diou_mode=self.diou_mode,
            ignore_mask=ignore_mask,
            iou_calculator=self.iou_calculator,
            overlaps=overlaps,
            distances=distances)
        if self.exclude_positives:
            weights = weights.masked_fill(assign_result.gt_inds > 0, 0)
        assign_result.set_extra_property('vlr_weights', weights)
        return assign_result
