"""Load a teacher checkpoint (local path or URL) with clear errors."""
import os.path as osp

import torch.nn as nn
from mmengine.logging import MMLogger
from mmengine.runner.checkpoint import _load_checkpoint, _load_checkpoint_to_model

REMOTE_PREFIXES = ('http://', 'https://', 's3://', 'open-mmlab://', 'torchvision://',
                   'modelzoo://', 'openmmlab://', 'mmcls://', 'pavi://')


class TeacherCheckpointError(RuntimeError):
    """The teacher checkpoint is missing, unreadable or of another architecture."""


def load_teacher_checkpoint(teacher: nn.Module, filename: str) -> None:
    """Load ``filename`` into ``teacher``; every teacher parameter must be in the checkpoint."""
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
    given = {(k[len('module.'):] if k.startswith('module.') else k): v for k, v in state.items()}
    missing = sorted(set(own) - set(given))
    unexpected = sorted(set(given) - set(own))
    mismatched = [f'{k}: checkpoint {tuple(given[k].shape)} vs model {tuple(own[k].shape)}'
                  for k in sorted(set(own) & set(given))
                  if hasattr(given[k], 'shape') and tuple(given[k].shape) != tuple(own[k].shape)]
    if missing or mismatched:
        raise TeacherCheckpointError(
            f'teacher_ckpt {filename!r} does not match the teacher_config architecture: '
            f'{len(missing)} teacher keys missing (e.g. {missing[:5]}), {len(mismatched)} shape '
            f'mismatches (e.g. {mismatched[:3]}), {len(unexpected)} unexpected keys '
            f'(e.g. {unexpected[:5]}). Use the checkpoint trained with that teacher config')
    _load_checkpoint_to_model(teacher, {'state_dict': given}, strict=False)
    if unexpected:
        MMLogger.get_current_instance().warning(
            f'teacher_ckpt {filename!r}: ignored {len(unexpected)} unexpected keys '
            f'(e.g. {unexpected[:5]})')
