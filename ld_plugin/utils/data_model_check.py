"""Check the built data against the built model before training or testing starts.

* :func:`find_dataset_model_problems` (run by :class:`ld_plugin.engine.DatasetModelCheckHook`
  before the first iteration): the dataset's classes match every head of the model and of its
  distillation teacher (count and, where a checkpoint recorded them, names), every label indexes
  a class, the dataset is not empty, and the categories of a COCO file map onto
  ``metainfo.classes`` as the config names them.
* :func:`empty_dataset_problems`: the same description for a dataset that mmengine could not
  build because it is empty after filtering.
"""
import json
import mmap
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Set, Tuple

import torch.nn as nn
from mmengine.config import Config

from .dataset_check import leaf_dataset_cfgs
from .teacher_specs import ckpt_key


class DatasetModelMismatchError(ValueError):
    """The data does not match the model or its teacher.

    The message holds one problem per line; each names both sides and the fix.
    """


#: class names a message lists before it abridges the list
SHOWN_NAMES = 12


def _names(names: Sequence) -> str:
    names = [str(name) for name in names]
    if len(names) <= SHOWN_NAMES:
        return repr(names)
    return repr(names[:SHOWN_NAMES - 2])[:-1] + f', ... ({len(names)} in all)]'


def leaf_datasets(dataset: Any, where: str) -> List[Tuple[str, Any]]:
    """``(config path, dataset)`` of every built dataset inside the wrappers around ``dataset``.

    ``RepeatDataset``, ``ClassBalancedDataset`` and ``MultiImageMixDataset`` hold theirs in
    ``.dataset``, ``ConcatDataset`` in ``.datasets``; ``where`` is the path of ``dataset`` in the
    config (e.g. ``'train_dataloader.dataset'``).
    """
    inner = getattr(dataset, 'datasets', None)
    if isinstance(inner, (list, tuple)):
        return [leaf for index, item in enumerate(inner)
                for leaf in leaf_datasets(item, f'{where}.datasets[{index}]')]
    inner = getattr(dataset, 'dataset', None)
    if inner is not None and inner is not dataset:
        return leaf_datasets(inner, f'{where}.dataset')
    return [(where, dataset)]


def distill_teachers(model: nn.Module) -> Dict[str, nn.Module]:
    """The distillation teachers ``model`` keeps outside its module tree (``model.teachers``)
    whose head predictions are used, by name; a teacher that only gives features may have been
    trained on other classes."""
    teachers = model.__dict__.get('teachers') or {}
    needed = getattr(model, 'teacher_heads_needed', {})
    return {name: teacher for name, teacher in teachers.items()
            if isinstance(teacher, nn.Module) and needed.get(name, True)}


def _whose(name: str, teachers: Dict[str, nn.Module]) -> str:
    return 'the teacher' if len(teachers) == 1 else f'the teacher {name!r}'


def class_heads(model: nn.Module) -> List[Tuple[str, nn.Module]]:
    """``(name, module)`` of every module whose ``num_classes`` must be the dataset's class count.

    As mmdet's ``NumClassCheckHook``: each module of the model with a ``num_classes`` except RPN
    heads, ``VGG`` and ``FusedSemanticHead``; then the same modules of the hidden distillation
    teachers (see :func:`distill_teachers`), named ``"the teacher's <name>"`` (``"the
    teacher 'atss''s <name>"`` with several teachers).
    """
    from mmcv.cnn import VGG
    from mmdet.models.roi_heads.mask_heads import FusedSemanticHead

    def heads(module: nn.Module, prefix: str, root: str) -> List[Tuple[str, nn.Module]]:
        return [(prefix + name if name else root, child)
                for name, child in module.named_modules()
                if isinstance(getattr(child, 'num_classes', None), int)
                and not isinstance(child.num_classes, bool) and not name.endswith('rpn_head')
                and not isinstance(child, (VGG, FusedSemanticHead))]

    teachers = distill_teachers(model)
    found = heads(model, 'model.', 'model')
    for name, teacher in teachers.items():
        whose = _whose(name, teachers)
        found += heads(teacher, f"{whose}'s ", whose)
    return found


def coco_categories(ann_file: str, backend_args: Optional[dict] = None) -> Optional[List[dict]]:
    """The ``categories`` of a COCO-format json file, or None when they cannot be read.

    The list is looked up from the end of the file (where COCO writers put it) and decoded
    alone, so a large annotation file is not parsed again; only when that fails is the whole
    file parsed.
    """
    from mmengine.fileio import get_local_path
    try:
        with get_local_path(ann_file, backend_args=backend_args) as path:
            with open(path, 'rb') as file, \
                    mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as data:
                categories = _json_list_after_key(data, b'"categories"')
            if categories is None:
                with open(path, encoding='utf-8') as file:
                    categories = json.load(file).get('categories')
    except (OSError, ValueError, AttributeError):  # unreadable, empty or not a COCO dict
        return None
    if isinstance(categories, list) and all(isinstance(c, dict) and 'id' in c and 'name' in c
                                            for c in categories):
        return categories
    return None


def _json_list_after_key(data: mmap.mmap, key: bytes) -> Optional[list]:
    """The json value after the last ``key`` of ``data``, decoded from growing chunks."""
    start = data.rfind(key)
    colon = data.find(b':', start + len(key)) if start >= 0 else -1
    if colon < 0:
        return None
    decoder, size = json.JSONDecoder(), 1 << 16
    while True:
        chunk = data[colon + 1:colon + 1 + size].decode('utf-8', errors='replace').lstrip()
        try:
            value = decoder.raw_decode(chunk)[0]
            return value if isinstance(value, list) else None
        except json.JSONDecodeError:
            if colon + 1 + size >= len(data):
                return None
            size *= 16


@dataclass
class AnnotationSummary:
    """What :meth:`get_data_info` of a dataset holds, in one pass over its images.

    Attributes:
        images: images of the dataset (after its ``filter_cfg``).
        instances: annotated instances, ignored ones included.
        boxes: instances without ``ignore_flag``, per label in ``per_class``.
        bad_boxes: instances whose ``bbox_label`` is outside ``[0, num_classes)``, in
            ``bad_images`` images, the first of which is ``first_bad_image``.
    """
    images: int = 0
    instances: int = 0
    boxes: int = 0
    per_class: Counter = field(default_factory=Counter)
    bad_boxes: int = 0
    bad_images: int = 0
    bad_labels: Set[int] = field(default_factory=set)
    first_bad_image: Optional[str] = None


def summarize_annotations(dataset: Any, num_classes: Optional[int]) -> AnnotationSummary:
    """Count the images, boxes per label and out-of-range labels (``bbox_label < 0`` or
    ``>= num_classes``) of an mmengine ``BaseDataset`` (``instances`` of its data infos)."""
    summary = AnnotationSummary(images=len(dataset))
    for index in range(summary.images):
        info = dataset.get_data_info(index)
        bad = 0
        for instance in info.get('instances') or ():
            if instance.get('bbox_label') is None:
                continue
            summary.instances += 1
            label = int(instance['bbox_label'])
            if label < 0 or (num_classes is not None and label >= num_classes):
                bad += 1
                summary.bad_labels.add(label)
            if not instance.get('ignore_flag', 0):
                summary.boxes += 1
                summary.per_class[label] += 1
        if bad:
            summary.bad_boxes += bad
            summary.bad_images += 1
            if summary.first_bad_image is None:
                summary.first_bad_image = str(info.get('img_path') or info.get('file_name')
                                              or f'image index {index}')
    return summary


def _class_count_problem(desc: str, where: str, classes: Sequence[str],
                         heads: List[Tuple[str, nn.Module]], training: bool) -> Optional[str]:
    wrong = [(name, head) for name, head in heads if head.num_classes != len(classes)]
    if not wrong:
        return None
    sides = ' and '.join(f'{name}.num_classes is {head.num_classes} ({type(head).__name__})'
                         for name, head in wrong)
    counts = sorted({head.num_classes for _, head in heads})
    if len(classes) > counts[0]:
        effect = (f'the boxes of the classes from index {counts[0]} on would be '
                  + ('trained as background' if training else 'missed by every prediction'))
    else:
        effect = (f'the head classes from index {len(classes)} on would '
                  + ('never see a box' if training else 'predict classes the data lacks'))
    fix = f'set num_classes={len(classes)} in ' + ' and '.join(name for name, _ in wrong)
    if any(name.startswith('the teacher') for name, _ in wrong):
        fix += ' (and retrain the teacher on these classes)'
    if len(counts) == 1:
        fix += f', or set {where}.metainfo.classes to the {counts[0]} classes the model predicts'
    return (f'{desc} has {len(classes)} classes {_names(classes)} but {sides}: {effect}. '
            f'Fix: {fix}')


def _names_problem(desc: str, classes: Sequence[str], other: Sequence[str], whose: str,
                   fix: str) -> Optional[str]:
    """A problem when the class names ``other`` recorded by a checkpoint differ from the data's."""
    if [str(c) for c in other] == [str(c) for c in classes]:
        return None
    reordered = sorted(map(str, other)) == sorted(map(str, classes))
    return (f'{desc} has the classes {_names(classes)} but {whose} was trained on '
            f'{_names(other)} (its meta.dataset_meta.classes)'
            + (', the same names in another order' if reordered else '')
            + f': its class i is not class i of the data. Fix: {fix}')


def _coco_label_names(dataset: Any) -> Optional[Tuple[List[str], List[str]]]:
    """``(names of the dataset's labels in order, category names of the file)`` of a COCO-style
    dataset (``cat_ids`` and a json ``ann_file``), else None."""
    cat_ids, ann_file = getattr(dataset, 'cat_ids', None), getattr(dataset, 'ann_file', None)
    if cat_ids is None or not str(ann_file or '').endswith('.json'):
        return None
    categories = coco_categories(ann_file, getattr(dataset, 'backend_args', None))
    if categories is None:
        return None
    id_to_name = {c['id']: str(c['name']) for c in categories}
    return ([id_to_name.get(cat_id, f'category id {cat_id}') for cat_id in cat_ids],
            [str(c['name']) for c in categories])


def _model_problems(desc: str, where: str, classes: List[str], model: nn.Module,
                    heads: List[Tuple[str, nn.Module]], training: bool,
                    checkpoint: Optional[Tuple[str, Sequence[str]]],
                    file_order: bool = False) -> List[str]:
    """Class count against every head; class names against the teacher's and the loaded
    checkpoint's. ``file_order``: the labels follow the annotation file's category order
    (COCO-style datasets), so reordering ``metainfo.classes`` cannot fix an order."""
    reorder = (f"reorder the categories of {where}.ann_file (mmdet numbers them in the file's "
               'order, whatever the order of metainfo.classes)') if file_order else \
        f'reorder {where}.metainfo.classes'
    problems = [_class_count_problem(desc, where, classes, heads, training)]
    teachers = distill_teachers(model)
    for name, teacher in teachers.items():
        teacher_meta = getattr(teacher, 'dataset_meta', None)
        if training and isinstance(teacher_meta, dict) and teacher_meta.get('classes'):
            problems.append(_names_problem(
                desc, classes, teacher_meta['classes'], f"{_whose(name, teachers)}'s checkpoint",
                f'set model.{ckpt_key(name)} to a teacher trained on these classes in this '
                'order (or retrain the teacher on this dataset), or, for the same classes in '
                f"another order, {reorder} to the teacher's"))
    if checkpoint is not None:
        problems.append(_names_problem(
            desc, classes, checkpoint[1], f'the checkpoint {checkpoint[0]}',
            'use the checkpoint trained on this data, or, for the same classes in another '
            f"order, {reorder} to the checkpoint's"))
    return [problem for problem in problems if problem]


def _coco_checks(desc: str, where: str, dataset: Any,
                 classes: List[str]) -> Tuple[List[str], List[str], List[str]]:
    """``(problems, warnings, class names missing from the file)`` of a COCO-style dataset:
    mmdet numbers the file's categories named in ``metainfo.classes`` in the file's order and
    drops the others, so the labels follow ``metainfo.classes`` only when it lists names of the
    file in the file's order."""
    found = _coco_label_names(dataset)
    if found is None:
        return [], [], []
    labels, file_names = found
    missing = [name for name in classes if name not in file_names]
    problems, warnings = [], []
    if labels != classes:
        problems.append(
            f"{desc}: the labels of the data are not metainfo.classes: mmdet keeps the "
            "categories of the annotation file named in metainfo.classes and numbers them in "
            f"the file's order, which gives the labels {_names(labels)} for metainfo.classes "
            f'{_names(classes)}'
            + (f'; {_names(missing)} are not categories of the file' if missing else '')
            + f". Fix: set {where}.metainfo.classes to category names of the file, in the "
            f"file's order (its categories: {_names(file_names)})")
    dropped = [name for name in file_names if name not in classes]
    if dropped:
        warnings.append(f'{desc}: the categories {_names(dropped)} of the annotation file are '
                        'not in metainfo.classes, so their boxes are dropped and their objects '
                        'are background')
    return problems, warnings, missing


def _annotation_checks(desc: str, where: str, dataset: Any, classes: Optional[List[str]],
                       heads: List[Tuple[str, nn.Module]], training: bool, missing: List[str],
                       count_problem: bool) -> Tuple[List[str], List[str]]:
    """``(problems, warnings)`` of the labels and the boxes in the data infos."""
    problems, warnings = [], []
    counts = [head.num_classes for _, head in heads]
    num_classes = min(counts) if counts else (len(classes) if classes else None)
    summary = summarize_annotations(dataset, num_classes)
    if summary.bad_boxes:
        bound = next((f'{name}.num_classes is {num_classes}' for name, head in heads
                      if head.num_classes == num_classes), f'{num_classes} classes')
        fix = ('the class counts of data and model, as above' if count_problem else
               f"the annotations or the dataset's label mapping, so that every label is one of "
               f'the {num_classes} classes')
        problems.append(
            f'{desc}: {summary.bad_boxes} of {summary.instances} boxes, in {summary.bad_images} '
            f'image(s) (the first: {summary.first_bad_image}), have a bbox_label outside '
            f'[0, {num_classes}) ({bound}); labels {sorted(summary.bad_labels)[:10]}. '
            f'Fix: {fix}')
    filter_cfg = getattr(dataset, 'filter_cfg', None)
    causes = ('likely causes: metainfo.classes names that are not the category names of the '
              'annotation file (mmdet drops the annotations of other categories, then '
              'filter_cfg.filter_empty_gt the images left without a box'
              + (f'; here {_names(missing)} are not categories of the file' if missing else '')
              + '), an annotation file without annotations'
              + (f', or filter_cfg={filter_cfg}' if filter_cfg else '')
              + f'. Fix: point {where}.ann_file at the annotations and name their categories '
              'in metainfo.classes')
    if summary.images == 0:
        problems.append(f'{desc} has no image, so there is nothing to '
                        f'{"train on" if training else "evaluate"}: {causes}')
    elif summary.boxes == 0:
        (problems if training else warnings).append(
            f'{desc} has {summary.images} images but no box: {causes}')
    elif classes:
        empty = [name for label, name in enumerate(classes) if not summary.per_class[label]]
        if empty:
            warnings.append(f'{desc}: no box of the classes {_names(empty)}; the model '
                            + ('never learns them' if training else 'is not evaluated on them'))
    return problems, warnings


def _check_leaf(dataset: Any, where: str, model: nn.Module, training: bool,
                checkpoint: Optional[Tuple[str, Sequence[str]]]) -> Tuple[List[str], List[str]]:
    """``(problems, warnings)`` of one built dataset (no wrapper) against the model."""
    ann_file = getattr(dataset, 'ann_file', None)
    desc = f'{where} ({type(dataset).__name__}' + (f', {ann_file})' if ann_file else ')')
    classes = (getattr(dataset, 'metainfo', None) or {}).get('classes')
    if isinstance(classes, str):
        return [f'{desc}: metainfo.classes is the string {classes!r}, not a sequence of class '
                f'names. Fix: classes=({classes!r}, ) (note the comma)'], []
    heads = class_heads(model)
    problems: List[str] = []
    warnings: List[str] = []
    missing: List[str] = []
    if classes is None:
        warnings.append(f'{desc} has no metainfo.classes, so its classes cannot be compared with '
                        f'the model; set {where}.metainfo=dict(classes=(...))')
    else:
        classes = [str(name) for name in classes]
        problems = _model_problems(desc, where, classes, model, heads, training, checkpoint,
                                   file_order=getattr(dataset, 'cat_ids', None) is not None)
        found, warnings, missing = _coco_checks(desc, where, dataset, classes)
        problems += found
    count_problem = classes is not None and any(h.num_classes != len(classes) for _, h in heads)
    if hasattr(dataset, 'get_data_info'):
        found, warned = _annotation_checks(desc, where, dataset, classes, heads, training,
                                           missing, count_problem)
        problems += found
        warnings += warned
    return problems, warnings


def find_dataset_model_problems(
        dataset: Any, model: nn.Module, where: str = 'train_dataloader.dataset',
        training: bool = True,
        checkpoint: Optional[Tuple[str, Sequence[str]]] = None) -> Tuple[List[str], List[str]]:
    """``(problems, warnings)``: what of a built dataset does not match a built model.

    Problems (each names both sides and the fix):

    * ``len(metainfo.classes)`` differs from the ``num_classes`` of a head of the model or of its
      distillation teacher (see :func:`class_heads`);
    * ``metainfo.classes`` is a string instead of a sequence of names;
    * training only: the class names of the teacher's checkpoint (``teacher.dataset_meta``, set
      by :func:`load_teacher_checkpoint`) differ from the data's, in names or order;
    * the class names of ``checkpoint`` (``(file name, classes)``, e.g. the checkpoint a test
      loads) differ from the data's;
    * COCO-style datasets: the labels mmdet numbered do not follow ``metainfo.classes`` (names
      that are not categories of the file, or another order);
    * a ``bbox_label`` outside ``[0, num_classes)``;
    * no image; training only: no box (a warning for evaluation, which may run on unlabelled
      images).

    Warnings: no ``metainfo.classes``; classes without a box; categories of a COCO file that are
    not in ``metainfo.classes`` (their boxes are dropped).

    Args:
        dataset: the built dataset; wrappers are looked through (:func:`leaf_datasets`).
        model: the built model, not wrapped by DDP.
        where: the dataset's path in the config, for the messages.
        training: whether ``dataset`` is the training set.
        checkpoint: ``(name, class names)`` recorded by a loaded checkpoint, or None.
    """
    problems: List[str] = []
    warnings: List[str] = []
    for path, leaf in leaf_datasets(dataset, where):
        found, warned = _check_leaf(leaf, path, model, training, checkpoint)
        problems += found
        warnings += warned
    return problems, warnings


def dataset_being_loaded(error: BaseException) -> Optional[Any]:
    """The mmengine dataset that was loading its annotations (``BaseDataset.full_init``) when
    ``error`` was raised, e.g. mmengine's ``need at least one array to concatenate`` for a
    dataset that is empty after filtering; None when it came from elsewhere."""
    from mmengine.dataset import BaseDataset
    frame = error.__traceback__
    while frame is not None:
        owner = frame.tb_frame.f_locals.get('self')
        if frame.tb_frame.f_code.co_name == 'full_init' and isinstance(owner, BaseDataset):
            return owner
        frame = frame.tb_next
    return None


def raised_while_loading_a_dataset(error: BaseException) -> bool:
    """Whether ``error`` was raised while an mmengine dataset loaded its annotations."""
    return dataset_being_loaded(error) is not None


def unknown_class_problem(error: KeyError) -> Optional[str]:
    """The message for a label naming a class the dataset does not know (mmrotate's DOTA
    loader raises a bare ``KeyError: '<name>'``), or None for another error."""
    dataset = dataset_being_loaded(error)
    if dataset is None or not error.args or not isinstance(error.args[0], str):
        return None
    classes = list((getattr(dataset, 'metainfo', None) or {}).get('classes') or [])
    name = error.args[0]
    return (f'{type(dataset).__name__} ({getattr(dataset, "ann_file", "")}): a label names the '
            f'class {name!r}, which is not in metainfo.classes {_names(classes)}. Fix: add '
            f'{name!r} to metainfo.classes (and the heads\' num_classes), or remove its boxes '
            'from the label files')


def empty_dataset_problems(cfg: Config, splits: Sequence[str]) -> List[str]:
    """The problems of the datasets of ``splits`` that are empty after loading and filtering.

    mmengine cannot build such a dataset (serializing its empty list fails), so the runner stops
    with an unrelated message before any hook runs. Each dataset of the config is built again
    here without serialization, in the current default scope, and an empty one is described by
    :func:`find_dataset_model_problems` (file, ``metainfo.classes`` against the file's category
    names, likely causes and fix). Datasets that fail to build for another reason are skipped.
    """
    from mmengine.registry import DATASETS
    problems: List[str] = []
    for split in splits:
        loader = cfg.get(split)
        if not loader:
            continue
        for where, leaf in leaf_dataset_cfgs(loader.get('dataset'), f'{split}.dataset'):
            try:
                dataset = DATASETS.build(dict(leaf, serialize_data=False, lazy_init=False))
            except Exception:  # another problem; the runner's own error stands
                continue
            if len(dataset) == 0:
                problems += _check_leaf(dataset, where, nn.Module(),
                                        split == 'train_dataloader', None)[0]
    return problems
