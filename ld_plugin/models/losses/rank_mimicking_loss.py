"""Rank Mimicking (RM) loss of Li et al., AAAI 2022 (KD-RP)."""
from typing import Optional, Union

import torch
import torch.nn as nn
from mmdet.registry import MODELS
from torch import Tensor


def _group_log_softmax(x: Tensor, group: Tensor, num_groups: int) -> Tensor:
    """log-softmax of ``x`` (M,) within each group; ``group`` (M,) holds ids in [0, num_groups)."""
    # Per-group max for stability; detaching it does not change the value or the gradient
    # (log-softmax is shift-invariant), exactly as in logsumexp.
    group_max = x.new_full((num_groups, ), float('-inf')).scatter_reduce(
        0, group, x.detach(), reduce='amax', include_self=True)
    shifted = x - group_max[group]
    denom = x.new_zeros(num_groups).index_add(0, group, shifted.exp())
    return shifted - denom.log()[group]


@MODELS.register_module()
class RankMimickingLoss(nn.Module):
    """Rank Mimicking: KL between teacher and student rank distributions of each GT's positives.

    For every GT g with positive (assigned) priors A_g and per-prior scores x_a (the caller
    passes σ of each prior's logit for g's class):
    ``p_a = softmax_{A_g}(x^t_a / T)``, ``q_a = softmax_{A_g}(x^s_a / T)``,
    ``KL_g = Σ_{a∈A_g} p_a (log p_a − log q_a)`` and
    ``L_RM = λ · Σ_g KL_g / avg_factor``.

    ``avg_factor`` defaults to the number of groups present (GTs with at least one positive),
    i.e. the mean over GTs; pass e.g. a cross-GPU GT count to override (``+ eps`` is added).
    Priors keep their correspondence across teacher and student (nothing is sorted, unlike
    mmrazor PR #107), groups of one prior contribute exactly 0, and the teacher is detached.
    Vectorised over groups (scatter-based softmax); computed in float32.

    Args:
        T: temperature (> 0); 1 in both third-party implementations.
        loss_weight: λ; 4 in both third-party implementations.
    """

    #: read by the distillation-term mechanism: per-GT groups of positives
    distill_kind = 'rank'

    def __init__(self, T: float = 1.0, loss_weight: float = 4.0) -> None:
        super().__init__()
        if T <= 0:
            raise ValueError(f'{type(self).__name__}: temperature T={T} must be > 0')
        self.T = T
        self.loss_weight = loss_weight

    def forward(self,
                student_scores: Tensor,
                teacher_scores: Tensor,
                group_ids: Tensor,
                avg_factor: Optional[Union[float, Tensor]] = None) -> Tensor:
        """Args: student_scores / teacher_scores (M,) per-prior scores; group_ids (M,) integer
        id of the GT each prior is assigned to (any values); avg_factor (default: #groups)."""
        name = type(self).__name__
        if (student_scores.dim() != 1 or student_scores.shape != teacher_scores.shape
                or student_scores.shape != group_ids.shape):
            raise ValueError(f'{name}: student_scores {tuple(student_scores.shape)}, '
                             f'teacher_scores {tuple(teacher_scores.shape)} and group_ids '
                             f'{tuple(group_ids.shape)} must all have the same (M,) shape')
        if group_ids.dtype.is_floating_point or group_ids.dtype == torch.bool:
            raise ValueError(f'{name}: group_ids dtype {group_ids.dtype} must be an integer type')
        if isinstance(avg_factor, (int, float)) and avg_factor <= 0:
            raise ValueError(f'{name}: avg_factor={avg_factor} must be > 0')
        if student_scores.numel() == 0:
            return student_scores.float().sum() * 0

        groups, group = torch.unique(group_ids, return_inverse=True)
        num_groups = groups.numel()
        log_q = _group_log_softmax(student_scores.float() / self.T, group, num_groups)
        log_p = _group_log_softmax(teacher_scores.detach().float() / self.T, group, num_groups)
        kl_sum = (log_p.exp() * (log_p - log_q)).sum()  # Σ_g KL_g
        if avg_factor is None:
            return self.loss_weight * kl_sum / num_groups
        return self.loss_weight * kl_sum / (avg_factor + torch.finfo(torch.float32).eps)
