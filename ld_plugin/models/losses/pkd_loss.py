"""PKD: feature distillation with the Pearson correlation coefficient (Cao et al., NeurIPS 2022)."""
from typing import Optional, Tuple

import torch
import torch.distributed as dist
import torch.distributed.nn.functional as dist_nn
import torch.nn as nn
import torch.nn.functional as F
from mmdet.registry import MODELS
from torch import Tensor


def channel_moments(feat: Tensor) -> Tuple[Tensor, Tensor]:
    """Mean and unbiased std of each channel of ``feat`` (N, C, H, W) over N, H and W, as
    (1, C, 1, 1) tensors. Under DDP they are taken over the whole batch of all processes
    (differentiable all-reduce of the sums), so that a batch split over several GPUs aligns
    as one process would."""
    dims = (0, 2, 3)
    if not (dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1):
        return feat.mean(dims, keepdim=True), feat.std(dims, keepdim=True)
    count = feat.new_tensor([feat.numel() / feat.shape[1]])
    sums = torch.cat([feat.sum(dims), feat.pow(2).sum(dims), count])
    sums = dist_nn.all_reduce(sums) if sums.requires_grad else _all_reduce(sums)
    channels = feat.shape[1]
    total, squares, n = sums[:channels], sums[channels:2 * channels], sums[-1]
    mean = total / n
    var = (squares - n * mean.pow(2)).clamp(min=0) / (n - 1).clamp(min=1)
    return mean.view(1, -1, 1, 1), var.sqrt().view(1, -1, 1, 1)


def _all_reduce(tensor: Tensor) -> Tensor:
    tensor = tensor.clone()
    dist.all_reduce(tensor)
    return tensor


def channel_standardise(feat: Tensor, eps: float = 1e-6) -> Tensor:
    """(F − mean) / (std + eps) per channel, mean and unbiased std over N, H and W (all
    processes under DDP, see :func:`channel_moments`)."""
    mean, std = channel_moments(feat)
    return (feat - mean) / (std + eps)


@MODELS.register_module()
class PKDLoss(nn.Module):
    """PKD on ONE FPN level: ``λ · mean_{n,c,h,w} (norm(S) − norm(T))² / 2``.

    ``norm`` standardises each channel over the batch (N, H, W; unbiased std, + 1e-6; the
    whole batch of all processes under DDP, where the official code uses each GPU's), so the
    loss is about ``λ · mean_c (1 − r_c)`` with r_c the Pearson correlation of channel c between
    student and teacher (PKD paper Sec. 3; mmrazor's and CrossKD's ``PKDLoss``): free of the
    feature magnitudes, hence of teachers whose FPN levels differ in scale. The teacher is
    detached; computed in float32. The distillation term sums the levels. Published weights:
    6 (GFL), 2 (RetinaNet, FCOS), 1 (ATSS) with CrossKD; 6 / 10 in mmrazor's configs.

    Args:
        loss_weight: λ.
        eps: added to each channel's std.
        student_channels / teacher_channels: FPN widths when they differ: a bias-free 1×1
            adapter C_s → C_t (trained with the student, unused at inference) is applied to
            the student feature first. ``None`` (default, the published setting): the widths
            must match.

    Raises:
        ValueError: features of other shapes than (N, C, H, W), equal after the adapter.
    """

    #: read by the distillation-term mechanism: whole FPN features, summed over levels
    distill_kind = 'feature'

    def __init__(self, loss_weight: float = 1.0, eps: float = 1e-6,
                 student_channels: Optional[int] = None,
                 teacher_channels: Optional[int] = None) -> None:
        super().__init__()
        if eps <= 0:
            raise ValueError(f'{type(self).__name__}: eps={eps} must be > 0')
        if (student_channels is None) != (teacher_channels is None):
            raise ValueError(f'{type(self).__name__}: give both student_channels and '
                             'teacher_channels (an adapter between them), or neither')
        self.loss_weight = loss_weight
        self.eps = eps
        self.student_channels = student_channels
        self.teacher_channels = teacher_channels
        self.adapt = nn.Identity() if student_channels == teacher_channels else \
            nn.Conv2d(student_channels, teacher_channels, kernel_size=1, bias=False)

    def forward(self, student_feat: Tensor, teacher_feat: Tensor) -> Tensor:
        """Args: student / teacher features (N, C, H, W) of one level; returns a scalar."""
        student_feat = self.adapt(student_feat)
        if student_feat.shape != teacher_feat.shape or student_feat.dim() != 4:
            raise ValueError(f'{type(self).__name__}: student feature '
                             f'{tuple(student_feat.shape)} and teacher feature '
                             f'{tuple(teacher_feat.shape)} must have the same (N, C, H, W) '
                             'shape; for FPNs of other widths set student_channels and '
                             'teacher_channels (a 1x1 adapter)')
        s = channel_standardise(student_feat.float(), self.eps)
        t = channel_standardise(teacher_feat.detach().float(), self.eps)
        return self.loss_weight * F.mse_loss(s, t) / 2
