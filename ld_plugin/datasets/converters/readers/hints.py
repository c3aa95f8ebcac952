"""Hints for an input that does not look like its ``--format``: label files of another supported
format (``labelTxt/`` for DOTA, ``labels/`` for YOLO, ``Annotations/*.xml`` for VOC, COCO JSON),
and a ``--src`` that is one of the dataset's inner folders (a split, ``images``,
``Annotations``, ...) rather than its root.

Only looked at when a fatal problem is reported, so the folder scan (``--src`` and two levels
below it) costs nothing on a good input.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator, List, Optional, Sequence, Tuple

from ..records import Problems
from ..splits import canonical_split

__all__ = ['format_hint', 'inner_folder_parent', 'parent_hint', 'folders_beside',
           'report_unlabelled']

#: Folder names that sit inside a dataset (never its root), for :func:`inner_folder_parent`.
_INNER_NAMES = ('images', 'labels', 'labeltxt', 'annotations', 'jpegimages', 'imagesets')


def _subfolders(folder: Path) -> List[Path]:
    """The folders directly in ``folder``, sorted (none when it cannot be listed)."""
    try:
        return sorted(child for child in folder.iterdir() if child.is_dir())
    except OSError:
        return []


def _folders(src: Path, depth: int = 2) -> Iterator[Path]:
    """``src`` and the folders up to ``depth`` levels below it, sorted per level."""
    level = [src]
    for _ in range(depth + 1):
        yield from level
        level = [child for folder in level for child in _subfolders(folder)]


def _first_text_line(folder: Path) -> List[str]:
    """The fields of the first non-empty line of the first ``*.txt`` label in ``folder``."""
    for path in sorted(folder.glob('*.txt')):
        if path.name == 'classes.txt':
            continue
        try:
            with open(path, encoding='utf-8', errors='replace') as f:
                for line in f:
                    if line.split():
                        return line.split()
        except OSError:
            continue
    return []


def _evidence(src: Path) -> List[Tuple[str, str]]:
    """``(format, what was found)`` for every label layout of a supported format under
    ``src`` (at most one entry per format, the first folder found)."""
    found = {}
    for folder in _folders(src):
        shown = os.path.relpath(folder, src)
        name = folder.name
        if name == 'labelTxt' and any(folder.glob('*.txt')):
            found.setdefault('dota', f'{shown}/*.txt (DOTA labelTxt)')
        elif name == 'labels' and any(p.name != 'classes.txt' for p in folder.glob('*.txt')):
            fields = len(_first_text_line(folder))
            fmt = 'yolo-obb' if fields == 9 else 'yolo'
            found.setdefault(fmt, f'{shown}/*.txt ({fields} fields a line)')
        elif name == 'Annotations' and any(folder.glob('*.xml')):
            found.setdefault('voc', f'{shown}/*.xml (Pascal VOC)')
        if any(folder.glob('instances_*.json')) or (folder / '_annotations.coco.json').is_file():
            found.setdefault('coco', f'{shown}/*.json (COCO)')
    return sorted(found.items())


def format_hint(src: Path, fmt: str) -> Optional[str]:
    """``'found train/labelTxt/*.txt (DOTA labelTxt): --format dota is probably meant'`` when
    ``src`` holds the labels of another supported format than ``fmt``; else ``None``."""
    others = [(f, what) for f, what in _evidence(src) if f != fmt]
    if not others:
        return None
    found = '; '.join(what for _, what in others)
    meant = ' or '.join(f'--format {f}' for f, _ in others)
    return f'found {found}: {meant} is probably meant'


def inner_folder_parent(src: Path) -> Optional[Path]:
    """The dataset root when ``src`` looks like one of its inner folders: a split folder
    (``train``, ``valid``, ...) holding ``images/``, or an ``images`` / ``labels`` /
    ``labelTxt`` / ``Annotations`` / ``JPEGImages`` / ``annotations`` folder (two levels at
    most: ``train/images`` -> its grandparent), written like ``src`` (relative when it is).
    ``None`` when ``src`` looks like a root."""
    path, levels = Path(os.path.abspath(src)), 0
    while levels < 2 and path.parent != path and (
            path.name.lower() in _INNER_NAMES or (canonical_split(path.name) is not None and any(
                (path / sub).is_dir() for sub in ('images', 'labels', 'labelTxt')))):
        path, levels = path.parent, levels + 1
    if not levels:
        return None
    given = Path(os.path.normpath(src))
    if len(given.parts) > levels and '..' not in given.parts[-levels:]:
        return given.parents[levels - 1]
    return path


def parent_hint(src: Path) -> Optional[str]:
    """``'--src X looks like ... pass the dataset root, --src Y'``, or ``None`` (see
    :func:`inner_folder_parent`)."""
    root = inner_folder_parent(src)
    if root is None:
        return None
    return (f'--src {src} looks like a split or label folder inside a dataset: pass the '
            f'dataset root, --src {root}')


def folders_beside(folder: Path, src: Path) -> str:
    """``"train/ holds the folders ['images', 'label']"``: the folders in the nearest existing
    parent of a label folder that is missing (a misnamed one shows there); ``''`` outside
    ``src``."""
    parent = folder.parent
    while not parent.is_dir() and parent != src and src in parent.parents:
        parent = parent.parent
    if parent != src and src not in parent.parents or not parent.is_dir():
        return ''
    names = [p.name for p in _subfolders(parent)]
    shown = 'SRC' if parent == src else os.path.relpath(parent, src)
    return f'{shown}/ holds the folders {names}' if names else f'{shown}/ holds no folder'


def report_unlabelled(problems: Problems, src: Path, fmt: str,
                      unlabelled: Sequence[Tuple[str, int, str]]) -> None:
    """Record the fatal problem "images but not one label file" (labels silently missing turn
    a dataset into empty images): one line per ``(where, image count, what was looked for)``,
    then one line naming the format the files found look like, or the dataset root when
    ``--src`` is an inner folder."""
    for where, count, looked_for in unlabelled:
        problems.error(where, f'{count} images but not one label file (looked for '
                       f'{looked_for})', 'put the labels there (or move the unlabelled images '
                       'out), or check --src and --format (see --help)')
    hint = format_hint(src, fmt) or parent_hint(src)
    if hint:
        problems.error(src, f'no labels where --format {fmt} expects them', hint)
