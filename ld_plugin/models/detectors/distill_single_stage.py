"""Teacher-student single-stage detector: a frozen, hidden teacher guides the student head."""
from pathlib import Path
from typing import Optional, Union

import torch
from mmdet.models.detectors import SingleStageDetector
from mmdet.registry import MODELS
from mmdet.structures import SampleList
from mmdet.utils import ConfigType, OptConfigType, OptMultiConfig
from torch import Tensor

from ...utils.config import resolve_teacher_config
from ..distill import TeacherOutputs
from .compatibility import check_feature_terms, check_preprocessors, check_teacher_student
from .teacher_loading import load_teacher_checkpoint


@MODELS.register_module()
class DistillSingleStageDetector(SingleStageDetector):
    """Single-stage student trained with a frozen teacher of the same prior layout.

    The teacher is stored outside the module tree, so it is absent from ``state_dict()``,
    ``parameters()`` (hence the optimizer), checkpoints and DDP wrapping; it follows the
    student across devices and dtypes (``to``, ``cuda``, ``cpu``, ``half``), always runs in eval
    mode under ``torch.no_grad()``, and sees the student's preprocessed batch. The student head
    receives the teacher's FPN features and head outputs as :class:`TeacherOutputs`.

    Args:
        teacher_config: teacher config (path, ``mmdet::``/``ld_plugin::`` package path, path
            relative to the plugin's ``configs/``, or dict); see
            :func:`ld_plugin.utils.resolve_teacher_config`.
        teacher_ckpt: teacher weights, local path or URL. ``None`` keeps a randomly initialised
            teacher (only useful for tests).
        eval_teacher: keep the teacher in eval mode (frozen BN statistics). Defaults to True.
    """

    def __init__(self,
                 backbone: ConfigType,
                 neck: ConfigType,
                 bbox_head: ConfigType,
                 teacher_config: Union[str, Path, dict],
                 teacher_ckpt: Optional[str] = None,
                 eval_teacher: bool = True,
                 train_cfg: OptConfigType = None,
                 test_cfg: OptConfigType = None,
                 data_preprocessor: OptConfigType = None,
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(backbone=backbone, neck=neck, bbox_head=bbox_head, train_cfg=train_cfg,
                         test_cfg=test_cfg, data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        if not hasattr(self.bbox_head, 'distill_terms'):
            raise TypeError(
                f'{type(self).__name__}: student bbox_head {type(self.bbox_head).__name__} takes '
                'no teacher outputs; use a distillation head such as DistillGFLHead')
        self.eval_teacher = eval_teacher
        teacher_model_cfg = resolve_teacher_config(teacher_config)
        check_preprocessors(teacher_model_cfg, self.data_preprocessor)
        teacher = MODELS.build(teacher_model_cfg)
        check_teacher_student(teacher.bbox_head, self.bbox_head,
                              self.bbox_head.required_teacher_outputs())
        check_feature_terms(teacher, self, self.bbox_head.distill_terms)
        self.bbox_head.check_teacher_head(teacher.bbox_head)
        if teacher_ckpt is not None:
            load_teacher_checkpoint(teacher, teacher_ckpt)
        teacher.requires_grad_(False)
        teacher.eval()
        # Stored outside nn.Module's registries: no state_dict, optimizer or DDP entry.
        object.__setattr__(self, 'teacher', teacher)

    def teacher_outputs(self, batch_inputs: Tensor) -> TeacherOutputs:
        """Teacher FPN features and head outputs on the student's preprocessed batch."""
        with torch.no_grad():
            feats = self.teacher.extract_feat(batch_inputs)
            head_outs = self.teacher.bbox_head(feats)
        return TeacherOutputs(feats=feats, head_outs=head_outs)

    def loss(self, batch_inputs: Tensor, batch_data_samples: SampleList) -> dict:
        x = self.extract_feat(batch_inputs)
        teacher = self.teacher_outputs(batch_inputs)
        return self.bbox_head.loss(x, batch_data_samples, teacher=teacher)

    def train(self, mode: bool = True) -> 'DistillSingleStageDetector':
        super().train(mode)
        teacher = self.__dict__.get('teacher')
        if teacher is not None:
            teacher.train(False if self.eval_teacher else mode)
        return self

    def _apply(self, fn, *args, **kwargs):
        """``to``/``cuda``/``cpu``/``half``/``float`` reach the hidden teacher too."""
        teacher = self.__dict__.get('teacher')
        if teacher is not None:
            teacher._apply(fn, *args, **kwargs)
        return super()._apply(fn, *args, **kwargs)
