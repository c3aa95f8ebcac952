"""General-distribution box regression for mmdet's dense heads (LD, Zheng et al., Sec. 3.1).

Each box edge e ∈ {l, t, r, b} is a distance from the prior's centre, predicted as a discrete
distribution P_e over the bins {0, 1, ..., n} (n = ``reg_max``, in units of the level's
stride s):

    d_e = s · Σ_i i · softmax(z_e)_i.

The head's regression conv outputs 4 · (n + 1) logits z per prior instead of 4 deltas; the
base head's own losses (GIoU on decoded boxes, its classification loss, its centerness) and
its own post-processing then run unchanged on the decoded distances. LD compares the logits
z of a teacher and a student with the same ``reg_max``.
"""
from typing import Tuple

import torch
from mmdet.structures.bbox import distance2bbox
from torch import Tensor

from ..task_modules.coders import PriorCenterDistanceCoder, prior_centers
from .distribution_regression import DistributionRegressionMixin, expected_values


def edge_expectations(logits: Tensor, reg_max: int) -> Tensor:
    """Σ_i i·softmax(z)_i over ``reg_max + 1`` bins, for every edge of every prior.

    Args:
        logits: (N, A·4·(n+1), H, W) maps or (P, A·4·(n+1)) rows.

    Returns:
        (N, A·4, H, W) or (P, A·4) expected distances in bins.
    """
    support = torch.arange(reg_max + 1, dtype=logits.dtype, device=logits.device)
    return expected_values(logits, support.expand(4, -1))


class EdgeDistributionMixin(DistributionRegressionMixin):
    """Turns an mmdet dense head into a general-distribution head; put it before the head.

    Args:
        reg_max: n, the largest distance in strides (bins 0..n). Defaults to 16.

    Subclasses name the regression conv (``reg_conv_name``) and whether the base head's
    loss expects distances in strides (``loss_in_strides``) or in pixels.
    """

    distributions_per_prior = 4
    #: coders whose ``decode(priors, distances)`` is "prior centre ± distances"
    distance_coders: Tuple[type, ...] = (PriorCenterDistanceCoder, )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        head = type(self).__name__
        if not isinstance(self.bbox_coder, self.distance_coders):
            names = [c.__name__ for c in self.distance_coders]
            raise ValueError(
                f'{head} regresses edge distances from the prior centre, but bbox_coder is '
                f'{type(self.bbox_coder).__name__}; set '
                f"bbox_coder=dict(_delete_=True, type='{names[0]}')")
        if getattr(self, 'reg_decoded_bbox', True) is not True:
            raise ValueError(
                f'{head} trains its box loss on decoded boxes (GIoU, as the LD paper); set '
                "reg_decoded_bbox=True and loss_bbox=dict(type='GIoULoss', loss_weight=2.0)")

    @property
    def loss_in_strides(self) -> bool:
        """Whether the base head's loss expects distances in strides (FCOS's norm_on_bbox)."""
        return False

    def value_support(self, stride: int, for_loss: bool) -> Tensor:
        """Bin i is worth i strides: in strides for a ``loss_in_strides`` loss, else pixels."""
        bins = torch.arange(self.reg_max + 1, dtype=torch.float)
        return (bins if for_loss and self.loss_in_strides else bins * stride).expand(4, -1)

    def decode_bbox_pred(self, priors: Tensor, bbox_pred: Tensor, stride: int) -> Tensor:
        """(P, 4) boxes in pixels from (P, 4·(n+1)) logit rows at the priors (boxes or points)."""
        return distance2bbox(prior_centers(priors),
                             edge_expectations(bbox_pred, self.reg_max) * stride)
