"""Per-prior training targets that the distillation terms read, split per FPN level."""
from dataclasses import dataclass
from typing import List, Sequence

import torch
from mmdet.models.task_modules.assigners import AssignResult
from mmdet.models.utils import images_to_levels
from torch import Tensor


@dataclass
class ImageTargets:
    """Targets of one image over all its priors (outside priors: background, weight 0)."""
    labels: Tensor          # (P,) long, background = num_classes
    label_weights: Tensor   # (P,) float, 0 for ignored and outside priors
    gt_inds: Tensor         # (P,) long, 1-based assigned GT, 0 background, -1 ignored
    vlr_weights: Tensor     # (P,) float, VLR weight (IoU with the VLR's GT), 0 outside the VLR

    @classmethod
    def from_assign_result(cls, assign_result: AssignResult, inside_flags: Tensor,
                           num_classes: int) -> 'ImageTargets':
        """Unmap an assignment over the inside priors to all priors.

        Matches the targets of mmdet's anchor heads with a ``PseudoSampler``: positives
        take the GT label, negatives (gt_inds == 0) the background with weight 1.
        """
        num_priors = inside_flags.numel()
        device = inside_flags.device
        gt_inds = torch.zeros(num_priors, dtype=torch.long, device=device)
        gt_inds[inside_flags] = assign_result.gt_inds
        labels = torch.full((num_priors, ), num_classes, dtype=torch.long, device=device)
        pos = gt_inds > 0
        inside_labels = assign_result.labels
        full_labels = torch.full_like(gt_inds, -1)
        full_labels[inside_flags] = inside_labels
        labels[pos] = full_labels[pos]
        label_weights = torch.zeros(num_priors, device=device)
        label_weights[inside_flags & (gt_inds >= 0)] = 1.0
        vlr_weights = torch.zeros(num_priors, device=device)
        inside_vlr = assign_result.get_extra_property('vlr_weights')
        if inside_vlr is not None:
            vlr_weights[inside_flags] = inside_vlr.to(vlr_weights.dtype)
        return cls(labels, label_weights, gt_inds, vlr_weights)

    @classmethod
    def from_point_targets(cls, labels: Tensor, bbox_targets: Tensor, gt_distances: Tensor,
                           gt_labels: Tensor, num_classes: int) -> 'ImageTargets':
        """Targets of a point head (FCOS, rotated FCOS), which assigns without an assigner.

        Args:
            labels: (P,) the head's labels (background = num_classes).
            bbox_targets: (P, 4) its (l, t, r, b) targets in pixels (the GT of each positive).
            gt_distances: (P, G, 4) the (l, t, r, b) distances from every point to every GT,
                computed as the head does (in the GT's own frame for rotated GTs).
            gt_labels: (G,) the image's GT labels.

        A positive's GT index is the GT whose distances and label it regresses; the VLR is LD's
        FCOS region: points inside a GT box (all four distances > 0) that are not positive,
        weight 1 (no priors, no DIoU).
        """
        num_points, device = labels.numel(), labels.device
        pos = (labels >= 0) & (labels < num_classes)
        gt_inds = torch.zeros(num_points, dtype=torch.long, device=device)
        if pos.any():
            same_box = torch.isclose(gt_distances[pos], bbox_targets[pos][:, None].to(
                gt_distances), rtol=1e-5, atol=1e-2).all(-1)
            match = same_box & (labels[pos][:, None] == gt_labels[None])
            if not match.any(dim=1).all():
                raise RuntimeError('a positive point regresses no GT box of its label')
            gt_inds[pos] = match.int().argmax(dim=1) + 1
        if gt_distances.numel():
            vlr_weights = ((gt_distances > 0).all(-1).any(-1) & ~pos).float()
        else:
            vlr_weights = torch.zeros(num_points, device=device)
        return cls(labels.clone(), torch.ones(num_points, device=device), gt_inds, vlr_weights)


def point_box_distances(points: Tensor, gt_bboxes: Tensor) -> Tensor:
    """(P, G, 4) distances (x - x1, y - y1, x2 - x, y2 - y) from points (P, 2+) to boxes."""
    xy = points[:, None, :2]
    gts = gt_bboxes[None].to(points)
    return torch.cat([xy - gts[..., :2], gts[..., 2:4] - xy], dim=-1)


@dataclass
class DistillTargets:
    """Targets of a batch split per FPN level: each list holds one (N, P_l) tensor per level."""
    labels: List[Tensor]
    label_weights: List[Tensor]
    gt_inds: List[Tensor]
    vlr_weights: List[Tensor]

    @classmethod
    def from_images(cls, images: Sequence[ImageTargets],
                    num_level_priors: List[int]) -> 'DistillTargets':
        def split(field: str) -> List[Tensor]:
            return images_to_levels([getattr(t, field) for t in images], num_level_priors)

        return cls(split('labels'), split('label_weights'), split('gt_inds'),
                   split('vlr_weights'))

    @property
    def num_levels(self) -> int:
        return len(self.labels)


def flatten_level(pred: Tensor, channels_per_prior: int) -> Tensor:
    """(N, A*K, H, W) -> (N, H*W*A, K), the prior order of mmdet's prior generators."""
    n = pred.shape[0]
    return pred.permute(0, 2, 3, 1).reshape(n, -1, channels_per_prior)
