"""A dataset folder in the layout our configs read, described by its ``meta.json``.

Written by ``tools/convert_dataset.py`` (a user's data in YOLO / VOC / COCO / DOTA / YOLO-OBB
form) and by ``tools/make_synthetic_dataset.py``:

- ``'coco'`` (axis-aligned): ``annotations/instances_{train,val}.json`` + ``{train,val}/`` images;
- ``'dota'`` (oriented): ``{train,val}/labelTxt/*.txt`` + ``{train,val}/images/``.

``meta.json`` holds the class names (in label order) and the format; the benchmark tools read
the classes from it, so no config is edited per dataset.
"""
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Tuple, Union

FORMATS = ('coco', 'dota')
CONVERT_HINT = ('convert your data with tools/convert_dataset.py (YOLO, Pascal VOC, COCO, DOTA '
                'or YOLO-OBB labels) and pass the folder it writes')


@dataclass(frozen=True)
class DatasetFolder:
    """A converted dataset: where it is, its format, its classes and a hash of its labels.

    Attributes:
        root: the folder (with ``meta.json``).
        format: ``'coco'`` or ``'dota'``.
        classes: class names in label order.
        fingerprint: SHA-1 (12 hex digits) of the format, the classes and every training /
            validation label file: a cached model trained on other labels is not reused.
        img_suffix: image file extension of a ``'dota'`` folder (mmrotate's ``DOTADataset``
            looks for ``.png`` unless told), None for ``'coco'``.
    """
    root: Path
    format: str
    classes: Tuple[str, ...]
    fingerprint: str
    img_suffix: Optional[str] = None

    @property
    def name(self) -> str:
        return self.root.resolve().name

    def label_files(self) -> List[Path]:
        """The training and validation label files (annotation JSONs or labelTxt files)."""
        if self.format == 'coco':
            return [self.root / 'annotations' / f'instances_{split}.json'
                    for split in ('train', 'val')]
        return [path for split in ('train', 'val')
                for path in sorted((self.root / split / 'labelTxt').glob('*.txt'))]


def read_dataset_folder(root: Union[str, Path]) -> DatasetFolder:
    """Read ``root/meta.json`` and check the layout its format needs.

    Raises:
        FileNotFoundError: no folder, no ``meta.json`` or a missing split (with the fix).
        ValueError: ``meta.json`` without classes or with an unknown format.
    """
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f'--data {root} does not exist (or is not a folder); '
                                f'{CONVERT_HINT}')
    meta_file = root / 'meta.json'
    if not meta_file.is_file():
        raise FileNotFoundError(f'--data {root}: no meta.json in it; {CONVERT_HINT}')
    meta = json.loads(meta_file.read_text(encoding='utf-8'))
    fmt = meta.get('format', 'coco')
    if fmt not in FORMATS:
        raise ValueError(f'{meta_file}: format {fmt!r} is not one of {FORMATS}; {CONVERT_HINT}')
    classes = tuple(meta.get('classes') or ())
    if not classes:
        raise ValueError(f'{meta_file} lists no classes; {CONVERT_HINT}')
    needed = ([root / 'annotations' / f'instances_{s}.json' for s in ('train', 'val')]
              if fmt == 'coco' else
              [root / s / sub for s in ('train', 'val') for sub in ('images', 'labelTxt')])
    missing = [str(path) for path in needed if not path.exists()]
    if missing:
        raise FileNotFoundError(f'--data {root} ({fmt} format) lacks {missing}: a training and a '
                                f'validation split are needed; {CONVERT_HINT} (with '
                                '--split-ratio if your data has one split)')
    digest = hashlib.sha1(json.dumps([fmt, classes]).encode())
    folder = DatasetFolder(root, fmt, classes, '')
    for path in folder.label_files():
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    suffix = meta.get('img_suffix', 'png') if fmt == 'dota' else None
    folder = DatasetFolder(root, fmt, classes, digest.hexdigest()[:12], suffix)
    for split in ('train', 'val'):
        if count_boxes(folder, split) == 0:
            raise ValueError(f'--data {root}: the {split} split has no box, so there is nothing '
                             f'to {"learn" if split == "train" else "evaluate"}; check the '
                             'conversion summary (a wrong --format or label folder?)')
    return folder


def count_boxes(folder: DatasetFolder, split: str) -> int:
    """Number of boxes in a split (COCO annotations or DOTA label lines)."""
    if folder.format == 'coco':
        ann_file = folder.root / 'annotations' / f'instances_{split}.json'
        return len(json.loads(ann_file.read_text(encoding='utf-8')).get('annotations', []))
    return sum(1 for path in (folder.root / split / 'labelTxt').glob('*.txt')
               for line in path.read_text(encoding='utf-8').splitlines()
               if len(line.split()) >= 9)
