"""YOLO text labels (ultralytics / Roboflow): axis-aligned ``class cx cy w h`` or oriented
``class x1 y1 x2 y2 x3 y3 x4 y4`` (``yolo-obb``), coordinates normalised by the image size."""
from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import numpy as np

from ..records import Dataset, ImageRecord, Location, Obj, Problems
from .classes import dota_safe_names, read_yolo_names
from .common import ReadOptions, parse_floats, parse_int, read_text_dataset
from .hints import parent_hint

__all__ = ['read_yolo', 'read_yolo_obb']

#: Normalised coordinates outside this range mean the labels are in pixels.
_NORMALISED_RANGE = (-0.5, 1.5)


def _field_hint(count: int, oriented: bool) -> str:
    if not oriented and count == 9:
        return 'this looks like an oriented box: use --format yolo-obb'
    if oriented and count == 5:
        return 'this looks like an axis-aligned box: use --format yolo'
    if count > 9 and count % 2 == 1:
        return 'this looks like a segmentation polygon: convert it to a box first'
    return 'fix or remove the line'


def _parser(names: Optional[List[str]], names_from: str, oriented: bool):
    """The line parser of :func:`read_text_dataset` for one YOLO flavour."""
    expected = 9 if oriented else 5
    layout = 'class x1 y1 x2 y2 x3 y3 x4 y4' if oriented else 'class cx cy w h'

    def parse(lines: List[str], record: ImageRecord, shown: str, problems: Problems) -> None:
        width, height = record.size
        for number, line in enumerate(lines, 1):
            tokens = line.split()
            if not tokens:
                continue
            where = Location(shown, line=number)
            if len(tokens) != expected:
                problems.error(where, f'{len(tokens)} fields, expected {expected} ({layout})',
                               _field_hint(len(tokens), oriented))
                continue
            cls = parse_int(tokens[0], where, problems, 'class id')
            values = parse_floats(tokens[1:], where, problems, 'coordinates')
            if cls is None or values is None:
                continue
            if names is not None and not 0 <= cls < len(names):
                problems.error(where, f'class id {cls} outside the {len(names)} classes of '
                               f'{names_from} (0..{len(names) - 1})',
                               'fix the id or add the class to the class list')
                continue
            lo, hi = _NORMALISED_RANGE
            if min(values) < lo or max(values) > hi:
                problems.error(where, f'coordinates {" ".join(tokens[1:])} are not normalised',
                               'YOLO coordinates are fractions of the image width/height '
                               '(0..1): divide pixel values by the image size')
                continue
            v = np.asarray(values, dtype=np.float64)
            if oriented:
                coords = v * np.tile([width, height], 4)
            else:
                cx, cy, w, h = v * [width, height, width, height]
                coords = np.array([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2])
            record.objects.append(Obj(cls, coords, where))

    return parse


def _read(src: Path, opts: ReadOptions, problems: Problems, oriented: bool) -> Dataset:
    if opts.classes is not None:
        names, names_from = opts.classes, '--classes'
        own, own_from, _ = read_yolo_names(src, Problems())
        if own is not None and own != names:
            problems.note(f'--classes overrides the class names of {own_from} ({own})')
    else:
        names, names_from, tried = read_yolo_names(src, problems)
        if names is None and not problems.fatal:
            problems.error(src, 'class names unknown (' + (
                f'tried {"; ".join(tried)}' if tried else 'no data.yaml or classes.txt') + ')',
                parent_hint(src) or "add names: ['class0', ...] to data.yaml, or pass --classes "
                'NAME0 NAME1 ... (or a file, one name a line) in class id order')
    fmt = 'yolo-obb' if oriented else 'yolo'
    records = read_text_dataset(src, fmt, 'labels', '.txt', problems,
                                _parser(names, names_from, oriented), skip=('classes.txt', ))
    classes = list(names or [])
    task = 'dota' if oriented else 'coco'
    if oriented:
        classes = dota_safe_names(classes, problems)
    return Dataset(task=task, classes=classes, images=records)


def read_yolo(src: Path, opts: ReadOptions, problems: Problems) -> Dataset:
    """Read an axis-aligned YOLO dataset (see ``tools/convert_dataset.py --help``)."""
    return _read(src, opts, problems, oriented=False)


def read_yolo_obb(src: Path, opts: ReadOptions, problems: Problems) -> Dataset:
    """Read an ultralytics OBB dataset (see ``tools/convert_dataset.py --help``)."""
    return _read(src, opts, problems, oriented=True)
