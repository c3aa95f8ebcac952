"""Dataset converters: YOLO / Pascal VOC / COCO / DOTA / YOLO-OBB to the layouts the configs read.

Only numpy, Pillow, PyYAML, pycocotools and (for the progress bar) mmengine are imported, never
torch, mmdet or mmrotate: ``tools/convert_dataset.py`` loads this package straight from its
folder, so the modules import each other relatively.

Modules: :mod:`.records` (the in-memory dataset and the problems collector), :mod:`.images`
(finding images, decoding them once, their size), :mod:`.readers` (one per input format;
:mod:`.readers.hints` tells what a wrong ``--src`` or ``--format`` looks like),
:mod:`.geometry` (clip, drop, scale), :mod:`.splits` (also the choice of the output splits),
:mod:`.writers` (images, COCO JSON, DOTA labelTxt, atomic output), :mod:`.summary`,
:mod:`.convert` (the pipeline).
"""
from .convert import FORMAT_VERSION, ConvertOptions, convert
from .readers import READERS, TASK_OF_FORMAT
from .readers.classes import parse_classes_arg
from .records import ConversionError, Problems
from .summary import format_summary

__all__ = ['FORMAT_VERSION', 'ConvertOptions', 'convert', 'READERS', 'TASK_OF_FORMAT',
           'ConversionError', 'Problems', 'format_summary', 'parse_classes_arg', 'FORMATS']

#: Input formats (``--format``).
FORMATS = tuple(READERS)
