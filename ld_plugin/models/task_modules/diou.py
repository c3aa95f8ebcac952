"""Pairwise Distance-IoU (DIoU) between two sets of axis-aligned boxes.

mmdet 3.x's ``bbox_overlaps`` has no DIoU mode, and the VLR of LD needs one.
Two variants are provided (see the LD dossier, section 2.2):

* ``'diou'``: the true DIoU of Zheng et al. (AAAI 2020),
  ``IoU(b1, b2) - rho^2 / c^2``;
* ``'official'``: what the official LD code (mmdet 2.10 ``bbox_overlaps`` with
  ``mode='diou'``) actually computes. Its first term divides the overlap by the
  area of ``bboxes1`` (the prior) instead of the union, i.e. it is the IoF
  w.r.t. the prior: ``overlap / area(b1) - rho^2 / c^2``.

``rho`` is the distance between the two box centres and ``c`` the diagonal of
the smallest box enclosing both.
"""
from typing import Tuple

import torch
from torch import Tensor

DIOU_MODES: Tuple[str, ...] = ('diou', 'official')


def check_diou_mode(mode: str) -> str:
    """Return ``mode`` if it is a supported DIoU variant, else raise."""
    if mode not in DIOU_MODES:
        raise ValueError(f'diou_mode must be one of {DIOU_MODES}, '
                         f'got {mode!r}')
    return mode


def bbox_diou(bboxes1: Tensor,
              bboxes2: Tensor,
              mode: str = 'diou',
              eps: float = 1e-6) -> Tensor:
    """Pairwise DIoU between ``bboxes1`` (n, 4) and ``bboxes2`` (m, 4).

    Boxes are in ``(x1, y1, x2, y2)`` format. Denominators are clamped to
    ``eps`` as in mmdet's ``bbox_overlaps``.

    Args:
        bboxes1 (Tensor): Shape (n, 4), e.g. the priors.
        bboxes2 (Tensor): Shape (m, 4), e.g. the GT boxes.
        mode (str): ``'diou'`` (IoU - rho^2/c^2) or ``'official'``
            (overlap / area(bboxes1) - rho^2/c^2). Defaults to ``'diou'``.
        eps (float): Lower bound of the denominators. Defaults to 1e-6.

    Returns:
        Tensor: Shape (n, m), dtype and device of ``bboxes1``; values lie in
        (-1, 1] for ``'diou'``.
    """
    check_diou_mode(mode)
    bboxes2 = bboxes2.to(bboxes1)
    b1 = bboxes1[:, None, :4]  # (n, 1, 4)
    b2 = bboxes2[None, :, :4]  # (1, m, 4)

    area1 = (b1[..., 2] - b1[..., 0]) * (b1[..., 3] - b1[..., 1])
    area2 = (b2[..., 2] - b2[..., 0]) * (b2[..., 3] - b2[..., 1])
    inter_wh = (torch.min(b1[..., 2:], b2[..., 2:]) -
                torch.max(b1[..., :2], b2[..., :2])).clamp(min=0)
    overlap = inter_wh[..., 0] * inter_wh[..., 1]  # (n, m)

    if mode == 'diou':
        denom = area1 + area2 - overlap
    else:  # 'official': IoF w.r.t. bboxes1 (the official code's quirk)
        denom = area1.expand_as(overlap)
    ratio = overlap / denom.clamp(min=eps)

    # rho^2: squared distance of the centres; c^2: squared enclosing diagonal
    centre_delta = (b1[..., :2] + b1[..., 2:] - b2[..., :2] - b2[..., 2:]) / 2
    rho2 = centre_delta.pow(2).sum(-1)
    enclose_wh = (torch.max(b1[..., 2:], b2[..., 2:]) -
                  torch.min(b1[..., :2], b2[..., :2])).clamp(min=0)
    c2 = enclose_wh.pow(2).sum(-1).clamp(min=eps)
    return ratio - rho2 / c2
