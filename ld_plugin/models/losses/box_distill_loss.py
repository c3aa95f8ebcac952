"""Localization distillation between decoded boxes with any registered box loss.

BCKD's IoU-based localization term (:class:`IoULocalizationDistillationLoss`) for boxes that
mmdet's IoU cannot compare, e.g. rotated boxes: the student's decoded boxes are pulled
towards the teacher's (detached) with ``box_loss`` - GWD / KLD / KFIoU-style Gaussian losses
run on a CPU, mmrotate's ``RotatedIoULoss`` needs CUDA.
"""
from typing import Optional

import torch.nn as nn
from mmdet.registry import MODELS
from torch import Tensor

from .weighted_distill_loss import empty_loss


@MODELS.register_module()
class BoxDistillationLoss(nn.Module):
    """``loss_weight · box_loss(student_boxes, teacher_boxes.detach(), weight, avg_factor)``.

    Args:
        box_loss: config of a box regression loss taking ``(pred, target, weight,
            avg_factor)`` (e.g. ``dict(type='GDLoss', loss_type='kld')`` for rotated boxes,
            ``dict(type='GIoULoss')`` for boxes); its own ``loss_weight`` must be 1 (left out).
        loss_weight: weight of the term.

    Raises:
        ValueError: ``box_loss`` is not a loss config, or sets a ``loss_weight`` other than 1.
    """

    def __init__(self, box_loss: dict, loss_weight: float = 1.0) -> None:
        super().__init__()
        if not isinstance(box_loss, dict) or 'type' not in box_loss:
            raise ValueError(f"BoxDistillationLoss: box_loss must be a loss config with a 'type', "
                             f"e.g. dict(type='GDLoss', loss_type='kld'); got {box_loss!r}")
        inner_weight = box_loss.get('loss_weight', 1.0)
        if inner_weight != 1.0:
            raise ValueError(f'BoxDistillationLoss: box_loss.loss_weight={inner_weight} would be '
                             'ignored; set the weight of the term with '
                             f'BoxDistillationLoss(loss_weight={inner_weight}) instead')
        self.box_loss = MODELS.build(dict(box_loss, loss_weight=1.0))
        self.loss_weight = loss_weight

    def forward(self, pred: Tensor, target: Tensor, weight: Optional[Tensor] = None,
                avg_factor: Optional[float] = None) -> Tensor:
        """pred / target: (M, K) student / teacher boxes; weight (M,)."""
        if pred.numel() == 0:
            return empty_loss(pred, 'mean')
        return self.loss_weight * self.box_loss(pred, target.detach(), weight=weight,
                                                avg_factor=avg_factor)
