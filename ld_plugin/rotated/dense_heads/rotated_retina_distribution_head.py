"""Rotated RetinaNet with distribution regression (Rotated-LD's
``RotatedRetinaHeadDistribution``, TPAMI 2023).

Per anchor, each of the five deltas (dx, dy, dw, dh, dθ) of the rotated box coder is the
expectation of a distribution over ``reg_max + 1`` bins spread evenly on a fixed support:
``box_support`` for dx, dy, dw, dh and ``angle_support`` for dθ. The base
:class:`RotatedRetinaHead` then trains and decodes the expected deltas unchanged (with
``reg_decoded_bbox=True`` its box loss, e.g. GWD / KLD, runs on decoded rotated boxes).
"""
from typing import Tuple

import torch
from mmdet.structures.bbox import get_box_tensor
from mmrotate.models.dense_heads import RotatedRetinaHead
from mmrotate.registry import MODELS
from torch import Tensor

from ld_plugin.models.dense_heads.distribution_regression import (
    DistributionRegressionMixin,
    expected_values,
)


def check_support(name: str, support) -> Tuple[float, float]:
    """(low, high) of a distribution's bins, validated."""
    if (not isinstance(support, (tuple, list)) or len(support) != 2
            or not float(support[0]) < float(support[1])):
        raise ValueError(f'{name} must be (low, high) with low < high, got {support!r}')
    return float(support[0]), float(support[1])


@MODELS.register_module()
class RotatedRetinaDistributionHead(DistributionRegressionMixin, RotatedRetinaHead):
    """:class:`RotatedRetinaHead` whose five deltas are distributions.

    Args:
        reg_max: bins per delta - 1 (Rotated-LD: 8, "better than 16 for rotated RetinaNet").
        box_support: (low, high) of the dx, dy, dw, dh bins. Defaults to (-2, 2) (Rotated-LD).
        angle_support: (low, high) of the dθ bins. Defaults to (-5, 2), the official value
            as found in the Rotated-LD code.
    """

    reg_conv_name = 'retina_reg'
    distributions_per_prior = 5

    def __init__(self, *args, reg_max: int = 8, box_support=(-2.0, 2.0),
                 angle_support=(-5.0, 2.0), **kwargs) -> None:
        self.box_support = check_support('box_support', box_support)
        self.angle_support = check_support('angle_support', angle_support)
        super().__init__(*args, reg_max=reg_max, **kwargs)
        if getattr(self.bbox_coder, 'encode_size', None) != 5:
            raise ValueError(
                f'{type(self).__name__} predicts the 5 deltas of a rotated box coder, but '
                f'bbox_coder {type(self.bbox_coder).__name__} encodes '
                f'{getattr(self.bbox_coder, "encode_size", "?")} values; use '
                "bbox_coder=dict(type='DeltaXYWHTRBBoxCoder', ...)")

    @property
    def distribution_supports(self) -> Tuple[Tuple[float, float], ...]:
        """(low, high) of each delta's bins; teacher and student must agree."""
        return (self.box_support, ) * 4 + (self.angle_support, )

    def value_support(self, stride: int, for_loss: bool) -> Tensor:
        """(5, reg_max + 1) bin values, the same at every level."""
        return torch.stack([torch.linspace(low, high, self.reg_max + 1)
                            for low, high in self.distribution_supports])

    def decode_bbox_pred(self, priors: Tensor, bbox_pred: Tensor, stride: int) -> Tensor:
        """(P, 5) rotated boxes from (P, 5·(reg_max+1)) logit rows at (P, 5) anchors."""
        deltas = expected_values(bbox_pred, self.value_support(stride, False))
        return get_box_tensor(self.bbox_coder.decode(priors, deltas))
