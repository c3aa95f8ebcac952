"""Split names and the deterministic ratio split."""
from __future__ import annotations

import re
from typing import Dict, List, Optional, Sequence

import numpy as np

from .records import ImageRecord

__all__ = ['SPLITS', 'canonical_split', 'check_ratios', 'assign_splits']

#: Output split names, in order.
SPLITS = ('train', 'val', 'test')

_ALIASES: Dict[str, str] = {'train': 'train', 'training': 'train', 'val': 'val',
                            'valid': 'val', 'validation': 'val', 'test': 'test',
                            'testing': 'test'}


def canonical_split(name: str) -> Optional[str]:
    """``'train'``, ``'val'`` or ``'test'`` for a source split name (``valid`` -> ``val``,
    ``train2017`` -> ``train``; case-insensitive); ``None`` if it is none of them."""
    return _ALIASES.get(re.sub(r'[_-]?\d+$', '', name.lower()))


def check_ratios(ratios: Sequence[float]) -> List[float]:
    """Validate ``--split-ratio``: 2 (train val) or 3 (train val test) non-negative numbers
    summing to 1, train > 0. Raises ``ValueError`` naming the fix."""
    ratios = [float(r) for r in ratios]
    if len(ratios) not in (2, 3):
        raise ValueError(f'--split-ratio takes 2 or 3 numbers (train val [test]), got '
                         f'{len(ratios)}')
    if any(not np.isfinite(r) or r < 0 for r in ratios) or ratios[0] <= 0:
        raise ValueError(f'--split-ratio values must be >= 0 with train > 0, got {ratios}')
    if abs(sum(ratios) - 1.0) > 1e-6:
        raise ValueError(f'--split-ratio values must sum to 1, got {ratios} '
                         f'(sum {sum(ratios):g})')
    return ratios


def assign_splits(images: List[ImageRecord], ratios: Sequence[float], seed: int) -> None:
    """Set ``split`` of every image from ``ratios`` (see :func:`check_ratios`), in place.

    Deterministic: the images are ordered by (source split folder, path), shuffled with
    ``numpy.random.default_rng(seed)``, and cut into ``round(r * n)`` images per split (the
    last split takes the rest), so every image lands in exactly one split.
    """
    ratios = check_ratios(ratios)
    order = sorted(range(len(images)), key=lambda i: (images[i].origin, str(images[i].path)))
    perm = np.random.default_rng(seed).permutation(len(order))
    shuffled = [order[i] for i in perm]
    n = len(shuffled)
    start = 0
    for k, (name, ratio) in enumerate(zip(SPLITS, ratios)):
        stop = n if k == len(ratios) - 1 else min(n, start + round(ratio * n))
        for i in shuffled[start:stop]:
            images[i].split = name
        start = stop
