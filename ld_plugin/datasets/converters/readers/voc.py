"""Pascal VOC: ``SRC/Annotations/*.xml`` + ``SRC/JPEGImages/``, splits from
``SRC/ImageSets/Main/{train,val,test}.txt`` when present.

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
from typing import Dict, Optional

import numpy as np

from ..images import index_by_stem, list_images
from ..records import Dataset, Location, Obj, Problems
from ..splits import SPLITS
from .classes import ClassNames
from .common import ReadOptions, make_record, parse_floats, parse_int, rel

__all__ = ['read_voc']

_BOX_TAGS = ('xmin', 'ymin', 'xmax', 'ymax')


def _split_lists(src: Path, problems: Problems) -> Optional[Dict[str, str]]:
    """``{image id: split}`` from ``ImageSets/Main/{train,val,test}.txt`` (``None`` when none
    exists); an id in two lists is a fatal problem."""
    folder = src / 'ImageSets' / 'Main'
    found = {s: folder / f'{s}.txt' for s in SPLITS if (folder / f'{s}.txt').is_file()}
    if not found:
        return None
    split_of: Dict[str, str] = {}
    for split, path in found.items():
        for number, line in enumerate(path.read_text(encoding='utf-8-sig').splitlines(), 1):
            if not line.split():
                continue
            image_id = line.split()[0]
            if split_of.get(image_id, split) != split:
                problems.error(Location(rel(path, src), line=number),
                               f'{image_id} is also in {split_of[image_id]}.txt',
                               'list every image in one split only')
            split_of[image_id] = split
    problems.note(f'splits from {rel(folder, src)}: {sorted(found)}')
    return split_of


def _suggest_root(src: Path) -> str:
    candidates = sorted(p.parent for p in src.glob('*/Annotations') if p.is_dir())
    if candidates:
        return f'pass the folder that holds Annotations/, e.g. --src {candidates[0]}'
    return 'expected SRC/Annotations/*.xml and SRC/JPEGImages/ (see --help)'


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
    records = []
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
    difficult = parse_int((element.findtext('difficult') or '0').strip() or '0', where,
                          problems, 'difficult')
    label = names.index(name, where, problems)
    if values is None or difficult is None or label is None:
        return None
    # mmdet's VOC convention (module docstring): 1-based -> subtract 1 from all four
    return Obj(label, np.asarray(values, dtype=np.float64) - 1.0, where, difficult=difficult)
