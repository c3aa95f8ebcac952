"""One reader per input format: ``read(src, options, problems) -> Dataset``.

Readers only parse and validate what they read (fatal problems go to the collector); the
geometry checks common to every format (clipping, dropping) happen later, in
:mod:`..convert`.
"""
from typing import Callable, Dict

from .coco import read_coco
from .common import ReadOptions
from .dota import read_dota
from .voc import read_voc
from .yolo import read_yolo, read_yolo_obb

__all__ = ['READERS', 'TASK_OF_FORMAT', 'ReadOptions', 'read_coco', 'read_dota', 'read_voc',
           'read_yolo', 'read_yolo_obb']

#: ``--format`` name -> reader.
READERS: Dict[str, Callable] = {
    'yolo': read_yolo,
    'voc': read_voc,
    'coco': read_coco,
    'dota': read_dota,
    'yolo-obb': read_yolo_obb,
}

#: ``--format`` name -> output task (``'coco'``: axis-aligned, ``'dota'``: oriented).
TASK_OF_FORMAT: Dict[str, str] = {'yolo': 'coco', 'voc': 'coco', 'coco': 'coco',
                                  'dota': 'dota', 'yolo-obb': 'dota'}
