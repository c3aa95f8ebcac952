"""Regression by the expectation of discrete distributions (GFL's "general distribution").

A head predicts, for each prior, K distributions over B = ``reg_max + 1`` bins; the value of
distribution k is Σ_b support[k, b] · softmax(z_k)_b. The 2D heads regress the four edge
distances (support = bin index × stride, :mod:`.edge_distribution`); the rotated heads regress
the (dx, dy, dw, dh, dθ) deltas of their box coder over fixed supports (``ld_plugin.rotated``).
The base head's losses and post-processing run unchanged on the expected values; LD compares
the logits z of a teacher and a student with the same supports.
"""
from typing import List, Sequence

import torch.nn as nn
from torch import Tensor


def expected_values(logits: Tensor, support: Tensor) -> Tensor:
    """Expectations of the distributions in ``logits`` over ``support`` (K, B).

    Args:
        logits: (N, A·K·B, H, W) maps or (P, A·K·B) rows; the B bins of one distribution are
            contiguous, the K distributions of one prior too (mmdet's channel order).
        support: (K, B) value of each bin of each of the K distributions of a prior.

    Returns:
        (N, A·K, H, W) or (P, A·K) expected values.
    """
    k, bins = support.shape
    support = support.to(logits)
    if logits.dim() == 2:
        probs = logits.reshape(logits.shape[0], -1, bins).softmax(-1)
        return (probs * support.repeat(probs.shape[1] // k, 1)).sum(-1)
    n, c, h, w = logits.shape
    probs = logits.reshape(n, c // bins, bins, h, w).softmax(2)
    return (probs * support.repeat(probs.shape[1] // k, 1)[None, :, :, None, None]).sum(2)


class DistributionRegressionMixin:
    """Turns a dense head's regression branch into K distributions per prior; put it before
    the head in the bases.

    Args:
        reg_max: B - 1, bins per distribution minus one.

    Subclasses set ``reg_conv_name`` (the head's regression conv), ``distributions_per_prior``
    (K) and :meth:`value_support`.
    """

    reg_conv_name: str = ''
    distributions_per_prior: int = 4

    def __init__(self, *args, reg_max: int = 16, **kwargs) -> None:
        if not isinstance(reg_max, int) or reg_max < 1:
            raise ValueError(f'reg_max must be a positive int (bins per distribution - 1), '
                             f'got {reg_max!r}')
        self.reg_max = reg_max
        super().__init__(*args, **kwargs)

    def _init_layers(self) -> None:
        """The base head's layers, with K·(reg_max + 1) regression outputs per prior."""
        super()._init_layers()
        conv = getattr(self, self.reg_conv_name)
        if isinstance(conv, nn.ModuleList):  # one regression conv per level (RTMDet SepBN)
            setattr(self, self.reg_conv_name, nn.ModuleList(self._distribution_conv(c)
                                                            for c in conv))
        else:
            setattr(self, self.reg_conv_name, self._distribution_conv(conv))

    def _distribution_conv(self, conv: nn.Conv2d) -> nn.Conv2d:
        """A conv like ``conv`` with K·(reg_max + 1) outputs per prior."""
        return nn.Conv2d(conv.in_channels,
                         self.num_base_priors * self.distributions_per_prior * (self.reg_max + 1),
                         conv.kernel_size, stride=conv.stride, padding=conv.padding)

    def value_support(self, stride: int, for_loss: bool) -> Tensor:
        """(K, reg_max + 1) bin values at a level of ``stride``, for the base head's loss
        (``for_loss``) or its post-processing."""
        raise NotImplementedError

    def _level_strides(self) -> List[int]:
        return [s[0] if isinstance(s, (tuple, list)) else s for s in self.prior_generator.strides]

    def expected_regression(self, bbox_preds: Sequence[Tensor], for_loss: bool) -> List[Tensor]:
        """Per level, the (N, A·K, H, W) regression the base head expects."""
        return [expected_values(logits, self.value_support(stride, for_loss))
                for logits, stride in zip(bbox_preds, self._level_strides())]

    def loss_by_feat(self, cls_scores: List[Tensor], bbox_preds: List[Tensor], *args,
                     **kwargs) -> dict:
        """The base head's losses on the expected values (gradients reach the logits)."""
        return super().loss_by_feat(cls_scores, self.expected_regression(bbox_preds, True),
                                    *args, **kwargs)

    def predict_by_feat(self, cls_scores: List[Tensor], bbox_preds: List[Tensor], *args,
                        **kwargs):
        """The base head's post-processing on the expected values."""
        return super().predict_by_feat(cls_scores, self.expected_regression(bbox_preds, False),
                                       *args, **kwargs)
