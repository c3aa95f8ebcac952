"""Distillation by composition: a mixin that adds ``distill_terms`` to an mmdet dense head.

The base head computes its own losses and targets unchanged (``loss_by_feat``); while it
assigns, the mixin records each image's assignment (positives, GT indices, VLR weights) and
then evaluates the configured distillation terms on the student's and the teacher's outputs.
No loss body of the base head is copied.
"""
import inspect
from typing import Dict, List, Optional, Set, Tuple

import torch.nn as nn
from mmdet.models.task_modules.prior_generators import anchor_inside_flags
from mmdet.models.utils import unpack_gt_instances
from mmdet.structures.bbox import get_box_tensor
from mmdet.utils import InstanceList, OptConfigType
from torch import Tensor

from ..distill import DistillTargets, TeacherOutputs, build_distill_terms
from ..distill.inputs import DistillInputs
from ..distill.targets import ImageTargets
from ..distill.terms import FeatureDistillTerm


#: signature of each head class's base ``_get_targets_single``, computed once per class
_TARGETS_SIGNATURES: Dict[type, inspect.Signature] = {}


class _AssignRecorder:
    """Forwards ``assign`` to the wrapped assigner and keeps the last result."""

    def __init__(self, assigner) -> None:
        self.assigner = assigner
        self.result = None

    def assign(self, *args, **kwargs):
        self.result = self.assigner.assign(*args, **kwargs)
        return self.result

    def __getattr__(self, name: str):
        return getattr(self.assigner, name)


class DistillHeadMixin:
    """Adds teacher-guided loss terms to a dense head; put it first in the bases.

    Args:
        distill_terms: ``{loss_name: term config}`` (see :mod:`ld_plugin.models.distill.terms`);
            ``None`` entries are switched off. Without a teacher (plain training or testing) the
            head behaves exactly like its base head.
    """

    def __init__(self, *args, distill_terms: OptConfigType = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.distill_terms: nn.ModuleDict = build_distill_terms(distill_terms)
        self._assign_records: Optional[List[ImageTargets]] = None
        self._check_terms()

    # ----------------------------------------------------------------------------- build checks
    def _check_terms(self) -> None:
        head = type(self).__name__
        for name, term in self.distill_terms.items():
            if 'bbox_dist' in term.needs and getattr(self, 'reg_max', None) is None:
                raise ValueError(
                    f"{head}: distill term {name!r} compares box distributions ('bbox_dist') "
                    'but this head predicts no edge distribution (no reg_max); use a '
                    "distribution head (e.g. DistillGFLHead) or pred='bbox'")
            if isinstance(term, FeatureDistillTerm) and \
                    term.loss.student_channels != self.in_channels:
                raise ValueError(
                    f'{head}: distill term {name!r} has student_channels='
                    f'{term.loss.student_channels} but the student FPN has {self.in_channels} '
                    f'channels; set loss.student_channels={self.in_channels}')
        vlr_terms = [name for name, term in self.distill_terms.items() if term.needs_vlr]
        assigner = getattr(self, 'assigner', None)
        if not vlr_terms or assigner is None:  # no VLR term, or built for testing only
            return
        if not getattr(assigner, 'provides_vlr_weights', False):
            raise ValueError(
                f"{head}: distill terms {vlr_terms} use region='vlr' but "
                f'train_cfg.assigner is {type(assigner).__name__}, which gives no VLR weights; '
                "set train_cfg.assigner=dict(type='VLRATSSAssigner', topk=9)")

    def check_teacher_head(self, teacher_head: nn.Module) -> None:
        """Checks that need the teacher: feature terms' channels match the teacher FPN."""
        t_channels = getattr(teacher_head, 'in_channels', None)
        for name, term in self.distill_terms.items():
            if isinstance(term, FeatureDistillTerm) and term.loss.teacher_channels != t_channels:
                raise ValueError(
                    f'{type(self).__name__}: distill term {name!r} has teacher_channels='
                    f'{term.loss.teacher_channels} but the teacher FPN has {t_channels} channels;'
                    f' set loss.teacher_channels={t_channels}')

    def required_teacher_outputs(self) -> Set[str]:
        """Teacher outputs the configured terms read ('cls', 'bbox_dist', 'bbox', 'feats')."""
        needs: Set[str] = set()
        for term in self.distill_terms.values():
            needs |= term.needs
        return needs

    # ------------------------------------------------------------------------------------ loss
    def loss(self, x: Tuple[Tensor], batch_data_samples: list,
             teacher: Optional[TeacherOutputs] = None) -> dict:
        """Base head losses plus, when a teacher is given, the distillation terms."""
        outs = self(x)
        batch_gt_instances, batch_gt_instances_ignore, batch_img_metas = \
            unpack_gt_instances(batch_data_samples)
        distill = teacher is not None and len(self.distill_terms) > 0
        self._assign_records = [] if distill else None
        try:
            losses = self.loss_by_feat(*outs, batch_gt_instances, batch_img_metas,
                                       batch_gt_instances_ignore)
            records = self._assign_records
        finally:
            self._assign_records = None
        if distill:
            if not records:
                raise RuntimeError(
                    f'{type(self).__name__}: no assignment was recorded while computing the '
                    'base losses; this head is not supported by DistillHeadMixin')
            losses.update(self.loss_distill(x, outs, teacher, records, batch_gt_instances))
        return losses

    def loss_distill(self, x: Tuple[Tensor], outs: tuple, teacher: TeacherOutputs,
                     records: List[ImageTargets],
                     batch_gt_instances: InstanceList) -> Dict[str, Tensor]:
        """Evaluate every distillation term on this batch."""
        cls_scores = outs[0]
        priors = self.prior_generator.grid_priors(
            [c.shape[-2:] for c in cls_scores], dtype=cls_scores[0].dtype,
            device=cls_scores[0].device)
        targets = DistillTargets.from_images(records, [len(p) for p in priors])
        inputs = DistillInputs(
            outs, teacher.head_outs, x, teacher.feats, targets, priors,
            [s[0] for s in self.prior_generator.strides], self.num_base_priors,
            self.num_classes, self.decode_distill_boxes,
            [get_box_tensor(g.bboxes) for g in batch_gt_instances])
        return {name: term(inputs) for name, term in self.distill_terms.items()}

    def decode_distill_boxes(self, priors: Tensor, bbox_pred: Tensor, stride: int) -> Tensor:
        """Decode (P, K) box predictions at (P, 4) priors; heads with another coder override."""
        return self.bbox_coder.decode(priors, bbox_pred)

    # -------------------------------------------------------------- assignment recording hook
    def _get_targets_single(self, flat_anchors: Tensor, valid_flags: Tensor, *args, **kwargs):
        """Run the base head's target computation and record its assignment."""
        if self._assign_records is None:
            return super()._get_targets_single(flat_anchors, valid_flags, *args, **kwargs)
        recorder = _AssignRecorder(self.assigner)
        self.assigner = recorder
        try:
            result = super()._get_targets_single(flat_anchors, valid_flags, *args, **kwargs)
        finally:
            self.assigner = recorder.assigner
        img_meta = self._bound_argument('img_meta', flat_anchors, valid_flags, *args, **kwargs)
        inside = anchor_inside_flags(flat_anchors, valid_flags, img_meta['img_shape'][:2],
                                     self.train_cfg['allowed_border'])
        self._assign_records.append(
            ImageTargets.from_assign_result(recorder.result, inside, self.num_classes))
        return result

    def _bound_argument(self, name: str, *args, **kwargs):
        """``name`` as passed to the base head's ``_get_targets_single`` (signatures differ)."""
        signature = _TARGETS_SIGNATURES.get(type(self))
        if signature is None:
            signature = inspect.signature(super()._get_targets_single)
            _TARGETS_SIGNATURES[type(self)] = signature
        return signature.bind(*args, **kwargs).arguments[name]
