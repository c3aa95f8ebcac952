"""The conversion pipeline: read -> validate (stop on fatal problems) -> splits -> fit every
object to its written image -> write atomically -> summary."""
from __future__ import annotations

import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple, Union

from .geometry import fit_object, target_size
from .readers import READERS, ReadOptions
from .readers.hints import parent_hint
from .records import DROP_REASONS, ConversionError, Dataset, ImageRecord, Obj, Problems
from .splits import SPLITS, check_ratios, choose_splits
from .summary import build_summary, format_summary
from .writers import (
    OutputImage,
    check_output,
    coco_dict,
    dota_lines,
    image_dir,
    image_format,
    layout_of,
    staged_output,
    write_image,
    write_json,
)

__all__ = ['FORMAT_VERSION', 'ConvertOptions', 'convert']

#: Version of the output layout and meta.json fields.
FORMAT_VERSION = 1

PathLike = Union[str, Path]


@dataclass
class ConvertOptions:
    """Options of :func:`convert` (the CLI flags of the same names).

    Attributes:
        classes: class names in order (``--classes``), or ``None`` for the dataset's own.
        max_size: longest side of written images in pixels; larger images are shrunk.
        split_ratio: ``[train, val]`` or ``[train, val, test]`` fractions to (re-)split all
            images; ``None`` keeps the input's splits.
        seed: seed of the ratio split.
        skip_difficult: drop VOC/DOTA objects marked difficult.
        min_size: drop boxes whose width or height (a polygon: the short side of its
            minimum-area rectangle) is under this in the written image (pixels).
        overwrite: replace an output folder that holds an earlier conversion.
    """
    classes: Optional[List[str]] = None
    max_size: Optional[int] = None
    split_ratio: Optional[List[float]] = None
    seed: int = 0
    skip_difficult: bool = False
    min_size: float = 1.0
    overwrite: bool = False

    def validate(self) -> None:
        """Raise :class:`ConversionError` on a bad value, naming the flag."""
        if self.max_size is not None and self.max_size < 8:
            raise ConversionError(f'--max-size must be >= 8, got {self.max_size}')
        if self.min_size < 0:
            raise ConversionError(f'--min-size must be >= 0, got {self.min_size}')
        if self.split_ratio is not None:
            try:
                self.split_ratio = check_ratios(self.split_ratio)
            except ValueError as err:
                raise ConversionError(str(err)) from None


def _output_name(record: ImageRecord, suffix: Optional[str], taken: set,
                 problems: Problems) -> str:
    """File name in the output split: the source name (DOTA: the common ``suffix``), prefixed
    by the source split folder, then numbered, when it clashes (DOTA: the same stem, since the
    label file is ``STEM.txt``)."""
    stem, ext = record.path.stem, suffix or record.path.suffix

    def key(candidate: str) -> str:
        return candidate if suffix else candidate + ext

    candidate = stem
    if key(candidate) in taken:
        candidate = f'{record.origin}_{stem}' if record.origin else stem
        number = 1
        while key(candidate) in taken:
            candidate, number = f'{stem}_{number}', number + 1
        problems.repair('renamed', f'{record.path.name} -> {candidate + ext}', record.split)
    taken.add(key(candidate))
    return candidate + ext


def _fit(record: ImageRecord, size, options: ConvertOptions, problems: Problems) -> List[Obj]:
    """The record's objects in written-image pixels, after the geometry rules (counted)."""
    width, height = record.size
    sx, sy = size[0] / width, size[1] / height
    kept = []
    for obj in record.objects:
        if options.skip_difficult and obj.difficult:
            problems.repair('difficult', obj.where, record.split, obj.label)
            continue
        result = fit_object(obj.coords, width, height, sx, sy, options.min_size)
        if result.event is not None:
            problems.repair(result.event, obj.where, record.split, obj.label)
        if result.coords is not None:
            kept.append(Obj(obj.label, result.coords, obj.where, obj.difficult, obj.crowd))
    return kept


def _check_boxes(splits: Dict[str, List[OutputImage]], problems: Problems,
                 left_out: Tuple[int, int]) -> None:
    """Not one box to write is an error (labels unread, or all dropped), naming the drops."""
    if any(image.objects for images in splits.values() for image in images):
        return
    drops = [f'{why}: {problems.counts[reason]}' for reason, why in DROP_REASONS.items()
             if problems.counts.get(reason)]
    read = sum(problems.counts.get(reason, 0) for reason in DROP_REASONS)
    why = f'all {read} boxes read were dropped ({"; ".join(drops)})' if read else \
        'the label files hold no box'
    if left_out[1]:
        why += f'; {left_out[1]} more are in the {left_out[0]} images left out (in no split list)'
    raise ConversionError(f'no box to write: {why}; nothing was written. Check the labels, '
                          '--format, --min-size and --skip-difficult')


def _write_image(record: ImageRecord, dst: Path, size: Tuple[int, int]) -> str:
    """:func:`.writers.write_image`, its errors naming the source image."""
    try:
        return write_image(record.path, dst, size, record.orientation)
    except (OSError, ValueError) as err:
        raise OSError(f'{record.path}: cannot write it to {dst.name} ({err})') from err


def _dota_suffix(dataset: Dataset) -> Optional[str]:
    """mmrotate's DOTADataset finds images as ``NAME.<img_suffix>``, one suffix per dataset:
    the most common source extension (lower case) for the 'dota' task, ``None`` for 'coco'."""
    if dataset.task != 'dota':
        return None
    counts = Counter(r.path.suffix.lower() for r in dataset.images)
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]


def _progress(total: int, enabled: bool, log: Callable[[str], None]) -> Callable[[], None]:
    """A tick function: mmengine's ProgressBar on a terminal, else a log line every 10 %."""
    if not enabled or total == 0:
        return lambda: None
    if sys.stdout.isatty():
        from mmengine.utils import ProgressBar
        return ProgressBar(total).update
    done = [0]
    step = -(-total // 10)  # ceil: a line per 10 %

    def tick() -> None:
        done[0] += 1
        if done[0] % step == 0 or done[0] == total:
            log(f'[convert] {done[0]}/{total} images written ({100 * done[0] // total}%)')

    return tick


def convert(fmt: str, src: PathLike, out: PathLike, options: Optional[ConvertOptions] = None,
            progress: bool = False, log: Callable[[str], None] = print) -> dict:
    """Convert the dataset at ``src`` in format ``fmt`` (a key of ``READERS``) to ``out``.

    Fatal input problems are all collected and raised together as :class:`ConversionError`
    before anything is written; so are bad options and an existing non-empty ``out`` (without
    ``options.overwrite``). The output is written to ``OUT.tmp-XXXX`` and renamed into place.

    Returns:
        the ``meta.json`` dict (``summary`` holds :func:`build_summary`'s counts), plus
        ``seconds`` and ``text`` (the printed summary).
    """
    start = time.perf_counter()
    options = options or ConvertOptions()
    options.validate()
    if fmt not in READERS:
        raise ConversionError(f'--format must be one of {list(READERS)}, got {fmt!r}')
    src, out = Path(src), Path(out)
    if not src.is_dir():
        raise ConversionError(f'--src {src} is not a folder')
    check_output(out, src, options.overwrite)
    problems = Problems()
    dataset = READERS[fmt](src, ReadOptions(classes=options.classes), problems)
    if not dataset.images and not problems.fatal:
        problems.error(src, 'no images found',
                       parent_hint(src) or 'check --src and --format (see --help)')
    problems.check()
    left_out = choose_splits(dataset, options.split_ratio, options.seed, problems,
                             parent_hint(src))

    suffix = _dota_suffix(dataset)
    splits: Dict[str, List[OutputImage]] = {}
    jobs = []
    for split in SPLITS:
        taken: set = set()
        for record in (r for r in dataset.images if r.split == split):
            size = target_size(*record.size, options.max_size)
            name = _output_name(record, suffix, taken, problems)
            splits.setdefault(split, []).append(
                OutputImage(name, size, _fit(record, size, options, problems)))
            jobs.append((record, split, name, size))

    _check_boxes(splits, problems, left_out)
    if 'val' not in splits:
        problems.warn('the output has no val split: tools/benchmark/compare.py trains on train '
                      'and evaluates on val; re-split with --split-ratio 0.8 0.2 (or '
                      '0.7 0.15 0.15 to keep a test split)')
    meta = dict(format_version=FORMAT_VERSION, format=dataset.task, classes=dataset.classes,
                splits={s: len(images) for s, images in splits.items()},
                layout=layout_of(dataset.task),
                source=dict(path=str(src.resolve()), format=fmt, options=asdict(options)))
    if suffix:
        meta['img_suffix'] = suffix.lstrip('.')
    with staged_output(out) as tmp:
        for split in splits:
            (tmp / image_dir(dataset.task, split)).mkdir(parents=True)
        tick = _progress(len(jobs), progress, log)
        for record, split, name, size in jobs:
            action = _write_image(record, tmp / image_dir(dataset.task, split) / name, size)
            if action == 'resized':
                problems.repair('resized', None, split)
            if record.orientation != 1:
                problems.repair('exif_rotated', record.path.name, split)
            elif action == 'reencoded' or (action == 'resized' and image_format(
                    record.path) != image_format(Path(name))):
                problems.repair('reencoded', record.path.name, split)
            tick()
        if progress and sys.stdout.isatty():
            log('')
        if dataset.task == 'coco':
            (tmp / 'annotations').mkdir()
            for split, images in splits.items():
                write_json(tmp / 'annotations' / f'instances_{split}.json',
                           coco_dict(dataset.classes, images))
        else:
            for split, images in splits.items():
                labels = tmp / split / 'labelTxt'
                labels.mkdir()
                for image in images:
                    (labels / f'{Path(image.name).stem}.txt').write_text(
                        dota_lines(dataset.classes, image.objects), encoding='utf-8')
        meta['summary'] = build_summary(dataset.classes, splits, problems, left_out)
        meta['notes'] = list(problems.notes)
        meta['warnings'] = list(problems.warnings)
        write_json(tmp / 'meta.json', meta, indent=2)
    seconds = time.perf_counter() - start
    text = format_summary(meta['summary'])
    return dict(meta, seconds=seconds, text=text)

