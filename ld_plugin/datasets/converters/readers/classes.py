"""Class lists: ``--classes``, YOLO's ``data.yaml`` / ``classes.txt``, or names collected from
the labels (VOC, DOTA)."""
from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import yaml

from ..records import ImageRecord, Location, Problems
from .common import UTF8_FIX, decode_error_position, read_lines, rel

__all__ = ['parse_classes_arg', 'read_yolo_names', 'ClassNames', 'dota_safe_names', 'duplicated']


def duplicated(names: Sequence[str]) -> List[str]:
    """The names that occur more than once in ``names``, sorted."""
    return sorted({n for n in names if names.count(n) > 1})


def parse_classes_arg(values: Optional[Sequence[str]]) -> Optional[List[str]]:
    """``--classes``: names on the command line, or one path to a text file with one name per
    line (blank lines ignored). Raises ``ValueError`` on an empty or duplicated list or a file
    that is not UTF-8 (naming the file and the line)."""
    if not values:
        return None
    names = list(values)
    if len(names) == 1 and Path(names[0]).is_file():
        try:
            lines = Path(names[0]).read_text(encoding='utf-8-sig').splitlines()
        except UnicodeDecodeError as err:
            line, byte = decode_error_position(err)
            raise ValueError(f'--classes {names[0]}:{line}: not UTF-8 text ({byte}); '
                             f'{UTF8_FIX}') from None
        names = [line.strip() for line in lines if line.strip()]
    if not names:
        raise ValueError('--classes: the class list is empty')
    if duplicated(names):
        raise ValueError(f'--classes: duplicated class names {duplicated(names)}')
    return names


def _load_yaml(path: Path) -> Tuple[Optional[dict], str]:
    """``(the YAML's mapping, '')``, or ``(None, why it cannot be used)``."""
    try:
        data = yaml.safe_load(path.read_text(encoding='utf-8-sig'))
    except UnicodeDecodeError as err:
        return None, f'not UTF-8 text ({decode_error_position(err)[1]})'
    except (OSError, yaml.YAMLError) as err:
        return None, f'cannot parse the YAML ({" ".join(str(err).split())})'
    if not isinstance(data, dict) or 'names' not in data:
        return None, "no 'names'"
    return data, ''


def _names_from_yaml(data: dict, shown: str, problems: Problems) -> Optional[List[str]]:
    """``names`` of an ultralytics dataset YAML: a list, or a dict ``{id: name}`` with ids
    ``0..C-1``. A malformed or duplicated list is a fatal problem."""
    names = data['names']
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
    if not _distinct(names, shown, problems):
        return None
    if isinstance(data.get('nc'), int) and data['nc'] != len(names):
        problems.note(f'{shown}: nc is {data["nc"]} but {len(names)} names are given; '
                      'the names are used')
    return names


def _distinct(names: List[str], shown: str, problems: Problems) -> bool:
    """``False`` and a fatal problem when a class name occurs twice (the class ids would merge
    into one class)."""
    if duplicated(names):
        problems.error(shown, f'duplicated class names {duplicated(names)} in {names}',
                       'give every class id its own name (labels refer to classes by id)')
        return False
    return True


def read_yolo_names(src: Path, problems: Problems) -> Tuple[Optional[List[str]], str, List[str]]:
    """Class names of a YOLO dataset, the file they come from, and the files tried before
    (each with why it was not used).

    Tried in turn: ``SRC/data.yaml``, the other ``SRC/*.yaml`` / ``*.yml`` that have ``names``
    (an unrelated YAML such as ``args.yaml`` is passed over), then a ``classes.txt`` (in SRC or
    a labels folder, as labelImg writes it). ``(None, '', tried)`` when none has names; a file
    with broken or duplicated names is a fatal problem.
    """
    yamls = sorted(p for p in list(src.glob('*.yaml')) + list(src.glob('*.yml')) if p.is_file())
    yamls.sort(key=lambda p: p.name != 'data.yaml')
    tried: List[str] = []
    for path in yamls:
        data, why = _load_yaml(path)
        if data is None:
            tried.append(f'{rel(path, src)} ({why})')
            continue
        names = _names_from_yaml(data, rel(path, src), problems)
        return _found(names, rel(path, src), tried, problems)
    candidates = [src / 'classes.txt', src / 'labels' / 'classes.txt']
    candidates += sorted(src.glob('*/labels/classes.txt'))
    candidates += sorted(src.glob('labels/*/classes.txt'))
    for path in candidates:
        if path.is_file():
            lines = read_lines(path, problems, src, what='the class list')
            names = [ln.strip() for ln in lines or [] if ln.strip()]
            if lines is None or not names:
                tried.append(f'{rel(path, src)} ({"unreadable" if lines is None else "empty"})')
                continue
            return _found(names if _distinct(names, rel(path, src), problems) else None,
                          rel(path, src), tried, problems)
    return None, '', tried


def _found(names: Optional[List[str]], shown: str, tried: List[str],
           problems: Problems) -> Tuple[Optional[List[str]], str, List[str]]:
    if names is not None:
        passed = f' (passed over: {"; ".join(tried)})' if tried else ''
        problems.note(f'classes from {shown}: {names}{passed}')
    return names, shown if names is not None else '', tried


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
        by_case: Dict[str, List[str]] = {}
        for name in names:
            by_case.setdefault(name.lower(), []).append(name)
        clashes = [group for group in by_case.values() if len(group) > 1]
        if clashes:
            problems.note(f'class names differing only by case are kept as separate classes: '
                          f'{clashes}; if they are one class, give them one spelling in the '
                          'labels')
        return names
