"""Teacher-student single-stage detector: frozen, hidden teachers guide the student head."""
from contextlib import nullcontext
from pathlib import Path
from typing import Dict, List, Optional, Union

import torch
import torch.nn as nn
from mmdet.models.detectors import SingleStageDetector
from mmdet.registry import MODELS
from mmdet.structures import SampleList
from mmdet.utils import ConfigType, OptConfigType, OptMultiConfig
from mmengine.logging import MMLogger
from torch import Tensor
from torch.profiler import record_function

from ...utils.config import resolve_teacher_config
from ...utils.teacher_specs import ckpt_key, teacher_specs
from ..dense_heads.support import student_heads, unsupported_reason
from ..distill import DistillOutputs
from ..distill.compatibility import IncompatibleTeacherError, check_preprocessors
from .teacher_loading import TeacherCheckpointError, load_teacher_checkpoint


@MODELS.register_module()
class DistillSingleStageDetector(SingleStageDetector):
    """Single-stage student trained with a frozen teacher of the same prior layout.

    The teacher is stored outside the module tree, so it is absent from ``state_dict()``,
    ``parameters()`` (hence the optimizer), checkpoints and DDP wrapping; it follows the
    student across devices and dtypes (``to``, ``cuda``, ``cpu``, ``half``), always runs in eval
    mode under ``torch.no_grad()``, and sees the student's preprocessed batch. The student head
    receives the teacher's FPN features and head outputs as :class:`DistillOutputs`.

    Args:
        teacher_config: teacher config (path, ``mmdet::``/``ld_plugin::`` package path, path
            relative to the plugin's ``configs/``, or dict); see
            :func:`ld_plugin.utils.resolve_teacher_config`.
        teacher_ckpt: teacher weights, local path or URL. ``None`` builds with a randomly
            initialised teacher (with a warning: building, testing a student checkpoint and
            timing need no teacher weights), and training then raises
            :class:`TeacherCheckpointError` at its first step unless ``allow_random_teacher``.
        teacher_ckpt_prefix: key prefix of the teacher's weights inside ``teacher_ckpt`` (a
            checkpoint of another distillation framework, e.g. ``'distiller.teacher.'``);
            ``None`` finds it when only one prefix holds them.
        allow_random_teacher: allow training with a randomly initialised teacher when
            ``teacher_ckpt`` is ``None`` (tests and timing only: the student imitates noise).
        eval_teacher: keep the teacher in eval mode (frozen BN statistics). Defaults to True.

    Raises:
        IncompatibleTeacherError: the teacher cannot guide this student (two-stage or
            query-based teacher for prediction terms, other classes, strides, priors, bins,
            box coder or normalisation), or the student head has no distillation term.
        TeacherCheckpointError: ``teacher_ckpt`` missing, unreadable, of another architecture
            (at build), or not set while training (``train_step``) without
            ``allow_random_teacher``.
    """

    def __init__(self,
                 backbone: ConfigType,
                 neck: ConfigType,
                 bbox_head: ConfigType,
                 teacher_config: Union[str, Path, dict, None] = None,
                 teacher_ckpt: Optional[str] = None,
                 teacher_ckpt_prefix: Optional[str] = None,
                 teachers: Optional[Dict[str, dict]] = None,
                 allow_random_teacher: bool = False,
                 eval_teacher: bool = True,
                 train_cfg: OptConfigType = None,
                 test_cfg: OptConfigType = None,
                 data_preprocessor: OptConfigType = None,
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(backbone=backbone, neck=neck, bbox_head=bbox_head, train_cfg=train_cfg,
                         test_cfg=test_cfg, data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        if not hasattr(self.bbox_head, 'distill_terms'):
            reason = unsupported_reason(self.bbox_head)
            raise TypeError(
                f'{type(self).__name__}: student bbox_head {type(self.bbox_head).__name__} takes '
                'no teacher outputs; ' + (f'it cannot be a student: {reason}. ' if reason else '')
                + f'Student heads: {", ".join(student_heads())}')
        self.eval_teacher = eval_teacher
        if not self.bbox_head.distill_terms:
            raise IncompatibleTeacherError(
                f'{type(self).__name__}: the student {type(self.bbox_head).__name__} has no '
                'distill_terms (none given, or all set to None), so the teacher would run for '
                'nothing; add terms (e.g. _base_ ld_plugin configs/_base_/distill/ld_terms.py) '
                "or train the plain detector (type='GFL', ...)")
        specs = teacher_specs(teacher_config, teacher_ckpt, teacher_ckpt_prefix, teachers)
        self.bbox_head.bind_teachers(list(specs))
        built: Dict[str, nn.Module] = {}
        #: per teacher: its head runs only when a term compares its predictions
        self.teacher_heads_needed: Dict[str, bool] = {}
        #: teachers with random weights whose training was not allowed
        self.random_teachers: List[str] = []
        for name, spec in specs.items():
            built[name] = self._build_teacher(name, spec, allow_random_teacher)
            self.teacher_heads_needed[name] = bool(
                self.bbox_head.required_teacher_outputs(name) - {'feats'})
            if spec['ckpt'] is None and not allow_random_teacher:
                self.random_teachers.append(name)
        # Stored outside nn.Module's registries: no state_dict, optimizer or DDP entry.
        object.__setattr__(self, 'teachers', built)
        #: the first teacher (the only one unless ``teachers`` names several)
        object.__setattr__(self, 'teacher', next(iter(built.values())))
        #: set by :class:`~ld_plugin.engine.StopDistillHook`: detection losses only from then on
        self.distill_stopped = False

    @property
    def teacher_head_needed(self) -> bool:
        """Whether any teacher's head runs (a term compares its predictions)."""
        return any(self.teacher_heads_needed.values())

    @property
    def refuse_training(self) -> bool:
        """True when a teacher has random weights and training them was not allowed."""
        return bool(self.random_teachers)

    def _build_teacher(self, name: str, spec: dict, allow_random: bool) -> nn.Module:
        teacher = MODELS.build(resolve_teacher_config(spec['config']))
        self.bbox_head.check_teacher(teacher, self, name)
        check_preprocessors(teacher.data_preprocessor, self.data_preprocessor)
        teacher.dataset_meta = None
        if spec['ckpt'] is not None:
            load_teacher_checkpoint(teacher, spec['ckpt'], prefix=spec['ckpt_prefix'])
        elif not allow_random:
            MMLogger.get_current_instance().warning(
                f'{type(self).__name__}: {ckpt_key(name)} is None, so the teacher keeps its '
                'random initial weights; training will stop at its first step unless '
                f'allow_random_teacher=True (set model.{ckpt_key(name)} to the trained teacher)')
        teacher.requires_grad_(False)
        teacher.eval()
        return teacher

    def teacher_outputs(self, batch_inputs: Tensor, name: Optional[str] = None) -> DistillOutputs:
        """Teacher ``name``'s (default: the first) FPN features, head outputs (when a term
        compares its predictions) and the tower features the cross head records, on the
        student's preprocessed batch."""
        name = next(iter(self.teachers)) if name is None else name
        teacher = self.teachers[name]
        head = teacher.bbox_head if self.teacher_heads_needed[name] else None
        with torch.no_grad(), record_function(f'ld_plugin:teacher_forward:{name}'):
            feats = teacher.extract_feat(batch_inputs)
            if head is None:
                return DistillOutputs(feats=feats)
            towers = self.bbox_head.recording_towers(head) \
                if self.bbox_head.cross_head_teacher() == name else nullcontext({})
            with towers as recorded:
                head_outs = head(feats)
        return DistillOutputs(feats=feats, head_outs=head_outs, tower_feats=recorded, head=head)

    def check_teacher_trained(self) -> None:
        """Raise :class:`TeacherCheckpointError` when training would start from a random teacher
        that was not explicitly allowed (``teacher_ckpt=None``)."""
        if self.refuse_training:
            keys = ', '.join(f'model.{ckpt_key(name)}' for name in self.random_teachers)
            first = ckpt_key(self.random_teachers[0])
            raise TeacherCheckpointError(
                f'{type(self).__name__}: {keys} '
                f'{"is" if len(self.random_teachers) == 1 else "are"} not set, so the student '
                'would imitate a '
                'randomly initialised teacher; set it to the trained teacher (path or URL, '
                f'e.g. --cfg-options model.{first}=work_dirs/teacher/iter_1500.pth), or '
                'model.allow_random_teacher=True for tests and timing only')

    def init_weights(self) -> None:
        """mmengine's runner calls this (on the unwrapped model, DDP included) before training:
        a random teacher is refused there, before any data is trained on."""
        self.check_teacher_trained()
        super().init_weights()

    def train_step(self, data, optim_wrapper) -> dict:
        """mmengine's training step, refused with a random teacher unless allowed."""
        self.check_teacher_trained()
        return super().train_step(data, optim_wrapper)

    def loss(self, batch_inputs: Tensor, batch_data_samples: SampleList) -> dict:
        x = self.extract_feat(batch_inputs)
        if self.distill_stopped:
            losses = self.bbox_head.loss(x, batch_data_samples, teacher=None, stopped=True)
            losses.update(self.bbox_head.zero_distill_losses())
            return losses
        teachers = {name: self.teacher_outputs(batch_inputs, name) for name in self.teachers}
        return self.bbox_head.loss(x, batch_data_samples, teacher=teachers)

    def train(self, mode: bool = True) -> 'DistillSingleStageDetector':
        super().train(mode)
        for teacher in self.__dict__.get('teachers', {}).values():
            teacher.train(False if self.eval_teacher else mode)
        return self

    def _apply(self, fn, *args, **kwargs):
        """``to``/``cuda``/``cpu``/``half``/``float`` reach the hidden teacher too."""
        for teacher in self.__dict__.get('teachers', {}).values():
            teacher._apply(fn, *args, **kwargs)
        return super()._apply(fn, *args, **kwargs)
