"""What the analysis plots show, as tensors: score-gap maps and the edge distributions of a box.

* BCKD (Yang et al., ICLR 2023) fig. 3: per FPN level, Σ_c |σ(z_t) - σ(z_s)| at each location.
* LD (Zheng et al., CVPR 2022) fig. 1: the four edge distributions softmax(logits) of the prior
  that localises a box, teacher beside student (bin i = i strides from the prior centre).
"""
from typing import List, Sequence, Tuple

import torch
from torch import Tensor

from ld_plugin.models.distill.targets import flatten_level


def score_gap_maps(student_cls: Sequence[Tensor], teacher_cls: Sequence[Tensor],
                   num_base_priors: int = 1) -> List[Tensor]:
    """(H_l, W_l) maps of Σ_c |σ(teacher) - σ(student)| of image 0, averaged over the A priors
    of a location.

    Args:
        student_cls / teacher_cls: class logits per level, (N, A*C, H, W).
        num_base_priors: priors per location A.
    """
    maps = []
    for level, (s, t) in enumerate(zip(student_cls, teacher_cls)):
        if s.shape != t.shape:
            raise ValueError(f'level {level}: student logits {tuple(s.shape)} and teacher logits '
                             f'{tuple(t.shape)} differ; compare models with the same head layout')
        _, channels, height, width = s.shape
        gap = (t[0].sigmoid() - s[0].sigmoid()).abs()  # (A*C, H, W)
        maps.append(gap.reshape(num_base_priors, channels // num_base_priors, height, width)
                    .sum(1).mean(0))
    return maps


def level_distributions(bbox_pred: Tensor, num_base_priors: int, num_edges: int = 4) -> Tensor:
    """(P, num_edges, reg_max + 1) softmax edge distributions of image 0 at one level.

    Args:
        bbox_pred: the level's box-distribution logits, (N, A*E*(reg_max+1), H, W).
    """
    flat = flatten_level(bbox_pred, bbox_pred.shape[1] // num_base_priors)[0]
    return flat.reshape(flat.shape[0], num_edges, -1).softmax(-1)


def edge_distances(priors: Tensor, box: Tensor, stride: int) -> Tensor:
    """(P, 4) distances (left, top, right, bottom) from each prior centre to ``box``, in
    strides (negative when the centre is outside the box)."""
    centres = (priors[:, :2] + priors[:, 2:4]) / 2
    return torch.cat([centres - box[:2], box[2:] - centres], dim=1) / stride


def best_prior_for_box(priors: Sequence[Tensor], strides: Sequence[int],
                       distributions: Sequence[Tensor], box: Tensor) -> Tuple[int, int, float]:
    """(level, prior index, error) of the prior whose expected edge distances Σ_i i·p_i
    (bin i = i strides) are nearest the box's, error = Σ_edges |E[d] - d_GT| in strides, among
    priors whose centre lies inside ``box``.

    Args:
        priors: (P_l, 4) prior boxes per level.
        strides: stride per level.
        distributions: (P_l, 4, n + 1) edge distributions per level.
        box: (4,) the box, x1 y1 x2 y2.
    """
    best = (-1, -1, float('inf'))
    for level, (prior, stride, dist) in enumerate(zip(priors, strides, distributions)):
        target = edge_distances(prior, box, stride)
        bins = torch.arange(dist.shape[-1], dtype=dist.dtype, device=dist.device)
        error = ((dist * bins).sum(-1) - target).abs().sum(1)
        error = error.masked_fill((target <= 0).any(1), float('inf'))  # centre outside the box
        if error.numel() and float(error.min()) < best[2]:
            best = (level, int(error.argmin()), float(error.min()))
    if best[0] < 0:
        raise ValueError(f'no prior has its centre inside the box {box.tolist()}')
    return best
