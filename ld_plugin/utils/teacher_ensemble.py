"""A one-teacher distillation config turned into one that averages several teachers.

Every distillation term of the student head is repeated once per teacher (key
``<term>_<teacher name>``, ``teacher=<name>``) with its loss weight divided by the number of
teachers, so the total distillation weight stays that of the one-teacher config. Used by
``tools/benchmark/compare.py --teacher-seeds`` to measure one vs several teachers.
"""
import copy
from typing import Dict, Tuple

#: a teacher: (model config dict, checkpoint path or None)
Teacher = Tuple[dict, str]


def averaged_terms(terms: Dict[str, dict], names: Tuple[str, ...]) -> Dict[str, dict]:
    """``terms`` repeated per teacher in ``names``, each term's ``loss.loss_weight`` / N.

    Args:
        terms: a student head's ``distill_terms`` (``None`` entries are switched-off terms).
        names: teacher names (keys of the detector's ``teachers``).

    Raises:
        ValueError: a term already names a teacher (the config has several already).
    """
    averaged = {}
    for key, term in terms.items():
        if term is None:
            continue
        if term.get('teacher') is not None:
            raise ValueError(f'distill_terms.{key} already reads teacher={term["teacher"]!r}: '
                             'give a one-teacher config to average several teachers')
        for name in names:
            copied = copy.deepcopy(dict(term))
            copied['loss'] = dict(copied['loss'])
            copied['loss']['loss_weight'] = copied['loss'].get('loss_weight', 1.0) / len(names)
            copied['teacher'] = name
            averaged[f'{key}_{name}'] = copied
    return averaged


def ensemble_overrides(model_cfg: dict, teachers: Dict[str, Teacher]) -> dict:
    """``Config.merge_from_dict`` options that make the distillation detector ``model_cfg`` read
    every teacher in ``teachers`` (name -> (model config, checkpoint)) with averaged terms.

    Raises:
        ValueError: fewer than two teachers; a CrossKD cross head (it runs one teacher's head on
            the student's features) or a term that already names a teacher.
    """
    if len(teachers) < 2:
        raise ValueError(f'ensemble_overrides needs at least two teachers, got {list(teachers)}')
    head = model_cfg['bbox_head']
    if head.get('cross_head') is not None:
        raise ValueError('a CrossKD cross head runs one teacher\'s head on the student\'s '
                         'features; several teachers are averaged for prediction and feature '
                         'terms only')
    terms = averaged_terms(dict(head.get('distill_terms') or {}), tuple(teachers))
    return {'model.teacher_config': None, 'model.teacher_ckpt': None,
            'model.teacher_ckpt_prefix': None,
            'model.teachers': {name: dict(config=dict(model), ckpt=ckpt)
                               for name, (model, ckpt) in teachers.items()},
            'model.bbox_head.distill_terms': dict(terms, _delete_=True)}
