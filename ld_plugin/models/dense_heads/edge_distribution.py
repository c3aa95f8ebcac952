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
from typing import List, Sequence, Tuple

import torch
import torch.nn as nn
from mmdet.structures.bbox import distance2bbox
from torch import Tensor

from ..task_modules.coders import PriorCenterDistanceCoder, prior_centers


def edge_expectations(logits: Tensor, reg_max: int) -> Tensor:
    """Σ_i i·softmax(z)_i over ``reg_max + 1`` bins.

    Args:
        logits: (N, A·4·(n+1), H, W) maps (bins contiguous per edge, edges per prior) or
            (P, 4·(n+1)) rows.

    Returns:
        (N, A·4, H, W) or (P, 4) expected distances in bins.
    """
    bins = reg_max + 1
    if logits.dim() == 2:
        probs = logits.reshape(logits.shape[0], -1, bins).softmax(-1)
        return probs @ torch.arange(bins, dtype=probs.dtype, device=probs.device)
    n, c, h, w = logits.shape
    probs = logits.reshape(n, c // bins, bins, h, w).softmax(2)
    support = torch.arange(bins, dtype=probs.dtype, device=probs.device).view(1, 1, -1, 1, 1)
    return (probs * support).sum(2)


class EdgeDistributionMixin:
    """Turns an mmdet dense head into a general-distribution head; put it before the head.

    Args:
        reg_max: n, the largest distance in strides (bins 0..n). Defaults to 16.

    Subclasses name the regression conv (``reg_conv_name``) and whether the base head's
    loss expects distances in strides (``loss_in_strides``) or in pixels.
    """

    reg_conv_name: str = ''
    #: coders whose ``decode(priors, distances)`` is "prior centre ± distances"
    distance_coders: Tuple[type, ...] = (PriorCenterDistanceCoder, )

    def __init__(self, *args, reg_max: int = 16, **kwargs) -> None:
        if not isinstance(reg_max, int) or reg_max < 1:
            raise ValueError(f'reg_max must be a positive int (bins per edge - 1), got {reg_max!r}')
        self.reg_max = reg_max
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

    def _init_layers(self) -> None:
        """The base head's layers, with 4·(n+1) regression outputs per prior."""
        super()._init_layers()
        conv = getattr(self, self.reg_conv_name)
        setattr(self, self.reg_conv_name, nn.Conv2d(
            conv.in_channels, self.num_base_priors * 4 * (self.reg_max + 1), conv.kernel_size,
            stride=conv.stride, padding=conv.padding))

    # ------------------------------------------------------------------------- decoding
    def _level_strides(self) -> List[int]:
        return [s[0] if isinstance(s, (tuple, list)) else s for s in self.prior_generator.strides]

    def edge_distances(self, bbox_preds: Sequence[Tensor], in_strides: bool) -> List[Tensor]:
        """Per level, (N, A·4, H, W) expected distances, in strides or in pixels."""
        distances = []
        for logits, stride in zip(bbox_preds, self._level_strides()):
            d = edge_expectations(logits, self.reg_max)
            distances.append(d if in_strides else d * stride)
        return distances

    def decode_bbox_pred(self, priors: Tensor, bbox_pred: Tensor, stride: int) -> Tensor:
        """(P, 4) boxes in pixels from (P, 4·(n+1)) logit rows at the priors (boxes or points)."""
        return distance2bbox(prior_centers(priors),
                             edge_expectations(bbox_pred, self.reg_max) * stride)

    @property
    def loss_in_strides(self) -> bool:
        """Whether the base head's loss expects distances in strides (FCOS's norm_on_bbox)."""
        return False

    # --------------------------------------------------------- base losses and prediction
    def loss_by_feat(self, cls_scores: List[Tensor], bbox_preds: List[Tensor], *args,
                     **kwargs) -> dict:
        """The base head's losses on the decoded distances (gradients reach the logits)."""
        return super().loss_by_feat(cls_scores, self.edge_distances(bbox_preds, self.loss_in_strides),
                                    *args, **kwargs)

    def predict_by_feat(self, cls_scores: List[Tensor], bbox_preds: List[Tensor], *args,
                        **kwargs):
        """The base head's post-processing on distances in pixels."""
        return super().predict_by_feat(cls_scores, self.edge_distances(bbox_preds, False),
                                       *args, **kwargs)

