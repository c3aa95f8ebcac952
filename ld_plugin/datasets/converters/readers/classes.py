"""Class lists: ``--classes``, YOLO's ``data.yaml`` / ``classes.txt``, or names collected from
the labels (VOC, DOTA)."""
from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import yaml

from ..records import ImageRecord, Location, Problems
from .common import rel

__all__ = ['parse_classes_arg', 'read_yolo_names', 'ClassNames', 'dota_safe_names']


def parse_classes_arg(values: Optional[Sequence[str]]) -> Optional[List[str]]:
    """``--classes``: names on the command line, or one path to a text file with one name per
    line (blank lines ignored). Raises ``ValueError`` on an empty or duplicated list."""
    if not values:
        return None
    names = list(values)
    if len(names) == 1 and Path(names[0]).is_file():
        names = [line.strip() for line in Path(names[0]).read_text(encoding='utf-8-sig')
                 .splitlines() if line.strip()]
    if not names:
        raise ValueError('--classes: the class list is empty')
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ValueError(f'--classes: duplicated class names {dupes}')
    return names


def _names_from_yaml(path: Path, problems: Problems, root: Path) -> Optional[List[str]]:
    """``names`` of an ultralytics dataset YAML: a list, or a dict ``{id: name}`` with ids
    ``0..C-1``. A malformed file or list is a fatal problem."""
    shown = rel(path, root)
    try:
        data = yaml.safe_load(path.read_text(encoding='utf-8-sig'))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as err:
        problems.error(shown, f'cannot parse the YAML ({err})', 'fix the file')
        return None
    names = data.get('names') if isinstance(data, dict) else None
    if isinstance(names, dict):
        try:
            by_id = {int(k): str(v) for k, v in names.items()}
        except (TypeError, ValueError):
            by_id = {}
        if sorted(by_id) != list(range(len(names))):
            problems.error(shown, f'names keys {list(names)} are not the ids 0..{len(names) - 1}',
                           'number the classes 0, 1, 2, ... without gaps')
            return None
        names = [by_id[i] for i in range(len(by_id))]
    if not isinstance(names, list) or not names:
        problems.error(shown, "no 'names' list", "add names: ['class0', 'class1', ...]")
        return None
    names = [str(n) for n in names]
    if isinstance(data.get('nc'), int) and data['nc'] != len(names):
        problems.note(f'{shown}: nc is {data["nc"]} but {len(names)} names are given; '
                      'the names are used')
    return names


def read_yolo_names(src: Path, problems: Problems) -> Tuple[Optional[List[str]], str]:
    """Class names of a YOLO dataset and the file they come from: ``SRC/data.yaml`` (or the
    ``SRC/*.yaml`` with ``names``), else a ``classes.txt`` (in SRC or a labels folder, as
    labelImg writes it); ``(None, '')`` when there is none."""
    yamls = [src / 'data.yaml'] if (src / 'data.yaml').is_file() else sorted(
        p for p in list(src.glob('*.yaml')) + list(src.glob('*.yml')) if p.is_file())
    for path in yamls:
        names = _names_from_yaml(path, problems, src)
        if names is not None:
            problems.note(f'classes from {rel(path, src)}: {names}')
            return names, rel(path, src)
    if yamls:
        return None, ''

    candidates = [src / 'classes.txt', src / 'labels' / 'classes.txt']
    candidates += sorted(src.glob('*/labels/classes.txt'))
    candidates += sorted(src.glob('labels/*/classes.txt'))
    for path in candidates:
        if path.is_file():
            names = [ln.strip() for ln in path.read_text(encoding='utf-8-sig').splitlines()
                     if ln.strip()]
            if names:
                problems.note(f'classes from {rel(path, src)}: {names}')
                return names, rel(path, src)
    return None, ''


def dota_safe_names(names: List[str], problems: Problems) -> List[str]:
    """DOTA lines are split on whitespace: spaces in class names become underscores."""
    safe = ['_'.join(n.split()) for n in names]
    if safe != names:
        problems.note(f'spaces in class names replaced by "_" for DOTA labelTxt: {safe}')
    return safe


class ClassNames:
    """Class indices for name-labelled formats (VOC, DOTA).

    With ``fixed`` names (``--classes``) a name outside the list is a fatal problem; without,
    names are collected as they come and :meth:`finish` sorts them and renumbers the objects.
    """

    def __init__(self, fixed: Optional[List[str]]) -> None:
        self.fixed = fixed
        self.index_of: Dict[str, int] = {n: i for i, n in enumerate(fixed or [])}

    def index(self, name: str, where: Location, problems: Problems) -> Optional[int]:
        """The class index of ``name`` (``None`` and a fatal problem if it is not allowed)."""
        if name in self.index_of:
            return self.index_of[name]
        if self.fixed is not None:
            problems.error(where, f'class {name!r} is not in --classes {self.fixed}',
                           'add it to --classes or fix the label')
            return None
        self.index_of[name] = len(self.index_of)
        return self.index_of[name]

    def finish(self, records: List[ImageRecord], problems: Problems) -> List[str]:
        """The class list (``fixed``, or the collected names sorted, printed as a note)."""
        if self.fixed is not None:
            return list(self.fixed)
        names = sorted(self.index_of)
        new = {old: names.index(n) for n, old in self.index_of.items()}
        for record in records:
            for obj in record.objects:
                obj.label = new[obj.label]
        problems.note(f'classes collected from the labels (sorted; pass --classes to choose the '
                      f'order): {names}')
        return names
