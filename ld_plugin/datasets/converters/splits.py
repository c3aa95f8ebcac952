"""Split names, the deterministic ratio split, and the choice of the output splits."""
from __future__ import annotations

import re
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from .records import ConversionError, Dataset, ImageRecord, Problems

__all__ = ['SPLITS', 'canonical_split', 'check_ratios', 'assign_splits', 'choose_splits']

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
    last split with a ratio > 0 takes the rest), so every image lands in exactly one split.
    """
    ratios = check_ratios(ratios)
    order = sorted(range(len(images)), key=lambda i: (images[i].origin, str(images[i].path)))
    perm = np.random.default_rng(seed).permutation(len(order))
    shuffled = [order[i] for i in perm]
    n = len(shuffled)
    last = max(k for k, ratio in enumerate(ratios) if ratio > 0)
    start = 0
    for k, (name, ratio) in enumerate(zip(SPLITS, ratios)):
        stop = n if k == last else min(n, start + round(ratio * n))
        for i in shuffled[start:stop]:
            images[i].split = name
        start = stop


def _check_requested(images: List[ImageRecord], ratios: Sequence[float]) -> None:
    """A split asked for with a ratio > 0 that got no image is an error naming the fix."""
    n = len(images)
    got = {record.split for record in images}
    empty = [(name, ratio) for name, ratio in zip(SPLITS, ratios) if ratio > 0 and name not in got]
    if not empty:
        return
    shown = ' '.join(f'{r:g}' for r in ratios)
    which = ', '.join(f'{name} ({ratio:g} x {n} rounds to 0)' for name, ratio in empty)
    requested = sum(r > 0 for r in ratios)
    fix = (f'give every requested split a ratio of at least {1 / n:.2g} (1 image of {n}), or '
           'ask for fewer splits (e.g. --split-ratio 0.8 0.2)' if n >= requested else
           f'{n} image(s) cannot fill {requested} splits: ask for fewer splits')
    raise ConversionError(f'--split-ratio {shown} leaves a requested split empty with {n} images:'
                          f' {which}; {fix}')


def choose_splits(dataset: Dataset, ratios: Optional[Sequence[float]], seed: int,
                  problems: Problems, pool_hint: Optional[str] = None) -> Tuple[int, int]:
    """Apply ``--split-ratio`` (every requested split must get an image), or keep the input's
    splits: images listed in none (VOC images in no ImageSets file) are left out, counted as
    ``'unlisted'`` and warned about. A pool without ``--split-ratio`` is an error (with
    ``pool_hint`` when ``--src`` looks like one split folder of a dataset).

    Returns:
        ``(images, boxes)`` left out.
    """
    if ratios is not None:
        assign_splits(dataset.images, ratios, seed)
        _check_requested(dataset.images, ratios)
        return 0, 0
    if all(record.split is None for record in dataset.images):
        raise ConversionError('the input has no train/val/test split folders or lists; pass '
                              '--split-ratio, e.g. --split-ratio 0.8 0.2'
                              + (f'; or: {pool_hint}' if pool_hint else ''))
    left = [r for r in dataset.images if r.split is None]
    for record in left:
        problems.repair('unlisted', record.path.name)
    dataset.images = [r for r in dataset.images if r.split is not None]
    boxes = sum(len(r.objects) for r in left)
    if left:
        problems.warn(f'{len(left)} images ({boxes} boxes) are in no split list and were LEFT '
                      'OUT; pass --split-ratio (e.g. 0.8 0.2) to split every image, or list '
                      'them in ImageSets/Main')
    return len(left), boxes
