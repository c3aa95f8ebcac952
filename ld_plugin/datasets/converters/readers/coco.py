"""COCO JSON, one file per split: ``SRC/annotations/instances_SPLIT.json`` (mmdet layout, images
in ``SRC/SPLIT/``) or Roboflow's ``SRC/SPLIT/_annotations.coco.json`` (images beside it).

Each file is loaded with pycocotools and validated: the structure, every image file exists,
boxes are numbers, the categories are the same in every split. Categories are re-indexed to
``0..C-1`` in the order of their ids (the writer numbers them 1..C). A category without
annotations that is the ``supercategory`` of every other one (Roboflow's dataset-name entry) is
left out.
"""
from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import numpy as np
from pycocotools.coco import COCO

from ..records import Dataset, ImageRecord, Location, Obj, Problems
from ..splits import canonical_split
from .common import ReadOptions, make_record, parse_floats, rel
from .hints import format_hint, parent_hint

__all__ = ['read_coco', 'find_coco_files']

_ROBOFLOW_NAME = '_annotations.coco.json'
_ONE = {'images': 'image', 'annotations': 'annotation', 'categories': 'category'}


def find_coco_files(src: Path) -> List[Tuple[str, Path, List[Path]]]:
    """``(source split name, json file, image folders to try)`` for every split found."""
    found = []
    for path in sorted((src / 'annotations').glob('instances_*.json')):
        name = path.stem[len('instances_'):]
        dirs = [src / name, src / name / 'images', src / 'images' / name, src / 'images', src]
        found.append((name, path, dirs))
    if not found:
        for path in sorted(src.glob(f'*/{_ROBOFLOW_NAME}')):
            found.append((path.parent.name, path, [path.parent, path.parent / 'images']))
    return found


def _load(path: Path, problems: Problems, root: Path) -> Optional[COCO]:
    """pycocotools' COCO index of one file (its prints silenced); ``None`` and a fatal
    problem when the file is not valid JSON or not COCO-shaped."""
    shown = rel(path, root)
    try:
        data = json.loads(path.read_text(encoding='utf-8-sig'))
    except json.JSONDecodeError as err:
        problems.error(Location(shown, line=err.lineno), f'invalid JSON ({err.msg})',
                       'fix the file')
        return None
    except (OSError, UnicodeDecodeError) as err:
        problems.error(shown, f'cannot read the file ({err})', 'fix the file')
        return None
    missing = [k for k in ('images', 'annotations', 'categories')
               if not isinstance(data, dict) or not isinstance(data.get(k), list)]
    if missing:
        problems.error(shown, f'no {missing} list(s)', 'a COCO file needs images, annotations '
                       'and categories lists')
        return None
    for key in ('images', 'annotations', 'categories'):
        ids = [item.get('id') if isinstance(item, dict) else None for item in data[key]]
        if None in ids:
            problems.error(shown, f'a {_ONE[key]} entry has no id', 'give every entry an id')
            return None
    if not _integer_ids(data, shown, problems):
        return None
    for key in ('images', 'annotations', 'categories'):
        ids = [item['id'] for item in data[key]]
        if len(set(ids)) != len(ids):
            dup = sorted({i for i in ids if ids.count(i) > 1})[:5]
            problems.error(shown, f'duplicated {_ONE[key]} ids {dup}', 'make the ids unique')
            return None
    required = {'images': ('file_name', ), 'annotations': ('image_id', 'category_id', 'bbox'),
                'categories': ('name', )}
    bad = 0
    for key, fields in required.items():
        for item in data[key]:
            lacking = [f for f in fields if f not in item]
            if lacking:
                bad += 1
                where = (Location(shown, ann_id=item['id']) if key == 'annotations'
                         else f'{shown} ({_ONE[key]} id {item["id"]})')
                problems.error(where, f'no {lacking}', f'give every {_ONE[key]} {list(fields)}')
    if bad:
        return None
    coco = COCO()
    coco.dataset = data
    with contextlib.redirect_stdout(io.StringIO()):
        coco.createIndex()
    return coco


def _integer_ids(data: dict, shown: str, problems: Problems) -> bool:
    """Ids must be integers, as COCO defines them (image and category ids are sorted: ``"1"``
    and ``2`` cannot be); every other one is a fatal problem with its position in its list."""
    good = True
    for key in ('images', 'annotations', 'categories'):
        for position, item in enumerate(data[key], 1):
            value = item['id']
            if isinstance(value, int) and not isinstance(value, bool):
                continue
            good = False
            number = str(value).strip()
            fix = (f'write it as the number {number}' if number.isdigit()
                   else 'give it an integer id')
            problems.error(f'{shown} ({key} entry {position})', f'{_ONE[key]} id {value!r} '
                           'is not an integer', fix + ' (COCO ids are integers)')
    return good


def _categories(files: Dict[str, COCO], problems: Problems, src: Path) -> List[Tuple[int, str]]:
    """``[(category id, name)]`` sorted by id, equal in every file, without a Roboflow-style
    parent category (no annotations, the supercategory of all others)."""
    per_file = {name: sorted((c['id'], str(c.get('name'))) for c in coco.dataset['categories'])
                for name, coco in files.items()}
    first_name, cats = next(iter(per_file.items()))
    for name, other in per_file.items():
        if other != cats:
            problems.error(src, f'categories of {name!r} {other} differ from those of '
                           f'{first_name!r} {cats}', 'use the same category ids and names in '
                           'every split')
    used = {a.get('category_id') for coco in files.values() for a in coco.dataset['annotations']}
    for cid, name in cats:
        others = {c.get('supercategory') for coco in files.values()
                  for c in coco.dataset['categories'] if c['id'] != cid}
        if cid not in used and len(cats) > 1 and others == {name}:
            problems.note(f'category {cid} {name!r} has no annotations and is the supercategory '
                          'of all others: left out')
            cats = [c for c in cats if c[0] != cid]
    return cats


def _image_dir(coco: COCO, dirs: List[Path]) -> Path:
    """The first candidate folder holding the first image (the first candidate if none)."""
    first = next(iter(coco.imgs.values()), None)
    if first is not None:
        for folder in dirs:
            if (folder / str(first.get('file_name', ''))).is_file():
                return folder
    return dirs[0]


def read_coco(src: Path, opts: ReadOptions, problems: Problems) -> Dataset:
    """Read COCO JSON splits (see the module docstring and ``--help``)."""
    found = find_coco_files(src)
    if not found:
        problems.error(src, 'no COCO JSON found', parent_hint(src) or format_hint(src, 'coco') or
                       'expected SRC/annotations/instances_SPLIT.json or '
                       f'SRC/SPLIT/{_ROBOFLOW_NAME} (see --help)')
        return Dataset('coco', [], [])
    files: Dict[str, COCO] = {}
    for name, path, _ in found:
        split = canonical_split(name)
        if split is None:
            problems.error(rel(path, src), f'split name {name!r} is not train/val/test',
                           'rename the file (e.g. instances_val.json)')
        coco = _load(path, problems, src)
        if coco is not None:
            files[name] = coco
    if not files:
        return Dataset('coco', [], [])
    cats = _categories(files, problems, src)
    label_of = {cid: i for i, (cid, _) in enumerate(cats)}
    if opts.classes is not None and len(opts.classes) != len(cats):
        problems.error(src, f'--classes has {len(opts.classes)} names for {len(cats)} '
                       'categories', 'give one name per category, in category id order')
    classes = list(opts.classes) if opts.classes is not None else [n for _, n in cats]
    records: List[ImageRecord] = []
    for name, path, dirs in found:
        if name in files:
            records += _read_split(files[name], canonical_split(name), name, _image_dir(
                files[name], dirs), label_of, rel(path, src), problems, src)
    return Dataset('coco', classes, records)


def _read_split(coco: COCO, split: Optional[str], origin: str, img_dir: Path,
                label_of: Dict[int, int], shown: str, problems: Problems,
                src: Path) -> List[ImageRecord]:
    records = []
    for ann in coco.dataset['annotations']:
        if ann.get('image_id') not in coco.imgs:
            problems.error(Location(shown, ann_id=ann['id']), f'image_id {ann.get("image_id")} '
                           'is not in images', 'fix the image_id or remove the annotation')
    for img_id in sorted(coco.imgs):
        info = coco.imgs[img_id]
        path = img_dir / str(info.get('file_name', ''))
        if not path.is_file():
            problems.error(f'{shown} (image id {img_id})', f'image file {rel(path, src)} is '
                           'missing', 'add the image or remove its entry and annotations')
            continue
        record = make_record(path, problems, split, origin)
        if record is None:
            continue
        records.append(record)
        declared = (info.get('width'), info.get('height'))
        if None not in declared and tuple(declared) != record.size:
            problems.repair('size_mismatch', f'{shown} (image id {img_id}: {declared[0]}x'
                            f'{declared[1]} vs {record.size[0]}x{record.size[1]})', split)
        for ann in coco.imgToAnns.get(img_id, []):
            where = Location(shown, ann_id=ann['id'])
            if ann.get('category_id') not in label_of:
                problems.error(where, f'category_id {ann.get("category_id")} is not in '
                               'categories', 'fix the category_id or add the category')
                continue
            bbox = ann.get('bbox')
            if not isinstance(bbox, list) or len(bbox) != 4:
                problems.error(where, f'bbox {bbox!r} is not [x, y, w, h]', 'fix the bbox')
                continue
            values = parse_floats([str(v) for v in bbox], where, problems, 'bbox')
            if values is None:
                continue
            x, y, w, h = values
            records[-1].objects.append(Obj(label_of[ann['category_id']],
                                           np.array([x, y, x + w, y + h]), where,
                                           crowd=bool(ann.get('iscrowd', 0))))
    return records
