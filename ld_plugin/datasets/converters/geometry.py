"""Geometry of boxes and quadrilaterals: resizing, clipping, validity.

Coordinates are pixels with the origin at the image's top-left corner (x right, y down); an
image of width ``W`` spans ``0 <= x <= W``. A box is ``(4,)`` ``x1 y1 x2 y2``; a polygon is
``(8,)`` ``x1 y1 ... x4 y4`` (a DOTA quadrilateral, any vertex order).

:func:`fit_object` is the one place that decides what happens to an object in an image:

* box: zero/negative width or height -> dropped (``'empty_box'``); no overlap with the image ->
  dropped (``'outside'``); partly outside -> clipped to the image (``'clipped'``);
* polygon: zero convex-hull area -> dropped (``'degenerate'``); no overlap with the image ->
  dropped (``'outside'``); partly outside -> kept as it is (``'poly_outside'``): clipping the
  vertices would distort the oriented box, and mmrotate's own DOTA split tool also keeps
  truncated polygons unclipped;
* both: after scaling to the written image, a box whose width or height is under ``min_size``
  px (for a polygon: the short side of its minimum-area rectangle) is dropped (``'tiny'``); mmdet's
  ``CocoDataset`` silently ignores boxes under 1 px, so they are dropped and counted here.

Excursions of at most ``TOLERANCE`` px (float round-off in normalised labels) are clamped
without being counted.
"""
from __future__ import annotations

from typing import NamedTuple, Optional, Tuple

import numpy as np

__all__ = ['TOLERANCE', 'target_size', 'scale_coords', 'convex_hull', 'polygon_area',
           'clip_polygon', 'min_rect_sides', 'FitResult', 'fit_object']

#: Pixels a coordinate may lie outside the image without being reported.
TOLERANCE = 0.01


def target_size(width: int, height: int, max_size: Optional[int]) -> Tuple[int, int]:
    """``(width, height)`` of the written image: scaled (keeping the aspect ratio) so that the
    longest side is ``max_size`` when it is longer, else unchanged. Sides are >= 1."""
    if not max_size or max(width, height) <= max_size:
        return width, height
    scale = max_size / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def scale_coords(coords: np.ndarray, sx: float, sy: float) -> np.ndarray:
    """Scale a box ``(4,)`` or polygon ``(8,)``: x (even indices) by ``sx``, y by ``sy``."""
    out = np.array(coords, dtype=np.float64)
    out[0::2] *= sx
    out[1::2] *= sy
    return out


def convex_hull(points: np.ndarray) -> np.ndarray:
    """Convex hull ``(M, 2)`` (counter-clockwise, M <= N) of ``(N, 2)`` points (monotone
    chain); collinear and repeated points are left out, so a degenerate input gives M < 3."""
    pts = sorted(set(map(tuple, np.asarray(points, dtype=np.float64).tolist())))
    if len(pts) < 3:
        return np.asarray(pts, dtype=np.float64).reshape(-1, 2)

    def half(seq):
        chain = []
        for p in seq:
            while len(chain) >= 2 and _cross(chain[-2], chain[-1], p) <= 0:
                chain.pop()
            chain.append(p)
        return chain[:-1]

    return np.asarray(half(pts) + half(pts[::-1]), dtype=np.float64).reshape(-1, 2)


def _cross(o, a, b) -> float:
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])


def polygon_area(points: np.ndarray) -> float:
    """Absolute shoelace area of a simple polygon ``(N, 2)``; 0 for N < 3."""
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    if len(pts) < 3:
        return 0.0
    x, y = pts[:, 0], pts[:, 1]
    return float(abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))) / 2.0)


def clip_polygon(points: np.ndarray, width: float, height: float) -> np.ndarray:
    """Part ``(M, 2)`` of a convex polygon ``(N, 2)`` inside ``[0, width] x [0, height]``
    (Sutherland-Hodgman); empty ``(0, 2)`` when they do not overlap."""
    poly = [tuple(p) for p in np.asarray(points, dtype=np.float64).reshape(-1, 2)]
    # each edge: (axis, bound, keep_if_greater)
    for axis, bound, keep_greater in ((0, 0.0, True), (0, width, False),
                                      (1, 0.0, True), (1, height, False)):
        inside = (lambda p: p[axis] >= bound) if keep_greater else (lambda p: p[axis] <= bound)
        out = []
        for i, cur in enumerate(poly):
            prev = poly[i - 1]
            if inside(cur) != inside(prev):
                t = (bound - prev[axis]) / (cur[axis] - prev[axis])
                out.append(tuple(prev[k] + t * (cur[k] - prev[k]) for k in range(2)))
            if inside(cur):
                out.append(cur)
        poly = out
        if not poly:
            break
    return np.asarray(poly, dtype=np.float64).reshape(-1, 2)


def min_rect_sides(points: np.ndarray) -> Tuple[float, float]:
    """``(short, long)`` sides of the minimum-area rectangle around ``(N, 2)`` points (one of
    its sides lies on a convex-hull edge); ``(0, extent)`` for collinear points."""
    hull = convex_hull(points)
    if len(hull) < 3:
        span = float(np.ptp(hull, axis=0).max()) if len(hull) else 0.0
        return 0.0, span
    best = None
    for i in range(len(hull)):
        edge = hull[(i + 1) % len(hull)] - hull[i]
        u = edge / np.hypot(*edge)
        v = np.array([-u[1], u[0]])
        a, b = np.ptp(hull @ u), np.ptp(hull @ v)
        if best is None or a * b < best[0] * best[1]:
            best = (a, b)
    return float(min(best)), float(max(best))


class FitResult(NamedTuple):
    """Outcome of :func:`fit_object`: the object in written-image pixels (``None`` when
    dropped) and what happened (a ``DROP_REASONS`` / ``REPAIRS`` key, or ``None``)."""
    coords: Optional[np.ndarray]
    event: Optional[str]


def fit_object(coords: np.ndarray, width: int, height: int, sx: float = 1.0, sy: float = 1.0,
               min_size: float = 1.0) -> FitResult:
    """Validate a box ``(4,)`` or polygon ``(8,)`` in a ``width x height`` source image and map
    it to the written image (scale ``sx``, ``sy``); see the module docstring for the rules."""
    c = np.asarray(coords, dtype=np.float64)
    if c.shape == (4, ):
        return _fit_box(c, width, height, sx, sy, min_size)
    if c.shape == (8, ):
        return _fit_polygon(c, width, height, sx, sy, min_size)
    raise ValueError(f'expected a (4,) box or an (8,) polygon, got shape {c.shape}')


def _fit_box(c: np.ndarray, width: int, height: int, sx: float, sy: float,
             min_size: float) -> FitResult:
    x1, y1, x2, y2 = c
    if x2 <= x1 or y2 <= y1:
        return FitResult(None, 'empty_box')
    if x2 <= 0 or y2 <= 0 or x1 >= width or y1 >= height:
        return FitResult(None, 'outside')
    lo = np.zeros(4)
    hi = np.array([width, height, width, height], dtype=np.float64)
    clipped = np.clip(c, lo, hi)
    event = 'clipped' if np.abs(clipped - c).max() > TOLERANCE else None
    out = scale_coords(clipped, sx, sy)
    if min(out[2] - out[0], out[3] - out[1]) < min_size:
        return FitResult(None, 'tiny')
    return FitResult(out, event)


def _fit_polygon(c: np.ndarray, width: int, height: int, sx: float, sy: float,
                 min_size: float) -> FitResult:
    hull = convex_hull(c.reshape(4, 2))
    if polygon_area(hull) <= 1e-9:
        return FitResult(None, 'degenerate')
    if polygon_area(clip_polygon(hull, width, height)) <= 1e-9:
        return FitResult(None, 'outside')
    excess = max(-c[0::2].min(), -c[1::2].min(), c[0::2].max() - width,
                 c[1::2].max() - height)
    event = 'poly_outside' if excess > TOLERANCE else None
    if event is None:  # round-off only: clamp onto the border
        c = np.clip(c, 0, np.tile([width, height], 4).astype(np.float64))
    out = scale_coords(c, sx, sy)
    if min_rect_sides(out.reshape(4, 2))[0] < min_size:
        return FitResult(None, 'tiny')
    return FitResult(out, event)
