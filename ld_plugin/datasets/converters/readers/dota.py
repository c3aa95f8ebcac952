"""DOTA labelTxt: ``x1 y1 x2 y2 x3 y3 x4 y4 class [difficult]`` in pixels, one object a line,
optionally after ``imagesource:`` / ``gsd:`` header lines."""
from __future__ import annotations

from pathlib import Path
from typing import List

import numpy as np

from ..records import Dataset, ImageRecord, Location, Obj, Problems
from .classes import ClassNames
from .common import ReadOptions, parse_floats, parse_int, read_text_dataset

__all__ = ['read_dota']

_HEADERS = ('imagesource:', 'gsd:')


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
            if len(tokens) not in (9, 10):
                what = ('fewer than 4 points' if len(tokens) < 9 else 'too many fields')
                probs.error(where, f'{len(tokens)} fields ({what}), expected 9 or 10 '
                            '(x1 y1 x2 y2 x3 y3 x4 y4 class [difficult])', 'fix or remove the line')
                continue
            coords = parse_floats(tokens[:8], where, probs, 'coordinates')
            difficult = parse_int(tokens[9], where, probs, 'difficult') if len(tokens) == 10 else 0
            label = names.index(tokens[8], where, probs)
            if coords is None or difficult is None or label is None:
                continue
            record.objects.append(Obj(label, np.asarray(coords, dtype=np.float64), where,
                                      difficult=difficult))

    records = read_text_dataset(src, 'labelTxt', '.txt', problems, parse)
    return Dataset(task='dota', classes=names.finish(records, problems), images=records)
