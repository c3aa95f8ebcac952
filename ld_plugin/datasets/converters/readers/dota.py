"""DOTA labelTxt: ``x1 y1 x2 y2 x3 y3 x4 y4 class [difficult]`` in pixels, one object a line,
optionally after ``imagesource:`` / ``gsd:`` header lines."""
from __future__ import annotations

from pathlib import Path
from typing import List, Optional, Sequence

import numpy as np

from ..records import Dataset, ImageRecord, Location, Obj, Problems
from .classes import ClassNames
from .common import ReadOptions, parse_floats, parse_int, read_text_dataset

__all__ = ['read_dota']

_HEADERS = ('imagesource:', 'gsd:')
_LAYOUT = '(x1 y1 x2 y2 x3 y3 x4 y4 class [difficult])'


def _is_number(token: str) -> bool:
    try:
        float(token)
    except ValueError:
        return False
    return True


def _leading_numbers(tokens: Sequence[str]) -> int:
    """How many tokens at the start of the line are numbers."""
    count = 0
    while count < len(tokens) and _is_number(tokens[count]):
        count += 1
    return count


def _layout_error(tokens: List[str], where: Location, problems: Problems) -> bool:
    """Record what is wrong with a line that is not ``8 numbers, class [difficult]``, in the
    words that fit the usual mistakes; ``False`` when the layout is right."""
    numbers = _leading_numbers(tokens)
    tail = tokens[numbers:]
    if numbers < 8 and sum(_is_number(t) for t in tail[1:]) > 1:
        return parse_floats(tokens[:8], where, problems, 'coordinates') is None  # '10 x 30 ...'
    if numbers != 8:
        what = 'fewer than 4 points' if numbers < 8 else 'more than 4 points'
        problems.error(where, f'{len(tokens)} fields ({what}): expected 8 coordinates, found '
                       f'{numbers} numbers {_LAYOUT}', 'fix or remove the line')
    elif not tail:
        problems.error(where, f'no class name after the 8 coordinates {_LAYOUT}',
                       'add the class name')
    elif len(tail) > 2 and not any(_is_number(t) for t in tail[:-1]):
        name = tail[:-1] if _is_number(tail[-1]) else tail
        problems.error(where, f'class name {" ".join(name)!r} contains spaces: class names in '
                       'DOTA labelTxt cannot contain spaces', f'write it {"_".join(name)}')
    elif len(tail) > 2:
        problems.error(where, f'{len(tokens)} fields (too many), expected 9 or 10 {_LAYOUT}',
                       'fix or remove the line')
    else:
        return False
    return True


def _difficult(tail: List[str], where: Location, problems: Problems) -> Optional[int]:
    """The difficulty after the class name (0 when absent); ``None`` and a fatal problem when
    it is not an integer (a class name with a space reads as ``class difficult`` too)."""
    if len(tail) == 1:
        return 0
    if not _is_number(tail[1]):
        problems.error(where, f'difficult {tail[1]!r} is not an integer (or is {" ".join(tail)!r}'
                       ' one class name? class names in DOTA labelTxt cannot contain spaces)',
                       f'give 0 or 1 after the class name, or write the class {"_".join(tail)}')
        return None
    return parse_int(tail[1], where, problems, 'difficult')


def read_dota(src: Path, opts: ReadOptions, problems: Problems) -> Dataset:
    """Read a DOTA dataset (see ``tools/convert_dataset.py --help``). Classes are ``--classes``
    or the names in the labels, sorted."""
    names = ClassNames(opts.classes)

    def parse(lines: List[str], record: ImageRecord, shown: str, probs: Problems) -> None:
        for number, line in enumerate(lines, 1):
            tokens = line.split()
            if not tokens or tokens[0].lower().startswith(_HEADERS):
                continue
            where = Location(shown, line=number)
            if _layout_error(tokens, where, probs):
                continue
            coords = parse_floats(tokens[:8], where, probs, 'coordinates')
            difficult = _difficult(tokens[8:], where, probs)
            label = names.index(tokens[8], where, probs)
            if coords is None or difficult is None or label is None:
                continue
            record.objects.append(Obj(label, np.asarray(coords, dtype=np.float64), where,
                                      difficult=difficult))

    records = read_text_dataset(src, 'dota', 'labelTxt', '.txt', problems, parse)
    return Dataset(task='dota', classes=names.finish(records, problems), images=records)
