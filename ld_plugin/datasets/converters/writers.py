"""Writing the converted dataset: images (copied, or resized / re-encoded with PIL), COCO JSON,
DOTA labelTxt, ``meta.json``, all into a temporary folder renamed into place at the end.

Layouts (what the configs read)::

    2D (task 'coco'):  OUT/annotations/instances_{split}.json   OUT/{split}/NAME.jpg
    rotated ('dota'):  OUT/{split}/images/NAME.jpg   OUT/{split}/labelTxt/NAME.txt
    both:              OUT/meta.json
"""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, List, Optional, Sequence, Tuple

from PIL import Image, ImageOps

from .records import ConversionError, Obj

__all__ = ['OutputImage', 'JPEG_QUALITY', 'image_format', 'check_output', 'staged_output',
           'write_image', 'coco_dict', 'dota_lines', 'write_json', 'image_dir', 'layout_of',
           'is_previous_output']

#: JPEG (and WebP) quality of re-encoded images.
JPEG_QUALITY = 95

_FORMATS = {'.jpg': 'JPEG', '.jpeg': 'JPEG', '.png': 'PNG', '.bmp': 'BMP', '.tif': 'TIFF',
            '.tiff': 'TIFF', '.webp': 'WEBP'}


@dataclass
class OutputImage:
    """One image as written: file name in its split folder, ``(width, height)`` of the written
    image, objects with coordinates in written-image pixels."""
    name: str
    size: Tuple[int, int]
    objects: List[Obj] = field(default_factory=list)


def image_format(path: Path) -> str:
    """PIL format name implied by a file extension (``'.jpeg'`` -> ``'JPEG'``)."""
    return _FORMATS.get(path.suffix.lower(), path.suffix.lower().lstrip('.').upper())


def image_dir(task: str, split: str) -> str:
    """Folder of a split's images, relative to OUT."""
    return f'{split}/images' if task == 'dota' else split


def layout_of(task: str) -> dict:
    """How to point an mmdet / mmrotate dataset config at the output (stored in meta.json)."""
    if task == 'dota':
        return dict(ann_file='{split}/labelTxt/', img_path='{split}/images/')
    return dict(ann_file='annotations/instances_{split}.json', img_path='{split}/')


def is_previous_output(folder: Path) -> bool:
    """Whether ``folder`` holds a conversion written by this tool (``meta.json`` with
    ``format_version``): the only non-empty folder ``--overwrite`` replaces."""
    try:
        meta = json.loads((folder / 'meta.json').read_text(encoding='utf-8'))
    except (OSError, ValueError):
        return False
    return isinstance(meta, dict) and 'format_version' in meta


def check_output(out: Path, src: Path, overwrite: bool) -> None:
    """Refuse an output that is the current folder or one of its parents, overlaps the input,
    is a file, or exists and is not empty: with ``overwrite`` a non-empty folder is replaced
    only when it is an earlier conversion (:func:`is_previous_output`). Raises
    :class:`ConversionError` naming the folder."""
    out_r, src_r, cwd = out.resolve(), src.resolve(), Path.cwd().resolve()
    if out_r == cwd or out_r in cwd.parents:
        raise ConversionError(f'--out {out} is the current folder or contains it ({out_r}); the '
                              'output is written as a new folder that replaces --out as a whole: '
                              'give a new folder, e.g. --out data/mine')
    if out_r == src_r or src_r in out_r.parents or out_r in src_r.parents:
        raise ConversionError(f'--out {out} overlaps --src {src}; write the output elsewhere')
    if out.exists() and not out.is_dir():
        raise ConversionError(f'--out {out} is a file; choose a folder')
    if not out.is_dir() or not any(out.iterdir()):
        return
    if not overwrite:
        raise ConversionError(f'--out {out} exists and is not empty; pass --overwrite to '
                              'replace it or choose another folder')
    if not is_previous_output(out):
        raise ConversionError(f'--out {out} is not empty and is not an earlier conversion (no '
                              'meta.json with format_version): --overwrite only replaces an '
                              'earlier output or an empty folder; choose another folder')


def _missing_folders(folder: Path) -> List[Path]:
    """``folder`` and its ancestors that do not exist yet, deepest first."""
    missing = []
    while not folder.exists() and folder.parent != folder:
        missing.append(folder)
        folder = folder.parent
    return missing


def _replace(tmp: Path, out: Path) -> None:
    """Move ``tmp`` to ``out``; an existing ``out`` is moved aside first and deleted after (or
    put back when the move fails)."""
    if not out.exists():
        os.replace(tmp, out)
        return
    old = Path(tempfile.mkdtemp(prefix=f'{out.name}.old-', dir=out.parent))
    moved = False
    try:
        os.replace(out, old / out.name)
        moved = True
        os.replace(tmp, out)
    except BaseException:
        if moved and not out.exists():
            os.replace(old / out.name, out)
        shutil.rmtree(old, ignore_errors=True)
        raise
    shutil.rmtree(old, ignore_errors=True)


@contextlib.contextmanager
def staged_output(out: Path) -> Iterator[Path]:
    """Yield a fresh ``OUT.tmp-XXXX`` folder beside ``out``; when the block succeeds it replaces
    ``out`` (an old ``out`` is moved aside first, then deleted). When it fails (an error,
    Ctrl-C) it is deleted, and so are the parent folders of ``out`` it had to create."""
    created = _missing_folders(out.parent)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f'{out.name}.tmp-', dir=out.parent))
    try:
        yield tmp
        _replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        for folder in created:
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise


def write_image(src: Path, dst: Path, size: Tuple[int, int], orientation: int = 1) -> str:
    """Write ``src`` to ``dst`` at ``size`` ``(width, height)``.

    A file that needs no change (same size, upright, same format) is copied byte for byte;
    otherwise it is decoded (JPEG at a reduced DCT scale when shrinking), turned upright
    (EXIF), resized with Lanczos and saved in the format of ``dst``'s extension (JPEG/WebP at
    quality ``JPEG_QUALITY``).

    Returns:
        ``'copied'``, ``'resized'`` or ``'reencoded'`` (same size, new format or upright).
    """
    with Image.open(src) as img:
        swapped = orientation in (5, 6, 7, 8)
        shown = img.size[::-1] if swapped else img.size
        if shown == tuple(size) and orientation == 1 and image_format(src) == image_format(dst):
            shutil.copyfile(src, dst)
            return 'copied'
        if img.format == 'JPEG' and shown != tuple(size):
            img.draft(None, tuple(size[::-1]) if swapped else tuple(size))
        out = ImageOps.exif_transpose(img) if orientation != 1 else img
        fmt = image_format(dst)
        if fmt in ('JPEG', 'WEBP') and out.mode not in ('RGB', 'L'):
            out = out.convert('RGB')
        if out.size != tuple(size):
            out = out.resize(tuple(size), Image.Resampling.LANCZOS)
        kwargs = dict(quality=JPEG_QUALITY) if fmt in ('JPEG', 'WEBP') else {}
        out.save(dst, format=fmt, **kwargs)
    return 'resized' if shown != tuple(size) else 'reencoded'


def _r(value: float) -> float:
    return round(float(value), 2)


def coco_dict(classes: Sequence[str], images: Sequence[OutputImage]) -> dict:
    """COCO dict: image and annotation ids from 1, category ids ``1..C`` in class order, bbox
    ``[x, y, w, h]`` and ``area = w * h`` in written-image pixels (2 decimals), ``iscrowd``
    from the input (0 unless a COCO input said otherwise), ``segmentation`` ``[]``."""
    out_images, annotations = [], []
    for image_id, image in enumerate(images, 1):
        out_images.append(dict(id=image_id, file_name=image.name, width=image.size[0],
                               height=image.size[1]))
        for obj in image.objects:
            x1, y1, x2, y2 = obj.coords
            w, h = x2 - x1, y2 - y1
            annotations.append(dict(id=len(annotations) + 1, image_id=image_id,
                                    category_id=obj.label + 1,
                                    bbox=[_r(x1), _r(y1), _r(w), _r(h)], area=_r(w * h),
                                    iscrowd=int(obj.crowd), segmentation=[]))
    return dict(info=dict(description='converted by ld_plugin tools/convert_dataset.py'),
                licenses=[], images=out_images, annotations=annotations,
                categories=[dict(id=i + 1, name=c, supercategory='none')
                            for i, c in enumerate(classes)])


def dota_lines(classes: Sequence[str], objects: Sequence[Obj]) -> str:
    """DOTA labelTxt content: ``x1 y1 x2 y2 x3 y3 x4 y4 class difficult`` per object (pixels of
    the written image, 2 decimals); mmrotate's ``DOTADataset`` needs the difficult field."""
    return ''.join(' '.join(f'{v:.2f}' for v in obj.coords) +
                   f' {classes[obj.label]} {int(obj.difficult)}\n' for obj in objects)


def write_json(path: Path, data: dict, indent: Optional[int] = None) -> None:
    """Write ``data`` as UTF-8 JSON."""
    with open(path, 'w', encoding='utf-8') as f:
        json.dump(data, f, indent=indent, ensure_ascii=False)
