"""Pascal VOC: ``SRC/Annotations/*.xml`` + ``SRC/JPEGImages/``, splits from
``SRC/ImageSets/Main/{train,val,test}.txt`` when present (``trainval.txt`` less ``val.txt``
when there is no ``train.txt``).

Coordinates: VOC boxes are 1-based pixel indices. We follow mmdet 3.x exactly (its
``XMLDataset._parse_instance_info(minus_one=True)`` and ``tools/dataset_converters/
pascal_voc.py``): all four coordinates minus 1, so ``[xmin - 1, ymin - 1, xmax - 1, ymax - 1]``
and the COCO width is ``xmax - xmin``. (mmdet also truncates float coordinates to int; we keep
the fraction.) A box spanning the whole 640-px-wide image, ``xmin=1 xmax=640``, becomes
``x=0 w=639``.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Dict, List, Optional, Set

import numpy as np

from ..images import index_by_stem, list_images
from ..records import Dataset, ImageRecord, Location, Obj, Problems
from ..splits import SPLITS
from .classes import ClassNames
from .common import ReadOptions, as_int, make_record, parse_floats, read_lines, rel
from .hints import format_hint, parent_hint, report_unlabelled

__all__ = ['read_voc']

_BOX_TAGS = ('xmin', 'ymin', 'xmax', 'ymax')


def _split_lists(src: Path, problems: Problems) -> Optional[Dict[str, str]]:
    """``{image id: split}`` from ``ImageSets/Main/{train,val,test}.txt`` (``None`` when none
    exists); without ``train.txt``, ``trainval.txt`` less the ids in ``val.txt`` is the train
    split (said in a note). An id in two lists is a fatal problem."""
    folder = src / 'ImageSets' / 'Main'
    found = {s: folder / f'{s}.txt' for s in SPLITS if (folder / f'{s}.txt').is_file()}
    trainval = folder / 'trainval.txt'
    use_trainval = 'train' not in found and trainval.is_file()
    if not found and not use_trainval:
        return None
    split_of: Dict[str, str] = {}
    for split, path in found.items():
        _read_list(path, split, split_of, problems, src)
    if use_trainval:
        _read_list(trainval, 'train', split_of, problems, src, skip='val')
        problems.note(f'no {rel(folder, src)}/train.txt: {rel(trainval, src)} is the train split'
                      + (' (less the images in val.txt)' if 'val' in found else ''))
    problems.note(f'splits from {rel(folder, src)}: {sorted(set(split_of.values()))}')
    return split_of


def _read_list(path: Path, split: str, split_of: Dict[str, str], problems: Problems,
               src: Path, skip: Optional[str] = None) -> None:
    """Add the ids of one ImageSets list to ``split_of`` (ids already in split ``skip`` are
    passed over: ``trainval.txt`` holds the val images too)."""
    for number, line in enumerate(read_lines(path, problems, src, 'the split list') or [], 1):
        if not line.split():
            continue
        image_id = line.split()[0]
        if skip is not None and split_of.get(image_id) == skip:
            continue
        if split_of.get(image_id, split) != split:
            problems.error(Location(rel(path, src), line=number),
                           f'{image_id} is also in {split_of[image_id]}.txt',
                           'list every image in one split only')
        split_of[image_id] = split


def _suggest_root(src: Path) -> str:
    candidates = sorted(p.parent for p in src.glob('*/Annotations') if p.is_dir())
    if candidates:
        return f'pass the folder that holds Annotations/, e.g. --src {candidates[0]}'
    return (parent_hint(src) or format_hint(src, 'voc')
            or 'expected SRC/Annotations/*.xml and SRC/JPEGImages/ (see --help)')


def _check_labelled(src: Path, records: List[ImageRecord], labelled: Set[Path],
                    split_of: Optional[Dict[str, str]], problems: Problems) -> None:
    """A split (or, without ImageSets, the whole input) whose images have not one XML file is
    a fatal problem: see :func:`.hints.report_unlabelled`."""
    unlabelled = []
    for split in (SPLITS if split_of is not None else (None, )):
        images = [r for r in records if r.split == split]
        if images and not any(r.path in labelled for r in images):
            where = f'split {split!r} of ImageSets/Main' if split else rel(images[0].path.parent,
                                                                          src)
            unlabelled.append((where, len(images), 'Annotations/STEM.xml or an XML whose '
                               '<filename> names the image'))
    if unlabelled:
        report_unlabelled(problems, src, 'voc', unlabelled)


def read_voc(src: Path, opts: ReadOptions, problems: Problems) -> Dataset:
    """Read a Pascal VOC dataset (see the module docstring and ``--help``). Classes are
    ``--classes`` or the object names in the XML files, sorted. Images without an XML file
    are empty images; with ImageSets, images listed in no split get ``split=None``."""
    names = ClassNames(opts.classes)
    ann_dir, img_dir = src / 'Annotations', src / 'JPEGImages'
    if not ann_dir.is_dir():
        problems.error(src, 'no Annotations folder', _suggest_root(src))
        return Dataset('coco', [], [])
    images = index_by_stem(list_images(img_dir), problems)
    xmls = {p.stem: p for p in sorted(ann_dir.glob('*.xml'))}
    split_of = _split_lists(src, problems)
    # an XML's image: same stem, else the file its <filename> names; other images are empty
    image_of = {stem: images.get(stem) or _image_named_in(xml, img_dir)
                for stem, xml in xmls.items()}
    claimed = {p for p in image_of.values() if p is not None}
    image_of.update({stem: p for stem, p in images.items()
                     if stem not in image_of and p not in claimed})
    for image_id in sorted(set(split_of or {}) - set(image_of)):
        problems.error(rel(img_dir, src), f'image {image_id} listed in ImageSets/Main/'
                       f'{split_of[image_id]}.txt is missing', 'add it or unlist it')
    records: List[ImageRecord] = []
    labelled: Set[Path] = set()
    for stem in sorted(image_of):
        xml, image = xmls.get(stem), image_of[stem]
        if image is None:
            problems.error(rel(xml, src), f'no image {stem}.* in {rel(img_dir, src)}',
                           'add the image or delete the XML file')
            continue
        split = split_of.get(stem) if split_of is not None else None
        record = make_record(image, problems, split, '')
        if record is None:
            continue
        records.append(record)
        if xml is None:
            problems.repair('no_label_file', rel(image, src), split)
            continue
        labelled.add(image)
        shown = rel(xml, src)
        try:
            root = ET.parse(xml).getroot()
        except (ET.ParseError, OSError) as err:
            line = getattr(err, 'position', (None, ))[0]
            problems.error(Location(shown, line=line), f'unreadable XML ({err})', 'fix the file')
            continue
        declared = [root.findtext(f'size/{k}') for k in ('width', 'height')]
        if all(declared) and tuple(_int_or(d) for d in declared) != record.size:
            problems.repair('size_mismatch', f'{shown} ({declared[0]}x{declared[1]} vs '
                            f'{record.size[0]}x{record.size[1]})', split)
        for k, element in enumerate(root.findall('object'), 1):
            obj = _parse_object(element, Location(shown, obj=k), names, problems)
            if obj is not None:
                record.objects.append(obj)
    if not records and not problems.fatal:
        problems.error(src, 'no images found', _suggest_root(src))
    _check_labelled(src, records, labelled, split_of, problems)
    return Dataset('coco', names.finish(records, problems), records)


def _int_or(text: str) -> Optional[int]:
    try:
        return int(float(text))
    except ValueError:
        return None


def _image_named_in(xml: Optional[Path], img_dir: Path) -> Optional[Path]:
    """The image the XML's ``<filename>`` names, if that file exists."""
    if xml is None:
        return None
    try:
        filename = ET.parse(xml).getroot().findtext('filename')
    except (ET.ParseError, OSError):
        return None
    path = img_dir / Path(filename or '').name
    return path if filename and path.is_file() else None


def _parse_object(element: ET.Element, where: Location, names: ClassNames,
                  problems: Problems) -> Optional[Obj]:
    name = (element.findtext('name') or '').strip()
    if not name:
        problems.error(where, 'object without a <name>', 'add the class name')
        return None
    box = element.find('bndbox')
    texts = [box.findtext(t) if box is not None else None for t in _BOX_TAGS]
    if any(t is None for t in texts):
        missing = [t for t, v in zip(_BOX_TAGS, texts) if v is None]
        problems.error(where, f'<bndbox> lacks {missing}', 'give xmin ymin xmax ymax')
        return None
    values = parse_floats([t.strip() for t in texts], where, problems, 'bndbox')
    difficult = _difficult((element.findtext('difficult') or '').strip(), where, problems)
    label = names.index(name, where, problems)
    if values is None or label is None:
        return None
    # mmdet's VOC convention (module docstring): 1-based -> subtract 1 from all four
    return Obj(label, np.asarray(values, dtype=np.float64) - 1.0, where, difficult=difficult)


def _difficult(text: str, where: Location, problems: Problems) -> int:
    """``<difficult>`` as an integer; empty is 0, and so is a value that is not an integer
    (``Unspecified``, as some tools write), counted as the repair ``'difficult_not_int'``."""
    value = as_int(text or '0')
    if value is None:
        problems.repair('difficult_not_int', f'{where}: {text!r}')
        return 0
    return value
