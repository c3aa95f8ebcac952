"""Build-time checks that a teacher can guide a student (same priors, classes, bins)."""
from typing import Iterable, List, Optional, Tuple

import torch
import torch.nn as nn
from mmdet.structures.bbox import get_box_tensor
from torch import Tensor


class IncompatibleTeacherError(ValueError):
    """The teacher's predictions cannot be compared prior by prior with the student's."""


def _strides(head: nn.Module):
    gen = getattr(head, 'prior_generator', None)
    return None if gen is None else [tuple(s) for s in gen.strides]


def _plain(value):
    """A comparable form of a coder attribute (numbers, strings, tuples of them), else None."""
    if isinstance(value, (bool, int, float, str)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        items = [_plain(v) for v in value]
        return tuple(items) if all(i is not None or v is None for i, v in zip(items, value)) \
            else None
    if hasattr(value, 'tolist') and getattr(value, 'numel', lambda: 0)() <= 16:
        return _plain(value.tolist())
    return None


def _coder_signature(head: nn.Module):
    """The box coder's type and every setting it decodes with (means, stds, clamps, angle
    version, ...), as built: defaults the configs leave out are included."""
    coder = getattr(head, 'bbox_coder', None)
    if coder is None:
        return None
    settings = {k: _plain(v) for k, v in sorted(vars(coder).items()) if not k.startswith('__')}
    return (type(coder).__name__, tuple((k, v) for k, v in settings.items() if v is not None))


def _describe(head: nn.Module) -> str:
    return type(head).__name__


def _first_priors(head: nn.Module) -> Optional[List[Tensor]]:
    """The priors of the first location of each level, as the built generator places them:
    ``(A, 4)`` anchors, ``(A, 5)`` rotated anchors or ``(1, 2)`` points."""
    generator = getattr(head, 'prior_generator', None)
    if generator is None or not hasattr(generator, 'grid_priors'):
        return None
    levels = generator.grid_priors([(1, 1)] * generator.num_levels, device='cpu')
    return [get_box_tensor(p).float() for p in levels]


def _rounded(priors: Tensor) -> list:
    return [[round(v, 1) for v in row] for row in priors.tolist()]


def _centres(priors: Tensor) -> Tensor:
    return (priors[:, :2] + priors[:, 2:4]) / 2 if priors.shape[-1] == 4 else priors[:, :2]


def _prior_problems(teacher_head: nn.Module, student_head: nn.Module) -> List[str]:
    """Prior centres (offsets) and, between anchor heads, anchor shapes, level by level: the
    student decodes the teacher's predictions at its own priors and compares the two per prior,
    so same strides and counts are not enough (other scales, ratios or centre offsets shift or
    rescale every teacher box)."""
    teacher, student = _first_priors(teacher_head), _first_priors(student_head)
    if teacher is None or student is None:
        return []
    strides = [s[0] if isinstance(s, (tuple, list)) else s
               for s in student_head.prior_generator.strides]
    for stride, t, s in zip(strides, teacher, student):
        if not torch.allclose(_centres(t), _centres(s)):
            return [f'prior centres at the first location of stride {stride}: teacher '
                    f'{_centres(t)[0].tolist()} vs student {_centres(s)[0].tolist()} (the centre '
                    'offsets differ, e.g. a point head (offset 0.5) and an anchor head (0); the '
                    'teacher\'s distances would be measured from other centres: pair heads of '
                    'one kind, or give both prior generators the same offset)']
        if t.shape == s.shape and t.shape[-1] != 2 and not torch.allclose(t, s):
            return [f'anchor boxes at stride {stride}: teacher {_rounded(t)} vs student '
                    f'{_rounded(s)} (give both heads the same anchor scales, ratios, '
                    'octave_base_scale and order)']
    return []


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
    if not problems:
        problems += _prior_problems(teacher_head, student_head)
    needed = set(needed_preds)
    if 'bbox' in needed:
        t_coder, s_coder = _coder_signature(teacher_head), _coder_signature(student_head)
        if t_coder is None or s_coder is None or t_coder[0] != s_coder[0]:
            compare('box coder (the student decodes the teacher\'s boxes)',
                    t_coder and t_coder[0], s_coder and s_coder[0],
                    'give both heads the same bbox_coder')
        else:
            t_set, s_set = dict(t_coder[1]), dict(s_coder[1])
            for key in sorted(set(t_set) | set(s_set)):
                compare(f'box coder {t_coder[0]}.{key} (the student decodes the teacher\'s '
                        'boxes)', t_set.get(key), s_set.get(key),
                        'give both heads the same bbox_coder settings')
        if getattr(student_head, 'reg_max', None) is not None:
            needed.add('bbox_dist')
    if 'bbox_dist' in needed:
        t_max, s_max = (getattr(teacher_head, 'reg_max', None),
                        getattr(student_head, 'reg_max', None))
        if t_max is None or s_max is None:
            plain = 'teacher' if t_max is None else 'student'
            problems.append(
                f'box distributions: the {plain} head '
                f'{_describe(teacher_head if t_max is None else student_head)} '
                'predicts no edge distribution (no reg_max); LD needs a distribution-regression '
                'teacher and student (e.g. GFLHead), retrained in that form')
        else:
            compare('reg_max (bins per edge - 1)', t_max, s_max,
                    'train the teacher and the student with the same reg_max')
            compare('distributions per prior (4 edges, 5 rotated deltas)',
                    getattr(teacher_head, 'distributions_per_prior', 4),
                    getattr(student_head, 'distributions_per_prior', 4),
                    'pair 2D heads with 2D heads and rotated heads with rotated heads')
            compare('distribution supports (value of each bin)',
                    getattr(teacher_head, 'distribution_supports', None),
                    getattr(student_head, 'distribution_supports', None),
                    'give both heads the same box_support / angle_support')
    if problems:
        raise IncompatibleTeacherError(
            f'teacher head {_describe(teacher_head)} and student head {_describe(student_head)} '
            'are incompatible:\n  - ' + '\n  - '.join(problems))


def _normalisation(preprocessor: nn.Module) -> dict:
    """What a built data preprocessor does to the pixels: channel flip, mean and std."""
    enabled = getattr(preprocessor, '_enable_normalize', False)
    values = {'bgr_to_rgb': bool(getattr(preprocessor, '_channel_conversion', False))}
    for key in ('mean', 'std'):
        value = getattr(preprocessor, key, None) if enabled else None
        values[key] = None if value is None else \
            [round(float(v), 4) for v in value.flatten().tolist()]
    return values


def check_preprocessors(teacher_preprocessor: nn.Module, student_preprocessor: nn.Module) -> None:
    """The teacher sees the student's normalised images: mean/std/channel order must agree.

    Compared on the built preprocessors, so values a config leaves to their defaults
    (no ``mean``: no normalisation; no ``bgr_to_rgb``: False) count too.
    """
    teacher = _normalisation(teacher_preprocessor)
    student = _normalisation(student_preprocessor)
    problems = [f'{key}: teacher {teacher[key]} vs student {student[key]}'
                for key in teacher if teacher[key] != student[key]]
    if problems:
        raise IncompatibleTeacherError(
            'the teacher runs on the student\'s preprocessed images, but the teacher config '
            'normalises differently (None: not normalised): ' + '; '.join(problems)
            + '. Set the student data_preprocessor to the teacher\'s values')


#: attributes of query-based detectors (DETR family) and two-stage detectors
_QUERY_PARTS = ('query_embedding', 'encoder', 'decoder')


def check_teacher_detector(teacher: nn.Module, needed: Iterable[str]) -> None:
    """Refuse a teacher whose predictions are not per prior of a dense head.

    Terms that compare predictions (``'cls'``, ``'bbox_dist'``, ``'bbox'`` in ``needed``) read
    the teacher's ``bbox_head`` outputs prior by prior; two-stage (Faster R-CNN: ``rpn_head`` +
    ``roi_head``) and query-based teachers (DETR family) have no such predictions. Feature
    terms (``'feats'``) need only the teacher's ``extract_feat`` (checked by
    :func:`check_feature_terms`).
    """
    name = type(teacher).__name__
    if not callable(getattr(teacher, 'extract_feat', None)):
        raise IncompatibleTeacherError(
            f'the teacher {name} is not an mmdet detector (no extract_feat); teacher_config '
            'must describe a detector model')
    preds = sorted(set(needed) - {'feats'})
    if not preds:
        return
    advice = ('distill from a single-stage dense teacher (GFL, ATSS, FCOS, RetinaNet, or their '
              'distribution versions) with the student\'s classes, strides and priors per '
              'location, or keep only feature terms (region \'everywhere\', \'inside_gt\', '
              '\'finegrained\'), which need only the teacher\'s FPN')
    head = getattr(teacher, 'bbox_head', None)
    if head is None:
        kind = 'a two-stage detector (rpn_head + roi_head): it predicts per proposal' \
            if hasattr(teacher, 'roi_head') else 'a detector without a dense bbox_head'
        raise IncompatibleTeacherError(
            f'the teacher {name} is {kind}, not per prior of a dense head, but the distill terms '
            f'compare the teacher\'s predictions {preds}: {advice}')
    if any(hasattr(teacher, part) for part in _QUERY_PARTS) or \
            getattr(head, 'prior_generator', None) is None:
        raise IncompatibleTeacherError(
            f'the teacher {name} ({type(head).__name__}) predicts per query or without priors, '
            f'not per prior of a dense head, but the distill terms compare the teacher\'s '
            f'predictions {preds}: {advice}')
    if getattr(head, 'num_base_priors', None) is None or hasattr(head, 'loss_obj'):
        raise IncompatibleTeacherError(
            f'the teacher {name} ({type(head).__name__}) scores each point as class x objectness '
            '(YOLOX style) and has no priors per location (num_base_priors), so its class '
            f'logits are not the scores the distill terms compare ({preds}): {advice}')


#: side of the blank image the FPNs are probed with (divisible by the coarsest stride, 128)
PROBE_SIZE = 256


def fpn_layout(detector: nn.Module) -> List[Tuple[int, int]]:
    """``(stride, channels)`` of each feature ``extract_feat`` really returns, measured on a
    blank ``PROBE_SIZE`` image in eval mode (the detector's mode is restored)."""
    mode = detector.training
    detector.eval()
    try:
        with torch.no_grad():
            param = next(detector.parameters())
            feats = detector.extract_feat(torch.zeros(1, 3, PROBE_SIZE, PROBE_SIZE,
                                                      dtype=param.dtype, device=param.device))
    finally:
        detector.train(mode)
    return [(PROBE_SIZE // f.shape[-1], f.shape[1]) for f in feats]


def check_feature_terms(teacher: nn.Module, student: nn.Module, terms: dict) -> Optional[int]:
    """Raise :class:`IncompatibleTeacherError` when feature terms cannot pair the FPN features.

    Feature terms (``needs`` holds ``'feats'``) compare the teacher's and the student's neck
    outputs level by level: both detectors need a neck, and their features must have the same
    strides, level by level. Measured on the built detectors (:func:`fpn_layout`): two-stage
    FPNs start at stride 4, single-stage ones at 8, whatever ``num_outs`` says. The heads
    check the terms' channel widths (``DistillHeadMixin.check_teacher_channels``).

    Returns:
        The channels of the teacher's first measured feature map (for that check), or None
        when no term imitates features.
    """
    names = sorted(name for name, term in terms.items() if 'feats' in term.needs)
    if not names:
        return None
    problems: List[str] = []
    for who, model in (('teacher', teacher), ('student', student)):
        if not getattr(model, 'with_neck', False):
            problems.append(f'the {who} detector {type(model).__name__} has no neck: {names} '
                            'imitate FPN features level by level (use detectors with an FPN '
                            'neck, or remove these terms)')
    layouts = {}
    if not problems:
        layouts = {who: fpn_layout(model)
                   for who, model in (('teacher', teacher), ('student', student))}
        strides = {who: [stride for stride, _ in layout] for who, layout in layouts.items()}
        if strides['teacher'] != strides['student']:
            problems.append(
                f"FPN strides (measured): teacher {strides['teacher']} vs student "
                f"{strides['student']} ({names} pair the levels one to one; give the student "
                'neck the teacher\'s levels (start_level, num_outs, add_extra_convs), e.g. a '
                'two-stage teacher\'s FPN starts at stride 4, a single-stage one at 8)')
    if problems:
        raise IncompatibleTeacherError('feature distillation terms cannot pair the features:'
                                       '\n  - ' + '\n  - '.join(problems))
    return layouts['teacher'][0][1]
