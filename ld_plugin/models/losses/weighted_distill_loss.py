"""mmdet's loss-module contract around one ``@weighted_loss`` function, shared by our losses."""
from typing import Callable, Optional

import torch.nn as nn
from torch import Tensor

REDUCTIONS = ('none', 'mean', 'sum')


def check_reduction(owner: str, reduction: str) -> None:
    if reduction not in REDUCTIONS:
        raise ValueError(f"{owner}: reduction={reduction!r} must be one of 'none', 'mean', 'sum'")


def empty_loss(pred: Tensor, reduction: str) -> Tensor:
    """Zero loss for M = 0 rows (a plain mean would be NaN) that keeps a grad path to pred."""
    zero = pred.float().sum(dim=-1) * 0  # shape (0,)
    return zero if reduction == 'none' else zero.sum()


class WeightedDistillLoss(nn.Module):
    """``loss_weight · loss_fn(pred, target, weight, reduction, avg_factor, **loss_kwargs())``.

    Subclasses set ``loss_fn`` (a ``@weighted_loss`` function of (M, K) student and teacher
    rows) and return their hyper-parameters from :meth:`loss_kwargs`.
    """

    loss_fn: Callable[..., Tensor]

    def __init__(self, reduction: str = 'mean', loss_weight: float = 1.0) -> None:
        super().__init__()
        check_reduction(type(self).__name__, reduction)
        self.reduction = reduction
        self.loss_weight = loss_weight

    def loss_kwargs(self) -> dict:
        return {}

    def forward(self,
                pred: Tensor,
                target: Tensor,
                weight: Optional[Tensor] = None,
                avg_factor: Optional[float] = None,
                reduction_override: Optional[str] = None) -> Tensor:
        """Args: pred / target (M, K) student / teacher rows; weight (M,); avg_factor."""
        reduction = reduction_override if reduction_override else self.reduction
        check_reduction(type(self).__name__, reduction)
        if pred.numel() == 0 and pred.shape == target.shape:
            return empty_loss(pred, reduction)
        loss = type(self).loss_fn(pred, target, weight, reduction=reduction,
                                  avg_factor=avg_factor, **self.loss_kwargs())
        return self.loss_weight * loss
