"""The teachers of a distillation detector, from its config: one (``teacher_config``,
``teacher_ckpt``) or several by name (``teachers=dict(name=dict(config=..., ckpt=...))``)."""
from pathlib import Path
from typing import Dict, Optional, Union

#: the name of the teacher given by ``teacher_config`` / ``teacher_ckpt``
SINGLE_TEACHER = 'teacher'
#: keys of one entry of ``teachers``
TEACHER_KEYS = ('config', 'ckpt', 'ckpt_prefix')


def ckpt_key(name: str) -> str:
    """The config key of teacher ``name``'s checkpoint, as a user sets it (``model.<key>``)."""
    return 'teacher_ckpt' if name == SINGLE_TEACHER else f'teachers.{name}.ckpt'


def teacher_specs(teacher_config: Union[str, Path, dict, None], teacher_ckpt: Optional[str],
                  teacher_ckpt_prefix: Optional[str],
                  teachers: Optional[Dict[str, dict]]) -> Dict[str, dict]:
    """``{name: dict(config=, ckpt=, ckpt_prefix=)}`` in config order.

    Raises:
        ValueError: neither or both of ``teacher_config`` and ``teachers``; an entry of
            ``teachers`` that is not a dict with a ``config``, has unknown keys, or is named
            ``'teacher'`` (the single teacher's name) or not a non-empty str.
    """
    if (teacher_config is None) == (teachers is None):
        raise ValueError(
            'DistillSingleStageDetector: give teacher_config (one teacher, with teacher_ckpt) '
            'or teachers=dict(name=dict(config=..., ckpt=...), ...) (several), '
            + ('not both' if teachers is not None else 'got neither'))
    if teachers is None:
        return {SINGLE_TEACHER: dict(config=teacher_config, ckpt=teacher_ckpt,
                                     ckpt_prefix=teacher_ckpt_prefix)}
    if teacher_ckpt is not None or teacher_ckpt_prefix is not None:
        raise ValueError('DistillSingleStageDetector: with teachers=..., give each checkpoint '
                         'as teachers.<name>.ckpt (and ckpt_prefix), not teacher_ckpt')
    if not isinstance(teachers, dict) or not teachers:
        raise ValueError(f'teachers must be a non-empty dict of name -> dict(config=..., '
                         f'ckpt=...), got {teachers!r}')
    specs = {}
    for name, spec in teachers.items():
        if not isinstance(name, str) or not name or name == SINGLE_TEACHER:
            raise ValueError(f'teachers: {name!r} cannot name a teacher (a non-empty str other '
                             f"than {SINGLE_TEACHER!r}, e.g. 'gfl' or 'atss')")
        if not isinstance(spec, dict) or 'config' not in spec:
            raise ValueError(f'teachers.{name} must be dict(config=..., ckpt=...), got {spec!r}')
        unknown = sorted(set(spec) - set(TEACHER_KEYS))
        if unknown:
            raise ValueError(f'teachers.{name}: unknown keys {unknown}; allowed: '
                             f'{list(TEACHER_KEYS)}')
        specs[name] = dict(config=spec['config'], ckpt=spec.get('ckpt'),
                           ckpt_prefix=spec.get('ckpt_prefix'))
    return specs
