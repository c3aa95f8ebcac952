"""Load a teacher checkpoint (local path or URL) with clear errors."""
import os.path as osp
from typing import Dict, List, Optional

import torch.nn as nn
from mmengine.logging import MMLogger
from mmengine.runner.checkpoint import _load_checkpoint, _load_checkpoint_to_model

REMOTE_PREFIXES = ('http://', 'https://', 's3://', 'open-mmlab://', 'torchvision://',
                   'modelzoo://', 'openmmlab://', 'mmcls://', 'pavi://')


class TeacherCheckpointError(RuntimeError):
    """The teacher checkpoint is missing, unreadable or of another architecture."""


def _shape(value) -> Optional[tuple]:
    return tuple(value.shape) if hasattr(value, 'shape') else None


def find_state_prefixes(own: Dict[str, object], given: Dict[str, object]) -> List[str]:
    """Key prefixes of ``given`` under which every key of ``own`` appears with its shape.

    A checkpoint written by a distillation framework keeps the teacher under a prefix (e.g.
    ``'distiller.teacher.'``, ``'teacher_model.'``), the student under another
    (``'architecture.'``); a prefix is returned only when *all* ``own`` keys are found below it.
    """
    probe = next(iter(own))
    candidates = {key[:-len(probe)] for key in given
                  if key.endswith(probe) and key != probe
                  and key[:-len(probe)].endswith('.')}
    return sorted(prefix for prefix in candidates if _matches(own, given, prefix))


def _strip_ddp(key: str) -> str:
    return key[len('module.'):] if key.startswith('module.') else key


def _matches(own: Dict[str, object], given: Dict[str, object], prefix: str) -> bool:
    return all(_shape(given.get(prefix + k)) == _shape(v) for k, v in own.items())


def _teacher_part(own: Dict[str, object], given: Dict[str, object], filename: str,
                  prefix: Optional[str]) -> Dict[str, object]:
    """The checkpoint entries of the teacher, keyed as in ``own`` (see
    :func:`load_teacher_checkpoint` for ``prefix``)."""
    if prefix is not None:
        prefix = _strip_ddp(prefix)
        found = {k[len(prefix):]: v for k, v in given.items() if k.startswith(prefix)}
        if not found:
            raise TeacherCheckpointError(
                f'teacher_ckpt {filename!r} has no key starting with teacher_ckpt_prefix='
                f'{prefix!r} (keys, without a DDP "module." prefix: e.g. {sorted(given)[:3]}); '
                "fix the prefix, or use '' for the top level")
        return found
    top_level = _matches(own, given, '')
    prefixes = find_state_prefixes(own, given)
    if top_level and not prefixes:
        return given
    if not top_level and len(prefixes) == 1:
        MMLogger.get_current_instance().info(
            f'teacher_ckpt {filename!r}: the teacher weights were found under the prefix '
            f'{prefixes[0]!r} (a checkpoint of another distillation framework) and loaded '
            'from there')
        return {k[len(prefixes[0]):]: v for k, v in given.items() if k.startswith(prefixes[0])}
    if len(prefixes) + top_level > 1:
        places = (["'' (the top level)"] if top_level else []) + [repr(p) for p in prefixes]
        raise TeacherCheckpointError(
            f'teacher_ckpt {filename!r} holds weights of the teacher architecture at '
            f'{len(places)} places: {", ".join(places)} (e.g. the teacher and a student of the '
            "same architecture); choose one with model.teacher_ckpt_prefix='<prefix>'")
    return given  # nothing matches: the caller reports the missing and mismatched keys


def checkpoint_dataset_meta(checkpoint: dict) -> Optional[dict]:
    """``meta['dataset_meta']`` of an mmengine checkpoint, or ``{'classes': meta['CLASSES']}``
    of an mmdet 2.x one; None when the checkpoint recorded no classes."""
    meta = checkpoint.get('meta') if isinstance(checkpoint.get('meta'), dict) else {}
    if isinstance(meta.get('dataset_meta'), dict):
        return meta['dataset_meta']
    if meta.get('CLASSES') is not None:
        return {'classes': tuple(meta['CLASSES'])}
    return None


def load_teacher_checkpoint(teacher: nn.Module, filename: str,
                            prefix: Optional[str] = None) -> None:
    """Load ``filename`` into ``teacher``; every teacher parameter must be in the checkpoint.

    Args:
        teacher: the built teacher detector.
        filename: local path or URL of an mmengine / mmdet checkpoint (``state_dict`` inside or
            the bare state dict; a ``module.`` prefix of DDP is removed).
        prefix: key prefix of the teacher's weights in a checkpoint written by another
            distillation framework (e.g. ``'distiller.teacher.'``; ``''``: the top level; a DDP
            ``module.`` in front is ignored). ``None``: the one place (top level or prefix)
            that holds all of them with the teacher's shapes.

    The class names the checkpoint recorded (:func:`checkpoint_dataset_meta`) are kept as
    ``teacher.dataset_meta`` for the data checks.

    Raises:
        TeacherCheckpointError: file missing or unreadable, weights missing or of other shapes,
            or several places holding the teacher's weights (the message lists them and the
            ``teacher_ckpt_prefix`` option that picks one).
    """
    if not str(filename).startswith(REMOTE_PREFIXES) and not osp.isfile(filename):
        raise TeacherCheckpointError(
            f'teacher_ckpt {filename!r} does not exist (relative paths are taken from the working '
            f'directory {osp.abspath(".")}); train the teacher first or fix the path')
    try:
        checkpoint = _load_checkpoint(filename, map_location='cpu')
    except Exception as err:  # truncated / not a torch file / download failure
        raise TeacherCheckpointError(
            f'teacher_ckpt {filename!r} could not be read: {type(err).__name__}: {err}') from err
    if not isinstance(checkpoint, dict):
        raise TeacherCheckpointError(f'teacher_ckpt {filename!r} holds a '
                                     f'{type(checkpoint).__name__}, not a state dict')
    state = checkpoint.get('state_dict', checkpoint)
    own = teacher.state_dict()
    given = {_strip_ddp(k): v for k, v in state.items()}
    given = _teacher_part(own, given, filename, prefix)
    missing = sorted(set(own) - set(given))
    unexpected = sorted(set(given) - set(own))
    mismatched = [f'{k}: checkpoint {_shape(given[k])} vs model {_shape(own[k])}'
                  for k in sorted(set(own) & set(given))
                  if _shape(given[k]) is not None and _shape(given[k]) != _shape(own[k])]
    if missing or mismatched:
        raise TeacherCheckpointError(
            f'teacher_ckpt {filename!r} does not match the teacher_config architecture: '
            f'{len(missing)} teacher keys missing (e.g. {missing[:5]}), {len(mismatched)} shape '
            f'mismatches (e.g. {mismatched[:3]}), {len(unexpected)} unexpected keys '
            f'(e.g. {unexpected[:5]}). Use the checkpoint trained with that teacher config; a '
            "checkpoint that keeps the teacher under a key prefix loads with "
            "model.teacher_ckpt_prefix='<prefix>'")
    _load_checkpoint_to_model(teacher, {'state_dict': given}, strict=False)
    teacher.dataset_meta = checkpoint_dataset_meta(checkpoint)
    if unexpected:
        MMLogger.get_current_instance().warning(
            f'teacher_ckpt {filename!r}: ignored {len(unexpected)} unexpected keys '
            f'(e.g. {unexpected[:5]})')
