"""In-memory dataset shared by every reader and writer, and the problems collector.

A reader turns a user's dataset into a :class:`Dataset`: a list of :class:`ImageRecord` (one per
image file) holding :class:`Obj` annotations in *source image pixels*. An object is either an
axis-aligned box ``(4,)`` ``x1 y1 x2 y2`` (2D task, ``'coco'``) or a quadrilateral ``(8,)``
``x1 y1 ... x4 y4`` (rotated task, ``'dota'``); the geometry and writing code handles both.

Everything wrong with the input goes to one :class:`Problems` collector:

* *fatal* problems (the input cannot be used as it is: a class id outside the class list,
  non-numeric fields, a label file without its image, unreadable XML/JSON, no images) are all
  collected, then :meth:`Problems.check` raises :class:`ConversionError` listing them (with file,
  line or object and how to fix it) before anything is written;
* *repairs* (a box clipped to the image, a zero-area box dropped, an image without a label
  file, ...) are done and counted per kind, with the first few locations as examples, for the
  summary.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple, Union

import numpy as np

__all__ = ['TASKS', 'Location', 'Obj', 'ImageRecord', 'Dataset', 'Problems', 'ConversionError',
           'REPAIRS', 'DROP_REASONS']

#: Output tasks: axis-aligned boxes in COCO JSON, or oriented boxes in DOTA labelTxt.
TASKS = ('coco', 'dota')

#: Kinds of drops (box removed from the output), with the text the summary prints.
DROP_REASONS: Dict[str, str] = {
    'empty_box': 'zero or negative width/height',
    'degenerate': 'degenerate polygon (points collinear or repeated, zero area)',
    'outside': 'fully outside the image',
    'tiny': 'smaller than --min-size px in the written image',
    'difficult': 'difficult (--skip-difficult)',
}

#: Every other counted repair or remark, with the text the summary prints.
REPAIRS: Dict[str, str] = {
    'clipped': 'boxes partly outside the image, clipped to it',
    'poly_outside': 'polygons partly outside the image, kept unclipped',
    'no_label_file': 'images without a label file (written as empty images)',
    'size_mismatch': 'size in the annotation differs from the image file (file size used)',
    'exif_rotated': 'images with an EXIF rotation, written upright',
    'renamed': 'images renamed to avoid a name clash in their output split',
    'reencoded': 'images re-encoded to the common file type of the DOTA output',
    'unlisted': 'images in no ImageSets split file, left out',
    'difficult_not_int': 'VOC <difficult> values that are not an integer, taken as 0',
    'resized': 'images resized to --max-size',
}

_EXAMPLES = 3  # locations kept per repair kind


class ConversionError(ValueError):
    """The input cannot be converted; the message lists every problem found and its fix."""


@dataclass(frozen=True)
class Location:
    """Where a problem is: a file and optionally a 1-based line (text labels), a 1-based
    object index (VOC XML) or an annotation id (COCO JSON)."""
    file: str
    line: Optional[int] = None
    obj: Optional[int] = None
    ann_id: Optional[int] = None

    def __str__(self) -> str:
        text = self.file
        if self.line is not None:
            text += f':{self.line}'
        if self.obj is not None:
            text += f' (object {self.obj})'
        if self.ann_id is not None:
            text += f' (annotation id {self.ann_id})'
        return text


@dataclass
class Obj:
    """One annotated object in source image pixels.

    Attributes:
        label: class index into :attr:`Dataset.classes` (0-based).
        coords: float64 array, ``(4,)`` box ``x1 y1 x2 y2`` or ``(8,)`` polygon
            ``x1 y1 x2 y2 x3 y3 x4 y4``, pixels of the source image (origin at its top-left
            corner, x right, y down).
        where: where the object was read from.
        difficult: VOC ``difficult`` flag / DOTA difficulty (written to DOTA output).
        crowd: COCO ``iscrowd`` (written to COCO output).
    """
    label: int
    coords: np.ndarray
    where: Location
    difficult: int = 0
    crowd: bool = False


@dataclass
class ImageRecord:
    """One source image and its objects.

    Attributes:
        path: the source image file.
        size: ``(width, height)`` in pixels as displayed, i.e. after the EXIF rotation.
        orientation: EXIF orientation tag (1 = upright; 5-8 swap width and height).
        split: ``'train'``, ``'val'``, ``'test'`` or ``None`` while unassigned (a pool).
        objects: the annotations, source pixels.
        origin: the source split folder name (``'valid'``, ...) or ``''``; used to rename an
            image whose name clashes after a re-split.
    """
    path: Path
    size: Tuple[int, int]
    orientation: int = 1
    split: Optional[str] = None
    objects: List[Obj] = field(default_factory=list)
    origin: str = ''


@dataclass
class Dataset:
    """A dataset as read: task (``'coco'`` or ``'dota'``), class names in order, images."""
    task: str
    classes: List[str]
    images: List[ImageRecord]


class Problems:
    """Collects fatal problems and counted repairs (see the module docstring).

    Args:
        max_shown: fatal problems listed in the error message before "and N more".
    """

    def __init__(self, max_shown: int = 20) -> None:
        self.max_shown = max_shown
        self.fatal: List[str] = []
        self.counts: Dict[str, int] = Counter()
        self.split_counts: Dict[str, Dict[str, int]] = defaultdict(Counter)
        self.label_counts: Dict[str, Dict[int, int]] = defaultdict(Counter)
        self.examples: Dict[str, List[str]] = defaultdict(list)
        self.notes: List[str] = []
        self.warnings: List[str] = []

    def error(self, where: Union[Location, str, Path], what: str, fix: str) -> None:
        """Record a fatal problem: ``where: what; fix``."""
        self.fatal.append(f'{where}: {what}; {fix}')

    def repair(self, kind: str, where: Union[Location, str, Path, None] = None,
               split: Optional[str] = None, label: Optional[int] = None) -> None:
        """Count one repair or drop of ``kind`` (a key of ``REPAIRS`` or ``DROP_REASONS``),
        per split and per class index ``label`` when given."""
        if kind not in REPAIRS and kind not in DROP_REASONS:
            raise KeyError(f'unknown repair kind {kind!r}')
        self.counts[kind] += 1
        if split is not None:
            self.split_counts[kind][split] += 1
        if label is not None:
            self.label_counts[kind][label] += 1
        if where is not None and len(self.examples[kind]) < _EXAMPLES:
            self.examples[kind].append(str(where))

    def note(self, message: str) -> None:
        """An informational line printed with the summary (e.g. the classes collected)."""
        self.notes.append(message)

    def warn(self, message: str) -> None:
        """Something the output lacks that the user should act on (printed after the summary:
        a split missing, images left out)."""
        self.warnings.append(message)

    def report(self) -> str:
        """The fatal problems, at most ``max_shown`` of them, then "and N more"."""
        lines = [f'  {p}' for p in self.fatal[:self.max_shown]]
        if len(self.fatal) > self.max_shown:
            lines.append(f'  ... and {len(self.fatal) - self.max_shown} more')
        head = (f'{len(self.fatal)} problem(s) make the input unusable; nothing was written. '
                'Fix them and run again:')
        return '\n'.join([head] + lines)

    def check(self) -> None:
        """Raise :class:`ConversionError` with :meth:`report` when a fatal problem was found."""
        if self.fatal:
            raise ConversionError(self.report())
