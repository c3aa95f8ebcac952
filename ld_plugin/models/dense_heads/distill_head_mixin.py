"""Distillation by composition: a mixin that adds ``distill_terms`` to an mmdet dense head.

The base head computes its own losses and targets unchanged (``loss_by_feat``); while it
assigns, the mixin records each image's assignment (positives, VLR weights) and then evaluates
the configured :class:`DistillTerm` s on the student's and the teacher's predictions. No loss
body of the base head is copied.
"""
import inspect
from typing import Dict, List, Optional, Set, Tuple

import torch.nn as nn
from mmdet.models.task_modules.prior_generators import anchor_inside_flags
from mmdet.models.utils import unpack_gt_instances
from mmdet.utils import OptConfigType
from torch import Tensor

from ..distill import DistillTargets, TeacherOutputs, build_distill_terms
from ..distill.targets import ImageTargets, flatten_level, num_level_priors_of
from ..distill.terms import DistillInputs


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
        self._check_vlr_assigner()

    # ----------------------------------------------------------------------------- build checks
    def _check_vlr_assigner(self) -> None:
        vlr_terms = [name for name, term in self.distill_terms.items() if term.needs_vlr]
        assigner = getattr(self, 'assigner', None)
        if not vlr_terms or assigner is None:  # no VLR term, or built for testing only
            return
        if not getattr(assigner, 'provides_vlr_weights', False):
            raise ValueError(
                f"{type(self).__name__}: distill terms {vlr_terms} use region='vlr' but "
                f'train_cfg.assigner is {type(assigner).__name__}, which gives no VLR weights; '
                "set train_cfg.assigner=dict(type='VLRATSSAssigner', topk=9)")

    def required_teacher_outputs(self) -> Set[str]:
        """Teacher predictions the configured terms compare ('cls', 'bbox_dist')."""
        return {term.pred for term in self.distill_terms.values()}

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
            losses.update(self.loss_distill(outs, teacher, records, len(batch_img_metas)))
        return losses

    def loss_distill(self, outs: tuple, teacher: TeacherOutputs, records: List[ImageTargets],
                     num_images: int) -> Dict[str, Tensor]:
        """Evaluate every distillation term on this batch."""
        student_preds = {'cls': list(outs[0]), 'bbox_dist': list(outs[1])}
        teacher_preds = {'cls': teacher.cls_scores, 'bbox_dist': teacher.bbox_preds}
        # class logits are always flattened: the 'student_score' weight reads them
        keys = self.required_teacher_outputs() | {'cls'}
        flat_s = {k: self._flatten(k, student_preds[k], 'student') for k in keys}
        flat_t = {k: self._flatten(k, teacher_preds[k], 'teacher') for k in keys}
        num_level_priors = num_level_priors_of([c.shape[-2:] for c in outs[0]],
                                               self.num_base_priors)
        targets = DistillTargets.from_images(records, num_level_priors)
        inputs = DistillInputs(flat_s, flat_t, targets, self.num_classes, num_images)
        return {name: term(inputs) for name, term in self.distill_terms.items()}

    def _flatten(self, key: str, preds: List[Tensor], who: str) -> List[Tensor]:
        a = self.num_base_priors
        flat = []
        for level, p in enumerate(preds):
            if p.shape[1] % a:
                raise ValueError(f'{who} {key} output of level {level} has {p.shape[1]} channels, '
                                 f'not a multiple of {a} priors per location')
            flat.append(flatten_level(p, p.shape[1] // a))
        return flat

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
        signature = inspect.signature(super()._get_targets_single)
        return signature.bind(*args, **kwargs).arguments[name]
