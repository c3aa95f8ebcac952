"""Build-time checks that a teacher can guide a student (same priors, classes, bins)."""
from typing import Iterable, List

import torch.nn as nn


class IncompatibleTeacherError(ValueError):
    """The teacher's predictions cannot be compared prior by prior with the student's."""


def _strides(head: nn.Module):
    gen = getattr(head, 'prior_generator', None)
    return None if gen is None else [tuple(s) for s in gen.strides]


def _coder_signature(head: nn.Module):
    coder = getattr(head, 'bbox_coder', None)
    if coder is None:
        return None
    return (type(coder).__name__, tuple(getattr(coder, 'means', ())),
            tuple(getattr(coder, 'stds', ())))


def _describe(head: nn.Module) -> str:
    return type(head).__name__


def check_teacher_student(teacher_head: nn.Module, student_head: nn.Module,
                          needed_preds: Iterable[str]) -> None:
    """Raise :class:`IncompatibleTeacherError` naming both values on any mismatch.

    Checked: number of classes and class channels, FPN strides, priors per location, and, when
    a term compares box distributions (``'bbox_dist'``), that both heads are distribution
    heads with the same ``reg_max``.
    """
    problems: List[str] = []

    def compare(what: str, t, s, fix: str) -> None:
        if t != s:
            problems.append(f'{what}: teacher {t} vs student {s} ({fix})')

    compare('num_classes', getattr(teacher_head, 'num_classes', None),
            getattr(student_head, 'num_classes', None),
            'train both on the same classes')
    compare('class channels (cls_out_channels)', getattr(teacher_head, 'cls_out_channels', None),
            getattr(student_head, 'cls_out_channels', None),
            'use the same sigmoid/softmax classification in both heads')
    compare('FPN strides', _strides(teacher_head), _strides(student_head),
            'give both heads the same prior_generator strides')
    compare('priors per location (num_base_priors)',
            getattr(teacher_head, 'num_base_priors', None),
            getattr(student_head, 'num_base_priors', None),
            'give both heads the same anchor scales and ratios')
    needed = set(needed_preds)
    if 'bbox' in needed:
        compare('box coder (the student decodes the teacher\'s boxes)',
                _coder_signature(teacher_head), _coder_signature(student_head),
                'give both heads the same bbox_coder')
        if getattr(student_head, 'reg_max', None) is not None:
            needed.add('bbox_dist')
    if 'bbox_dist' in needed:
        t_max, s_max = getattr(teacher_head, 'reg_max', None), getattr(student_head, 'reg_max', None)
        if t_max is None or s_max is None:
            plain = 'teacher' if t_max is None else 'student'
            problems.append(
                f'box distributions: the {plain} head {_describe(teacher_head if t_max is None else student_head)} '
                'predicts no edge distribution (no reg_max); LD needs a distribution-regression '
                'teacher and student (e.g. GFLHead), retrained in that form')
        else:
            compare('reg_max (bins per edge - 1)', t_max, s_max,
                    'train the teacher and the student with the same reg_max')
            compare('distribution supports (value of each bin)',
                    getattr(teacher_head, 'distribution_supports', None),
                    getattr(student_head, 'distribution_supports', None),
                    'give both heads the same box_support / angle_support')
    if problems:
        raise IncompatibleTeacherError(
            f'teacher head {_describe(teacher_head)} and student head {_describe(student_head)} '
            'are incompatible:\n  - ' + '\n  - '.join(problems))


def check_preprocessors(teacher_cfg: dict, student_preprocessor: nn.Module) -> None:
    """The teacher sees the student's normalised images: mean/std/channel order must agree."""
    t_cfg = teacher_cfg.get('data_preprocessor') or {}
    problems = []
    for key in ('mean', 'std'):
        t_val = t_cfg.get(key, None)
        s_val = getattr(student_preprocessor, key, None)
        if t_val is None or s_val is None:
            continue
        s_list = [round(float(v), 4) for v in s_val.flatten().tolist()]
        t_list = [round(float(v), 4) for v in t_val]
        if s_list != t_list:
            problems.append(f'{key}: teacher {t_list} vs student {s_list}')
    t_bgr = t_cfg.get('bgr_to_rgb', None)
    s_bgr = getattr(student_preprocessor, '_channel_conversion', None)
    if t_bgr is not None and s_bgr is not None and bool(t_bgr) != bool(s_bgr):
        problems.append(f'bgr_to_rgb: teacher {bool(t_bgr)} vs student {bool(s_bgr)}')
    if problems:
        raise IncompatibleTeacherError(
            'the teacher runs on the student\'s preprocessed images, but the teacher config '
            'normalises differently: ' + '; '.join(problems)
            + '. Set the student data_preprocessor to the teacher\'s values')


def check_feature_terms(teacher: nn.Module, student: nn.Module, terms: dict) -> None:
    """Raise :class:`IncompatibleTeacherError` when feature terms cannot pair the FPN features.

    Feature terms (``needs`` holds ``'feats'``) compare the teacher's and the student's neck
    outputs level by level: both detectors need a neck with the same number of outputs (the
    heads check the terms' channel widths, see ``DistillHeadMixin.check_teacher_head``).
    """
    names = sorted(name for name, term in terms.items() if 'feats' in term.needs)
    if not names:
        return
    problems: List[str] = []
    necks = {}
    for who, model in (('teacher', teacher), ('student', student)):
        necks[who] = model.neck if getattr(model, 'with_neck', False) else None
        if necks[who] is None:
            problems.append(f'the {who} detector {type(model).__name__} has no neck: {names} '
                            'imitate FPN features level by level (use detectors with an FPN '
                            'neck, or remove these terms)')
    if not problems:
        levels = {who: getattr(neck, 'num_outs', None) for who, neck in necks.items()}
        if None not in levels.values() and levels['teacher'] != levels['student']:
            problems.append(f"FPN levels (neck.num_outs): teacher {levels['teacher']} vs student "
                            f"{levels['student']} ({names} pair the levels one to one; give both "
                            'necks the same num_outs)')
    if problems:
        raise IncompatibleTeacherError('feature distillation terms cannot pair the features:'
                                       '\n  - ' + '\n  - '.join(problems))
