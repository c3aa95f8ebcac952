"""Helpers shared by the readers: options, folder layouts, text label files, class lists."""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from ..images import index_by_stem, list_images, probe_image
from ..records import ImageRecord, Location, Problems
from ..splits import canonical_split
from .hints import folders_beside, parent_hint, report_unlabelled

__all__ = ['ReadOptions', 'SplitFolders', 'find_split_folders', 'read_lines', 'parse_floats',
           'parse_int', 'as_int', 'make_record', 'pair_labels', 'read_text_dataset', 'rel',
           'UTF8_FIX', 'decode_error_position']


@dataclass
class ReadOptions:
    """What a reader needs from the command line.

    Attributes:
        classes: class names given by the user (``--classes``), or ``None``.
    """
    classes: Optional[List[str]] = None


@dataclass
class SplitFolders:
    """The image and label folders of one source split (``split`` ``None``: a single pool)."""
    origin: str
    split: Optional[str]
    images: Path
    labels: Path


def rel(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` for messages (unchanged if it is not below it)."""
    try:
        return str(Path(path).relative_to(root))
    except ValueError:
        return str(path)


def find_split_folders(src: Path, labels_name: str, problems: Problems) -> List[SplitFolders]:
    """Locate the split folders of a YOLO (``labels_name='labels'``) or DOTA (``'labelTxt'``)
    dataset, trying in turn:

    1. ``SRC/{train,valid,val,test}/images`` + ``SRC/SPLIT/<labels_name>`` (Roboflow, DOTA);
    2. ``SRC/images/SPLIT`` + ``SRC/<labels_name>/SPLIT`` (ultralytics);
    3. ``SRC/images`` + ``SRC/<labels_name>`` (one pool, to split with ``--split-ratio``).

    A missing layout or two folders for one split (``valid`` and ``val``) are fatal problems.
    """
    found: List[SplitFolders] = []
    children = sorted(p for p in src.iterdir() if p.is_dir()) if src.is_dir() else []
    for child in children:
        if canonical_split(child.name) and ((child / 'images').is_dir()
                                            or (child / labels_name).is_dir()):
            found.append(SplitFolders(child.name, canonical_split(child.name),
                                      child / 'images', child / labels_name))
    if not found and (src / 'images').is_dir():
        nested = sorted(p for p in (src / 'images').iterdir()
                        if p.is_dir() and canonical_split(p.name))
        for sub in nested:
            found.append(SplitFolders(sub.name, canonical_split(sub.name), sub,
                                      src / labels_name / sub.name))
        if not nested:
            found.append(SplitFolders('', None, src / 'images', src / labels_name))
    if not found:
        problems.error(src, 'no images found', parent_hint(src) or 'expected SRC/{train,valid,'
                       f'val,test}}/images with SRC/SPLIT/{labels_name}, or SRC/images with '
                       f'SRC/{labels_name} (see --help)')
    by_split: Dict[Optional[str], SplitFolders] = {}
    for folders in found:
        if folders.split in by_split:
            problems.error(src, f'folders {by_split[folders.split].origin!r} and '
                           f'{folders.origin!r} are both the {folders.split!r} split',
                           'merge them or remove one')
        by_split[folders.split] = folders
    return found


#: How to fix a text file that is not UTF-8.
UTF8_FIX = 'save it as UTF-8 (e.g. iconv -f latin1 -t utf-8 FILE > NEW)'


def decode_error_position(err: UnicodeDecodeError) -> Tuple[int, str]:
    """``(1-based line, 'byte 0xe9 at offset 12')`` of the first byte that is not UTF-8."""
    data = bytes(err.object)
    return data[:err.start].count(b'\n') + 1, f'byte 0x{data[err.start]:02x} at offset {err.start}'


def read_lines(path: Path, problems: Problems, root: Path,
               what: str = 'the label file') -> Optional[List[str]]:
    """Lines of a UTF-8 text file; ``None`` with a fatal problem (the file, and the line of the
    first byte that is not UTF-8) if it cannot be read."""
    try:
        return path.read_text(encoding='utf-8-sig').splitlines()
    except UnicodeDecodeError as err:
        line, byte = decode_error_position(err)
        problems.error(Location(rel(path, root), line=line), f'{what} is not UTF-8 text ({byte})',
                       UTF8_FIX)
    except OSError as err:
        problems.error(rel(path, root), f'cannot read {what} ({err})', 'check the file')
    return None


def parse_floats(tokens: Sequence[str], where: Location, problems: Problems,
                 what: str) -> Optional[List[float]]:
    """Parse finite numbers; a non-numeric or infinite field is a fatal problem (``None``)."""
    try:
        values = [float(t) for t in tokens]
    except ValueError:
        problems.error(where, f'non-numeric {what} {" ".join(tokens)!r}',
                       f'{what} must be numbers')
        return None
    if not all(math.isfinite(v) for v in values):
        problems.error(where, f'{what} {" ".join(tokens)!r} is not finite',
                       f'{what} must be finite numbers')
        return None
    return values


def as_int(token: str) -> Optional[int]:
    """The integer a token spells (``'3'`` or ``'3.0'``), ``None`` for anything else."""
    try:
        value = float(token)
    except ValueError:
        return None
    return int(value) if math.isfinite(value) and value == int(value) else None


def parse_int(token: str, where: Location, problems: Problems, what: str) -> Optional[int]:
    """Parse an integer (``'3'`` or ``'3.0'``); anything else is a fatal problem (``None``)."""
    value = as_int(token)
    if value is None:
        problems.error(where, f'{what} {token!r} is not an integer', f'{what} must be an integer')
    return value


def make_record(path: Path, problems: Problems, split: Optional[str],
                origin: str) -> Optional[ImageRecord]:
    """An :class:`ImageRecord` with the image's size read from its header (``None`` and a fatal
    problem if the image cannot be read)."""
    probed = probe_image(path, problems)
    if probed is None:
        return None
    size, orientation = probed
    return ImageRecord(path=path, size=size, orientation=orientation, split=split, origin=origin)


def pair_labels(folders: SplitFolders, label_ext: str, problems: Problems, root: Path,
                skip: Sequence[str] = ()) -> List[Tuple[Path, Optional[Path]]]:
    """``(image, label file or None)`` for every image of a split folder pair.

    A label file whose image is missing is a fatal problem (all of them are listed); a label
    folder with files but no images is reported once. ``skip``: label file names that are not
    labels (e.g. ``classes.txt``).
    """
    images = list_images(folders.images)
    by_stem = index_by_stem(images, problems)
    labels = sorted(p for p in folders.labels.glob(f'*{label_ext}')
                    if p.is_file() and p.name not in skip) if folders.labels.is_dir() else []
    if labels and not images:
        problems.error(rel(folders.labels, root), f'{len(labels)} label files but no images in '
                       f'{rel(folders.images, root)}', 'put the images there (same names as the '
                       'label files)')
        return []
    for label in labels:
        if label.stem not in by_stem:
            problems.error(rel(label, root), f'no image {label.stem}.* in '
                           f'{rel(folders.images, root)}',
                           'add the image or delete the label file')
    label_by_stem = {p.stem: p for p in labels}
    return [(img, label_by_stem.get(img.stem)) for img in images]


#: ``parse(lines, record, label_file_shown, problems) -> None``: adds objects to the record.
LineParser = Callable[[List[str], ImageRecord, str, Problems], None]


def read_text_dataset(src: Path, fmt: str, labels_name: str, label_ext: str, problems: Problems,
                      parse: LineParser, skip: Sequence[str] = ()) -> List[ImageRecord]:
    """Images and objects of a dataset with one text label file per image (YOLO, DOTA; ``fmt``
    is the ``--format``): finds the split folders, pairs labels with images, reads each label
    file with ``parse``. An image without a label file is an empty image (counted as
    ``'no_label_file'``); a split with images but not one label file is a fatal problem (a
    misnamed label folder or the wrong ``--format``), see :func:`.hints.report_unlabelled`."""
    records: List[ImageRecord] = []
    unlabelled = []
    for folders in find_split_folders(src, labels_name, problems):
        pairs = pair_labels(folders, label_ext, problems, src, skip=skip)
        if pairs and all(label is None for _, label in pairs):
            beside = folders_beside(folders.labels, src)
            unlabelled.append((rel(folders.images, src), len(pairs),
                               f'{rel(folders.labels, src)}/*{label_ext}'
                               + (f'; {beside}' if beside else '')))
        for image, label in pairs:
            record = make_record(image, problems, folders.split, folders.origin)
            if record is None:
                continue
            records.append(record)
            if label is None:
                problems.repair('no_label_file', rel(image, src), folders.split)
                continue
            lines = read_lines(label, problems, src)
            if lines is not None:
                parse(lines, record, rel(label, src), problems)
    if unlabelled:
        report_unlabelled(problems, src, fmt, unlabelled)
    return records
