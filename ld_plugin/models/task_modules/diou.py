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
from typing import Optional, Tuple

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
              eps: float = 1e-6,
              iou: Optional[Tensor] = None,
              is_aligned: bool = False) -> Tensor:
    """Pairwise DIoU between ``bboxes1`` (n, 4) and ``bboxes2`` (m, 4), or with
    ``is_aligned`` the DIoU of each pair ``(bboxes1[i], bboxes2[i])`` (n = m).

    Boxes are in ``(x1, y1, x2, y2)`` format. Denominators are clamped to
    ``eps`` as in mmdet's ``bbox_overlaps``. Computed one coordinate at a
    time on (n, m) tensors (no (n, m, 2) temporaries): the assigners call it
    on every prior x GT pair.

    Args:
        bboxes1 (Tensor): Shape (n, 4), e.g. the priors.
        bboxes2 (Tensor): Shape (m, 4), e.g. the GT boxes.
        mode (str): ``'diou'`` (IoU - rho^2/c^2) or ``'official'``
            (overlap / area(bboxes1) - rho^2/c^2). Defaults to ``'diou'``.
        eps (float): Lower bound of the denominators. Defaults to 1e-6.
        iou (Tensor, optional): (n, m) IoU of the two sets, already computed
            (e.g. by the assigner), or (n,) with ``is_aligned``; reused in
            ``'diou'`` mode.
        is_aligned (bool): DIoU of the n aligned pairs. Defaults to False.

    Returns:
        Tensor: Shape (n, m), or (n,) with ``is_aligned``, dtype and device of
        ``bboxes1``; values lie in (-1, 1] for ``'diou'``.
    """
    check_diou_mode(mode)
    bboxes2 = bboxes2.to(bboxes1)
    if is_aligned:
        if bboxes1.shape != bboxes2.shape:
            raise ValueError(f'is_aligned needs boxes of the same shape, got '
                             f'{tuple(bboxes1.shape)} and {tuple(bboxes2.shape)}')
        x1a, y1a, x2a, y2a = bboxes1[:, :4].unbind(1)  # (n,)
        x1b, y1b, x2b, y2b = bboxes2[:, :4].unbind(1)
    else:
        x1a, y1a, x2a, y2a = (bboxes1[:, i, None] for i in range(4))  # (n, 1)
        x1b, y1b, x2b, y2b = (bboxes2[None, :, i] for i in range(4))  # (1, m)

    if mode == 'diou' and iou is not None:
        ratio = iou.to(bboxes1)
    else:
        overlap = ((torch.min(x2a, x2b) - torch.max(x1a, x1b)).clamp_(min=0) *
                   (torch.min(y2a, y2b) - torch.max(y1a, y1b)).clamp_(min=0))  # (n, m)
        area1 = (x2a - x1a) * (y2a - y1a)
        if mode == 'diou':
            denom = area1 + (x2b - x1b) * (y2b - y1b) - overlap
        else:  # 'official': IoF w.r.t. bboxes1 (the official code's quirk)
            denom = area1.expand_as(overlap)
        ratio = overlap / denom.clamp(min=eps)

    # rho^2: squared distance of the centres; c^2: squared enclosing diagonal
    rho2 = (((x1a + x2a) - (x1b + x2b)) / 2).pow_(2) + (((y1a + y2a) - (y1b + y2b)) / 2).pow_(2)
    c2 = ((torch.max(x2a, x2b) - torch.min(x1a, x1b)).clamp_(min=0).pow_(2) +
          (torch.max(y2a, y2b) - torch.min(y1a, y1b)).clamp_(min=0).pow_(2)).clamp_(min=eps)
    return ratio - rho2 / c2
