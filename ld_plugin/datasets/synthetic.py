"""Deterministic synthetic shape-detection datasets, COCO or DOTA format.

COCO (``fmt='coco'``): six shape classes (with look-alike pairs such as filled vs. outlined
circle) drawn in many sizes and colours on cluttered, noisy backgrounds::

    <out>/annotations/instances_train.json
    <out>/annotations/instances_val.json
    <out>/train/000000.png ...
    <out>/val/000000.png ...
    <out>/meta.json          # generation parameters; written last

DOTA (``fmt='dota'``): five elongated shape classes at any rotation (``ROTATED_CLASSES``), each
annotated by the corners of its tight oriented box in DOTA labelTxt format
(``x1 y1 ... x4 y4 class difficulty``)::

    <out>/train/images/000000.png   <out>/train/labelTxt/000000.txt ...
    <out>/val/images/...            <out>/val/labelTxt/...
    <out>/meta.json

Everything is a pure function of the parameters: each image uses its own
``numpy.random.default_rng([seed, split_id, index])``, so the validation split
does not depend on ``num_train``. This module deliberately imports only numpy,
Pillow and the standard library (no torch / mmdet), so it can be loaded by the
CLI ``tools/make_synthetic_dataset.py`` without the OpenMMLab stack.
"""
from __future__ import annotations

import json
import math
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
from PIL import Image, ImageDraw

__all__ = [
    'CLASSES', 'ROTATED_CLASSES', 'FORMATS', 'FORMAT_VERSION', 'SPLITS', 'render_image',
    'render_rotated_image', 'oriented_box', 'dota_label_lines', 'build_coco_dict',
    'generate_dataset', 'validate_params'
]

#: Class names, in category-id order (category id = index + 1).
CLASSES: Tuple[str, ...] = ('filled_circle', 'filled_square', 'filled_triangle',
                            'outlined_circle', 'outlined_square', 'cross')

#: Bumped whenever the rendering changes, so stale datasets are regenerated.
FORMAT_VERSION = 1

#: Split name -> split id used in the per-image seed.
SPLITS: Dict[str, int] = {'train': 0, 'val': 1}

#: Output formats: COCO json (axis-aligned shapes) or DOTA labelTxt (rotated shapes).
FORMATS = ('coco', 'dota')

MIN_IMG_SIZE = 32
MIN_OBJ_SIZE = 8  # smallest nominal shape extent, pixels
MAX_OBJECTS_LIMIT = 50
MIN_VISIBLE = 0.5  # every object keeps >= this fraction of its pixels visible
MIN_CONTRAST = 90.0  # min L1 RGB distance between an object and what it covers

BBox = Tuple[float, float, float, float]
Annotation = Tuple[BBox, int]
PathLike = Union[str, os.PathLike]


# --------------------------------------------------------------------------- #
# Rendering
# --------------------------------------------------------------------------- #
def _shape_mask(cls: int, u: np.ndarray, v: np.ndarray, size: float,
                thick: float, angle: float) -> np.ndarray:
    """Boolean mask of shape ``cls`` on centred pixel coordinates ``(u, v)``."""
    c, s = math.cos(angle), math.sin(angle)
    ru, rv = c * u + s * v, -s * u + c * v  # rotated coordinates
    h = size / 2.0
    name = CLASSES[cls]
    if name in ('filled_circle', 'outlined_circle'):
        d2 = u * u + v * v
        mask = d2 <= h * h
        if name == 'outlined_circle':
            mask &= d2 > (h - thick)**2
        return mask
    if name in ('filled_square', 'outlined_square'):
        m = np.maximum(np.abs(ru), np.abs(rv))
        mask = m <= h
        if name == 'outlined_square':
            mask &= m > h - thick
        return mask
    if name == 'filled_triangle':  # equilateral, circumradius h
        mask = np.ones(np.broadcast_shapes(u.shape, v.shape), dtype=bool)
        for k in range(3):  # inside all three edge half-planes
            a = angle + 2.0 * math.pi * k / 3.0
            mask &= (math.cos(a) * u + math.sin(a) * v) <= h / 2.0
        return mask
    # cross / plus sign with arms of half-width thick/2
    au, av, w = np.abs(ru), np.abs(rv), thick / 2.0
    return ((au <= h) & (av <= w)) | ((av <= h) & (au <= w))


def _background(rng: np.random.Generator, n: int, clutter: bool,
                elongated_blobs: bool = True) -> np.ndarray:
    """Float32 HxWx3 background: plain colour or gradient + blotches + clutter.

    ``elongated_blobs=False`` draws every distractor blob as an irregular polygon (the rotated
    dataset has elongated ellipses as a class)."""
    base = rng.uniform(0, 255, size=3)
    if not clutter:
        return np.broadcast_to(np.round(base), (n, n, 3)).astype(np.float32)
    other = rng.uniform(0, 255, size=3)
    theta = rng.uniform(0, 2 * math.pi)
    ramp = np.linspace(-0.5, 0.5, n, dtype=np.float32)
    t = (math.cos(theta) * ramp[None, :] + math.sin(theta) * ramp[:, None]) + 0.5
    img = base + t[..., None] * (other - base)
    # low-frequency colour blotches
    g = int(rng.integers(3, 8))
    coarse = rng.normal(0, 35, size=(g, g, 3)).clip(-127, 127) + 128
    blot = Image.fromarray(coarse.astype(np.uint8)).resize((n, n),
                                                            Image.BICUBIC)
    img = img + (np.asarray(blot, dtype=np.float32) - 128.0)
    pil = Image.fromarray(img.clip(0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(pil)

    def colour() -> Tuple[int, int, int]:
        return tuple(int(x) for x in rng.integers(0, 256, size=3))

    for _ in range(int(rng.integers(2, 8))):  # straight lines
        p = rng.uniform(-0.1 * n, 1.1 * n, size=4)
        draw.line([tuple(p[:2]), tuple(p[2:])], fill=colour(),
                  width=int(rng.integers(1, 4)))
    for _ in range(int(rng.integers(0, 3))):  # open arcs (ring look-alikes)
        r = rng.uniform(0.05, 0.3) * n
        cx, cy = rng.uniform(0, n, size=2)
        start = rng.uniform(0, 360)
        draw.arc([cx - r, cy - r, cx + r, cy + r], start,
                 start + rng.uniform(60, 200), fill=colour(),
                 width=int(rng.integers(1, 4)))
    for _ in range(int(rng.integers(1, 4))):  # distractor blobs (not objects)
        cx, cy = rng.uniform(0, n, size=2)
        r = rng.uniform(0.03, 0.15) * n
        if rng.random() < 0.5 and elongated_blobs:  # elongated ellipse
            rx, ry = (r, r / rng.uniform(2.0, 4.0))
            if rng.random() < 0.5:
                rx, ry = ry, rx
            draw.ellipse([cx - rx, cy - ry, cx + rx, cy + ry], fill=colour())
        else:  # irregular polygon
            k = int(rng.integers(5, 10))
            ang = np.sort(rng.uniform(0, 2 * math.pi, size=k))
            rad = r * rng.uniform(0.35, 1.0, size=k)
            pts = [(float(cx + a * math.cos(b)), float(cy + a * math.sin(b)))
                   for a, b in zip(rad, ang)]
            draw.polygon(pts, fill=colour())
    return np.asarray(pil, dtype=np.float32)


@dataclass(frozen=True)
class PlacedObject:
    """One drawn object: class index, tight axis-aligned box (x, y, w, h) of its visible
    pixels, its full (amodal) mask and its geometry (centre, rotation, nominal size, and the
    shape's own parameters)."""
    cls: int
    box: BBox
    mask: np.ndarray
    cx: float
    cy: float
    angle: float
    size: float
    params: Tuple[float, ...]


#: ``draw_params(rng, class_name, size) -> (params, angle)`` and
#: ``mask(cls, u, v, size, params, angle) -> bool mask`` of a family of shapes.
ShapeParams = Callable[[np.random.Generator, str, float], Tuple[Tuple[float, ...], float]]
ShapeMask = Callable[[int, np.ndarray, np.ndarray, float, Tuple[float, ...], float], np.ndarray]


def _shape_params(rng: np.random.Generator, name: str,
                  size: float) -> Tuple[Tuple[float, ...], float]:
    """Stroke thickness and rotation of the 2D shapes (the order of the draws is fixed)."""
    if name == 'cross':
        thick = max(2.0, size * rng.uniform(0.18, 0.34))
    else:
        thick = max(1.5, size * rng.uniform(0.1, 0.22))
    if name == 'filled_triangle':
        angle = rng.uniform(0, 2 * math.pi)
    else:
        angle = math.radians(rng.uniform(-25, 25))
    return (thick, ), angle


def _shape_mask_2d(cls: int, u: np.ndarray, v: np.ndarray, size: float,
                   params: Tuple[float, ...], angle: float) -> np.ndarray:
    return _shape_mask(cls, u, v, size, params[0], angle)


def place_objects(rng: np.random.Generator, img: np.ndarray, classes: Sequence[int],
                  class_names: Sequence[str], draw_params: ShapeParams,
                  mask_fn: ShapeMask) -> List[PlacedObject]:
    """Draw objects of ``classes`` into ``img`` (H x W x 3 float, in place).

    Sizes are log-uniform; an object is retried (smaller) up to 30 times when it would leave
    less than half of itself, or of an object below it, visible; each gets a colour that
    contrasts with what it covers. Returns the objects actually drawn.
    """
    n = img.shape[0]
    owner = np.full((n, n), -1, dtype=np.int32)  # topmost object per pixel
    full_area: List[int] = []
    placed: List[PlacedObject] = []
    log_lo, log_hi = math.log(MIN_OBJ_SIZE), math.log(n / 2.0)
    for cls in classes:
        for attempt in range(30):
            # log-uniform size; shrink after failed attempts in crowded images
            size = math.exp(rng.uniform(log_lo, log_hi)) * (0.93**attempt)
            size = max(size, float(MIN_OBJ_SIZE))
            params, angle = draw_params(rng, class_names[cls], size)
            margin = 0.35 * size  # up to ~15% of the extent may leave the image
            cx, cy = rng.uniform(margin, n - margin, size=2)
            r = int(math.ceil(0.75 * size)) + 2
            x0, y0 = int(math.floor(cx)) - r, int(math.floor(cy)) - r
            xs = np.arange(x0, x0 + 2 * r + 1, dtype=np.float32) + 0.5 - cx
            ys = np.arange(y0, y0 + 2 * r + 1, dtype=np.float32) + 0.5 - cy
            local = mask_fn(cls, xs[None, :], ys[:, None], size, params, angle)
            area = int(local.sum())
            if area == 0:
                continue
            # crop the local window to the image
            ix0, iy0 = max(x0, 0), max(y0, 0)
            ix1, iy1 = min(x0 + 2 * r + 1, n), min(y0 + 2 * r + 1, n)
            crop = local[iy0 - y0:iy1 - y0, ix0 - x0:ix1 - x0]
            if crop.sum() < MIN_VISIBLE * area:
                continue
            win = owner[iy0:iy1, ix0:ix1]
            covered = np.unique(win[crop & (win >= 0)])
            if any((owner == j).sum() - int((crop & (win == j)).sum()) <
                   MIN_VISIBLE * full_area[j] for j in covered):
                continue
            under = img[iy0:iy1, ix0:ix1][crop].mean(axis=0)
            col = rng.uniform(0, 255, size=3)
            for _ in range(8):  # ensure visible contrast
                if np.abs(col - under).sum() >= MIN_CONTRAST:
                    break
                col = rng.uniform(0, 255, size=3)
            else:
                col = np.where(under < 128, 255.0, 0.0)
            col = np.round(col)
            img[iy0:iy1, ix0:ix1][crop] = col
            win[crop] = len(full_area)
            full_area.append(area)
            rows, cols = np.nonzero(crop)
            bx, by = float(ix0 + cols.min()), float(iy0 + rows.min())
            bw = float(cols.max() - cols.min() + 1)
            bh = float(rows.max() - rows.min() + 1)
            full = np.zeros((n, n), dtype=bool)
            full[iy0:iy1, ix0:ix1] = crop
            placed.append(PlacedObject(int(cls), (bx, by, bw, bh), full, float(cx), float(cy),
                                       float(angle), float(size), tuple(params)))
            break
    return placed


def add_noise(rng: np.random.Generator, img: np.ndarray) -> None:
    """Per-pixel Gaussian noise of a random strength (in place)."""
    sigma = rng.uniform(3.0, 14.0)
    img += rng.normal(0.0, sigma, size=img.shape).astype(np.float32)


def _render(rng: np.random.Generator, img_size: int, min_objects: int, max_objects: int,
            clutter: bool, noise: bool, classes: Optional[Sequence[int]],
            class_names: Sequence[str], draw_params: ShapeParams, mask_fn: ShapeMask,
            elongated_blobs: bool) -> Tuple[np.ndarray, List[PlacedObject]]:
    """Background, objects of a shape family, noise -> (uint8 image, placed objects)."""
    n = int(img_size)
    img = _background(rng, n, clutter, elongated_blobs=elongated_blobs)
    if not img.flags.writeable:
        img = img.copy()
    if classes is None:
        count = int(rng.integers(min_objects, max_objects + 1))
        classes = [int(c) for c in rng.integers(0, len(class_names), size=count)]
    placed = place_objects(rng, img, classes, class_names, draw_params, mask_fn)
    if noise:
        add_noise(rng, img)
    return np.clip(np.rint(img), 0, 255).astype(np.uint8), placed


def render_image(
    rng: np.random.Generator,
    img_size: int,
    min_objects: int = 1,
    max_objects: int = 6,
    *,
    clutter: bool = True,
    noise: bool = True,
    classes: Optional[Sequence[int]] = None,
    return_masks: bool = False,
) -> Union[Tuple[np.ndarray, List[Annotation]], Tuple[np.ndarray,
                                                       List[Annotation],
                                                       List[np.ndarray]]]:
    """Render one image.

    Args:
        rng: Random generator; the output is a pure function of its state.
        img_size: Side length of the square image in pixels.
        min_objects, max_objects: Range of the (uniform) object count. Objects
            that cannot be placed without hiding another one by more than half
            are dropped, so crowded settings may yield fewer (always >= 1).
        clutter: Draw gradient, blotches, lines, arcs and distractor blobs
            (``False`` gives a uniform background colour; for tests).
        noise: Add per-pixel Gaussian noise (``False`` for tests).
        classes: Optional fixed class index per object (overrides the count).
        return_masks: Also return each object's full (amodal) boolean mask.

    Returns:
        ``(image, annotations)`` or ``(image, annotations, masks)`` where image
        is an ``HxWx3`` uint8 RGB array and each annotation is
        ``((x, y, w, h), class_index)``: the tight box, in pixels, of the whole
        drawn shape clipped to the image (pixel ``(x, y)`` is its top-left
        pixel; it covers ``w`` x ``h`` pixels).
    """
    out, placed = _render(rng, img_size, min_objects, max_objects, clutter, noise, classes,
                          CLASSES, _shape_params, _shape_mask_2d, elongated_blobs=True)
    anns = [(obj.box, obj.cls) for obj in placed]
    if return_masks:
        return out, anns, [obj.mask for obj in placed]
    return out, anns


# --------------------------------------------------------------------------- #
# Rotated shapes (DOTA format)
# --------------------------------------------------------------------------- #
#: Classes of the rotated variant: elongated shapes whose orientation is visible.
ROTATED_CLASSES: Tuple[str, ...] = ('filled_rectangle', 'outlined_rectangle', 'filled_ellipse',
                                    'outlined_ellipse', 'filled_triangle')

Polygon = Tuple[float, float, float, float, float, float, float, float]
RotatedAnnotation = Tuple[Polygon, int]


def _rotated_params(rng: np.random.Generator, name: str,
                    size: float) -> Tuple[Tuple[float, ...], float]:
    """(aspect ratio, stroke thickness) and a rotation in [0, π)."""
    aspect = rng.uniform(1.8, 3.5)
    thick = max(1.5, size / aspect * rng.uniform(0.2, 0.35))
    return (aspect, thick), rng.uniform(0, math.pi)


def _rotated_mask(cls: int, u: np.ndarray, v: np.ndarray, size: float,
                  params: Tuple[float, ...], angle: float) -> np.ndarray:
    """Shape of length ``size`` along the rotated u axis and width size/aspect."""
    aspect, thick = params
    c, s = math.cos(angle), math.sin(angle)
    ru, rv = c * u + s * v, -s * u + c * v
    hl, hw = size / 2.0, size / 2.0 / aspect
    name = ROTATED_CLASSES[cls]
    if name.endswith('rectangle'):
        mask = (np.abs(ru) <= hl) & (np.abs(rv) <= hw)
        if name.startswith('outlined'):
            mask &= (np.abs(ru) > hl - thick) | (np.abs(rv) > hw - thick)
        return mask
    if name.endswith('ellipse'):
        d = (ru / hl)**2 + (rv / hw)**2
        mask = d <= 1.0
        if name.startswith('outlined'):
            mask &= (ru / max(hl - thick, 1e-3))**2 + (rv / max(hw - thick, 1e-3))**2 > 1.0
        return mask
    # isosceles triangle: base of width 2·hw at ru = -hl, apex at ru = +hl
    return (ru >= -hl) & (np.abs(rv) <= hw * (hl - ru) / (2 * hl))


def oriented_box(obj: PlacedObject) -> Polygon:
    """The tight box of the object's pixels in its own rotated frame, as 4 corners
    (x1, y1, ..., x4, y4) in image coordinates (pixel (x, y) covers [x, x+1] x [y, y+1])."""
    rows, cols = np.nonzero(obj.mask)
    c, s = math.cos(obj.angle), math.sin(obj.angle)
    u, v = cols + 0.5 - obj.cx, rows + 0.5 - obj.cy
    ru, rv = c * u + s * v, -s * u + c * v
    # a pixel reaches ±0.5·(|c| + |s|) beyond its centre along each rotated axis
    pad = 0.5 * (abs(c) + abs(s))
    u0, u1 = ru.min() - pad, ru.max() + pad
    v0, v1 = rv.min() - pad, rv.max() + pad
    corners = []
    for a, b in ((u0, v0), (u1, v0), (u1, v1), (u0, v1)):
        corners += [obj.cx + a * c - b * s, obj.cy + a * s + b * c]
    return tuple(float(round(x, 2)) for x in corners)


def render_rotated_image(rng: np.random.Generator, img_size: int, min_objects: int = 1,
                         max_objects: int = 6, *, clutter: bool = True, noise: bool = True,
                         classes: Optional[Sequence[int]] = None
                         ) -> Tuple[np.ndarray, List[RotatedAnnotation]]:
    """Render one image of rotated elongated shapes (see :func:`render_image` for the
    arguments); annotations are ``(polygon, class_index)`` with the oriented box's corners."""
    out, placed = _render(rng, img_size, min_objects, max_objects, clutter, noise, classes,
                          ROTATED_CLASSES, _rotated_params, _rotated_mask, elongated_blobs=False)
    return out, [(oriented_box(obj), obj.cls) for obj in placed]


def dota_label_lines(anns: Sequence[RotatedAnnotation]) -> List[str]:
    """DOTA labelTxt lines: ``x1 y1 x2 y2 x3 y3 x4 y4 class difficulty``."""
    return [' '.join(f'{x:.2f}' for x in poly) + f' {ROTATED_CLASSES[cls]} 0'
            for poly, cls in anns]


# --------------------------------------------------------------------------- #
# COCO json
# --------------------------------------------------------------------------- #
def build_coco_dict(records: Sequence[Tuple[str, int, int, List[Annotation]]]
                    ) -> dict:
    """COCO dict from ``(file_name, width, height, annotations)`` records.

    Image ids and annotation ids start at 1; ``area`` is ``w * h`` of the box
    and ``segmentation`` is ``[]`` (boxes only).
    """
    images, annotations = [], []
    for img_id, (file_name, width, height, anns) in enumerate(records, 1):
        images.append(dict(id=img_id, file_name=file_name, width=width,
                           height=height))
        for (x, y, w, h), cls in anns:
            annotations.append(
                dict(id=len(annotations) + 1, image_id=img_id,
                     category_id=cls + 1, bbox=[x, y, w, h], area=w * h,
                     iscrowd=0, segmentation=[]))
    return dict(
        info=dict(description='ld_plugin synthetic shapes',
                  version=str(FORMAT_VERSION)),
        licenses=[],
        images=images,
        annotations=annotations,
        categories=[dict(id=i + 1, name=c, supercategory='shape')
                    for i, c in enumerate(CLASSES)])


# --------------------------------------------------------------------------- #
# Dataset generation
# --------------------------------------------------------------------------- #
def validate_params(num_train: int, num_val: int, img_size: int,
                    min_objects: int, max_objects: int, seed: int) -> None:
    """Raise ``ValueError`` naming the bad value and how to fix it."""
    for name, val in (('num_train', num_train), ('num_val', num_val),
                      ('img_size', img_size), ('min_objects', min_objects),
                      ('max_objects', max_objects), ('seed', seed)):
        if isinstance(val, bool) or not isinstance(val, (int, np.integer)):
            raise ValueError(f'{name} must be an integer, got {val!r}')
    for name, val in (('num_train', num_train), ('num_val', num_val),
                      ('min_objects', min_objects)):
        if val < 1:
            raise ValueError(f'{name} must be >= 1, got {val}; pass a '
                             f'positive value (--{name.replace("_", "-")})')
    if img_size < MIN_IMG_SIZE:
        raise ValueError(f'img_size must be >= {MIN_IMG_SIZE}, got {img_size};'
                         f' use --img-size {MIN_IMG_SIZE} or larger')
    if max_objects < min_objects:
        raise ValueError(f'max_objects ({max_objects}) must be >= min_objects '
                         f'({min_objects}); raise --max-objects or lower '
                         f'--min-objects')
    if max_objects > MAX_OBJECTS_LIMIT:
        raise ValueError(f'max_objects must be <= {MAX_OBJECTS_LIMIT}, got '
                         f'{max_objects}; lower --max-objects')
    if seed < 0:
        raise ValueError(f'seed must be >= 0, got {seed}; use a '
                         f'non-negative --seed')


def _image_rng(seed: int, split: str, index: int) -> np.random.Generator:
    """Per-image generator, independent of the other images and splits."""
    return np.random.default_rng([int(seed), SPLITS[split], int(index)])


def _read_meta(path: Path) -> Optional[dict]:
    try:
        with open(path, encoding='utf-8') as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def generate_dataset(out_dir: PathLike,
                     num_train: int = 1500,
                     num_val: int = 200,
                     img_size: int = 192,
                     seed: int = 0,
                     min_objects: int = 1,
                     max_objects: int = 6,
                     force: bool = False,
                     progress: Optional[Callable[[str], None]] = print,
                     fmt: str = 'coco') -> dict:
    """Generate the dataset under ``out_dir`` (atomically) and return a summary.

    If ``out_dir/meta.json`` records the same parameters the generation is
    skipped (``summary['skipped']`` is ``True``) unless ``force``. An existing
    dataset with different parameters is replaced; a non-empty folder without
    ``meta.json`` is never deleted (``FileExistsError``). Images are written to
    a temporary sibling folder that is renamed into place when complete.

    ``fmt`` is ``'coco'`` (axis-aligned shapes, COCO json) or ``'dota'`` (rotated shapes,
    DOTA labelTxt); see the module docstring for the layouts.

    Returns:
        dict with ``out_dir``, ``skipped``, ``params``, ``num_images``,
        ``num_objects`` (per split), ``per_class`` (per split, by class name)
        and ``seconds``.
    """
    validate_params(num_train, num_val, img_size, min_objects, max_objects,
                    seed)
    if fmt not in FORMATS:
        raise ValueError(f'fmt must be one of {list(FORMATS)}, got {fmt!r}')
    classes = ROTATED_CLASSES if fmt == 'dota' else CLASSES
    render = render_rotated_image if fmt == 'dota' else render_image
    log = progress or (lambda _msg: None)
    out = Path(out_dir)
    params = dict(num_train=int(num_train), num_val=int(num_val),
                  img_size=int(img_size), seed=int(seed),
                  min_objects=int(min_objects), max_objects=int(max_objects))
    wanted = dict(format_version=FORMAT_VERSION, classes=list(classes),
                  params=params)
    if fmt != 'coco':  # COCO datasets written before formats existed stay valid
        wanted['format'] = fmt
    meta_path = out / 'meta.json'
    meta = _read_meta(meta_path) if out.exists() else None
    if meta is not None and not force and all(
            meta.get(k) == v for k, v in wanted.items()):
        log(f'Synthetic dataset at {out} already matches the requested '
            f'parameters; skipped (use --force to regenerate).')
        return dict(meta['summary'], out_dir=str(out), skipped=True,
                    seconds=0.0)
    if out.exists() and meta is None and (not out.is_dir()
                                          or any(out.iterdir())):
        raise FileExistsError(
            f'{out} exists but has no meta.json, so it is not a synthetic '
            f'dataset from this tool; refusing to overwrite it. Choose another '
            f'--out or remove it yourself.')
    if meta is not None and not force:
        log(f'Synthetic dataset at {out} was generated with other parameters;'
            f' regenerating.')

    start = time.perf_counter()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f'.{out.name}.tmp-{os.getpid()}'
    if tmp.exists():
        shutil.rmtree(tmp)
    try:
        total = num_train + num_val
        step = max(1, total // 10)
        done = 0
        num_objects: Dict[str, int] = {}
        per_class: Dict[str, Dict[str, int]] = {}
        for split, count in (('train', num_train), ('val', num_val)):
            img_dir = tmp / split / 'images' if fmt == 'dota' else tmp / split
            img_dir.mkdir(parents=True)
            if fmt == 'dota':
                (tmp / split / 'labelTxt').mkdir()
            records = []
            hist = np.zeros(len(classes), dtype=np.int64)
            for idx in range(count):
                image, anns = render(_image_rng(seed, split, idx), img_size, min_objects,
                                     max_objects)
                name = f'{idx:06d}.png'
                Image.fromarray(image, 'RGB').save(img_dir / name, compress_level=1)
                if fmt == 'dota':
                    lines = dota_label_lines(anns)
                    (tmp / split / 'labelTxt' / f'{idx:06d}.txt').write_text(
                        ''.join(line + '\n' for line in lines), encoding='utf-8')
                else:
                    records.append((name, int(img_size), int(img_size), anns))
                for _, cls in anns:
                    hist[cls] += 1
                done += 1
                if done % step == 0 or done == total:
                    log(f'[synthetic] {done}/{total} images '
                        f'({100 * done // total}%)')
            if fmt == 'coco':
                (tmp / 'annotations').mkdir(exist_ok=True)
                coco = build_coco_dict(records)
                with open(tmp / 'annotations' / f'instances_{split}.json', 'w',
                          encoding='utf-8') as f:
                    json.dump(coco, f)
            num_objects[split] = int(hist.sum())
            per_class[split] = {c: int(k) for c, k in zip(classes, hist)}
        summary = dict(params=params,
                       num_images=dict(train=num_train, val=num_val),
                       num_objects=num_objects, per_class=per_class)
        with open(tmp / 'meta.json', 'w', encoding='utf-8') as f:
            json.dump(dict(wanted, summary=summary), f, indent=2)
        # swap into place: an interrupted run never leaves a complete-looking
        # out_dir without meta.json, and meta.json is only in finished output
        if out.exists():
            old = out.parent / f'.{out.name}.old-{os.getpid()}'
            os.replace(out, old)
            os.replace(tmp, out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    seconds = time.perf_counter() - start
    log(f'Synthetic dataset: {num_train} train / {num_val} val images, '
        f'{num_objects["train"]} / {num_objects["val"]} objects '
        f'({len(classes)} classes, {fmt}) written to {out} in {seconds:.1f}s')
    return dict(summary, out_dir=str(out), skipped=False, seconds=seconds)
