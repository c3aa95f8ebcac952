"""Finding image files, checking that they decode, and reading their size."""
from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Optional, Tuple

from PIL import Image, UnidentifiedImageError

from .records import Problems

__all__ = ['IMAGE_EXTENSIONS', 'list_images', 'index_by_stem', 'probe_image']

#: File extensions taken as images (compared lower-case).
IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff', '.webp')

_ORIENTATION_TAG = 0x0112  # EXIF orientation; 5..8 are rotations by 90 degrees


def list_images(folder: Path) -> List[Path]:
    """Image files directly in ``folder``, sorted by name (``[]`` if it does not exist)."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir()
                  if p.is_file() and p.suffix.lower() in IMAGE_EXTENSIONS)


def index_by_stem(images: List[Path], problems: Problems) -> Dict[str, Path]:
    """``{stem: path}``; two images with one stem (``a.jpg``, ``a.png``) are a fatal problem,
    since a label file ``a.txt`` could belong to either."""
    index: Dict[str, Path] = {}
    for path in images:
        if path.stem in index:
            problems.error(path, f'two images share the name {path.stem!r} ({index[path.stem].name}'
                           f' and {path.name})', 'rename or remove one of them')
        else:
            index[path.stem] = path
    return index


def probe_image(path: Path, problems: Problems) -> Optional[Tuple[Tuple[int, int], int]]:
    """``((width, height), exif_orientation)`` of an image; width and height are as displayed
    (swapped for EXIF orientations 5-8, which cv2 applies on loading).

    The image is decoded in full once (``Image.load()``, a few ms at dataset sizes): a file
    that cannot be read or decoded to the end (a truncated JPEG, whose header alone looks
    fine) is a fatal problem naming the file (returns ``None``), rather than a training crash
    or a silently grey image later.
    """
    try:
        with Image.open(path) as img:
            width, height = img.size
            try:
                orientation = int(img.getexif().get(_ORIENTATION_TAG, 1) or 1)
            except Exception:  # a broken EXIF block: treat as upright, as most loaders do
                orientation = 1
            img.load()
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError,
            SyntaxError) as err:
        problems.error(path, f'cannot read the image ({err})',
                       'replace the file with a valid image or remove it and its label')
        return None
    if orientation in (5, 6, 7, 8):
        width, height = height, width
    return (width, height), orientation
