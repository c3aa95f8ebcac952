"""Distillation by composition: a mixin that adds ``distill_terms`` to an mmdet dense head.

The base head computes its own losses and targets unchanged (``loss_by_feat``); while it
assigns, the mixin records each image's assignment (positives, GT indices, VLR weights) and
then evaluates the configured distillation terms on the student's and the teacher's outputs.
No loss body of the base head is copied.
"""
import inspect
from typing import Dict, List, Optional, Set, Tuple

import torch
import torch.nn as nn
from mmdet.models.task_modules.prior_generators import anchor_inside_flags
from mmdet.models.utils import unpack_gt_instances
from mmdet.structures.bbox import get_box_tensor
from mmdet.utils import InstanceList, OptConfigType
from mmengine.logging import MMLogger
from torch import Tensor

from ..distill import DistillTargets, TeacherOutputs, build_distill_terms
from ..distill.inputs import DistillInputs
from ..distill.targets import ImageTargets, point_box_distances
from ..distill.terms import FeatureDistillTerm
from ..losses import ClassificationKDLoss


#: signature of each head class's base ``_get_targets_single``, computed once per class
_TARGETS_SIGNATURES: Dict[type, inspect.Signature] = {}


class _AssignRecorder:
    """Forwards ``assign`` to the wrapped assigner and keeps the last result.

    Assigners flagged ``needs_num_level_priors`` (e.g. :class:`VLRMaxIoUAssigner`) also get
    the number of (inside) priors of each level, which mmdet's anchor heads do not pass.
    """

    def __init__(self, assigner, num_level_priors: Optional[List[int]] = None) -> None:
        self.assigner = assigner
        self.num_level_priors = num_level_priors
        self.result = None

    def assign(self, *args, **kwargs):
        if getattr(self.assigner, 'needs_num_level_priors', False):
            kwargs.setdefault('num_level_priors', self.num_level_priors)
        self.result = self.assigner.assign(*args, **kwargs)
        return self.result

    def __getattr__(self, name: str):
        return getattr(self.assigner, name)


class DistillHeadMixin:
    """Adds teacher-guided loss terms to a dense head; put it first in the bases.

    Works with anchor heads (they assign through ``self.assigner`` in
    ``_get_targets_single(flat_anchors, valid_flags, ...)``) and point heads such as FCOS
    (labels and box targets from ``_get_targets_single(gt_instances, points, ...)``).

    Args:
        distill_terms: ``{loss_name: term config}`` (see :mod:`ld_plugin.models.distill.terms`);
            ``None`` entries are switched off. Without a teacher (plain training or testing) the
            head behaves exactly like its base head.
    """

    #: side, in strides, of the square prior preset at each point of a point head (GFL's anchor)
    point_prior_scale: float = 8.0

    def __init__(self, *args, distill_terms: OptConfigType = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.distill_terms: nn.ModuleDict = build_distill_terms(distill_terms)
        self._assign_records: Optional[List[ImageTargets]] = None
        self._num_level_priors: Optional[List[int]] = None
        self._warned_no_teacher = False
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
            if isinstance(term.loss, ClassificationKDLoss) and \
                    getattr(term, 'pred', None) == 'cls' and self.cls_out_channels == 1:
                MMLogger.get_current_instance().warning(
                    f'{head}: distill term {name!r} is a softmax over the class scores, which is '
                    'constant with one class: it is always 0 here. For one-class data use the '
                    "binary per-class KD (loss=dict(type='ld_plugin.BinaryClassificationKDLoss')"
                    ', bckd_cls in configs/_base_/distill/kd_terms.py) or remove the term')
        vlr_terms = [name for name, term in self.distill_terms.items() if term.needs_vlr]
        assigner = getattr(self, 'assigner', None)
        if not vlr_terms or assigner is None:  # no VLR term, or built for testing only
            return
        if not getattr(assigner, 'provides_vlr_weights', False):
            raise ValueError(
                f"{head}: distill terms {vlr_terms} use region='vlr' but "
                f'train_cfg.assigner is {type(assigner).__name__}, which gives no VLR weights; '
                "set train_cfg.assigner=dict(type='VLRATSSAssigner', topk=9) (ATSS "
                "assignment) or dict(type='VLRMaxIoUAssigner', ...) (max-IoU assignment)")

    def check_teacher_channels(self, t_channels: Optional[int]) -> None:
        """Checks that need the teacher: feature terms' channels match the teacher FPN's
        ``t_channels`` (measured, see ``check_feature_terms``)."""
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
        if teacher is None and len(self.distill_terms) > 0 and not self._warned_no_teacher:
            self._warned_no_teacher = True
            MMLogger.get_current_instance().warning(
                f'{type(self).__name__}: distill_terms {list(self.distill_terms)} are not '
                'evaluated: the detector passes no teacher outputs (use '
                "type='DistillSingleStageDetector' with teacher_config and teacher_ckpt)")
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
        priors = self.distill_priors([c.shape[-2:] for c in outs[0]], outs[0][0])
        targets = DistillTargets.from_images(records, [len(p) for p in priors])
        inputs = DistillInputs(
            outs, teacher.head_outs, x, teacher.feats, targets, priors, self._strides(),
            self.num_base_priors, self.num_classes, self.decode_distill_boxes,
            [get_box_tensor(g.bboxes) for g in batch_gt_instances],
            getattr(self, 'num_values', 4))
        return {name: term(inputs) for name, term in self.distill_terms.items()}

    def _strides(self) -> List[int]:
        return [s[0] if isinstance(s, (tuple, list)) else s for s in self.prior_generator.strides]

    def distill_priors(self, featmap_sizes: list, like: Tensor) -> List[Tensor]:
        """(P_l, 4) prior boxes per level, or (P_l, 5) rotated anchors. Point heads (FCOS) get
        a square of ``point_prior_scale`` strides around each point, as LD presets one anchor
        per location of anchor-free heads (only the imitation regions and box decoding use
        it)."""
        priors = [get_box_tensor(p) for p in self.prior_generator.grid_priors(
            featmap_sizes, dtype=like.dtype, device=like.device)]
        if priors[0].size(-1) != 2:  # boxes (4) or rotated boxes (5)
            return priors
        return [torch.cat([p[:, :2] - self.point_prior_scale * s / 2,
                           p[:, :2] + self.point_prior_scale * s / 2], dim=1)
                for p, s in zip(priors, self._strides())]

    def decode_distill_boxes(self, priors: Tensor, bbox_pred: Tensor, stride: int) -> Tensor:
        """Boxes of (P, K) box predictions at (P, 4) priors of one level: the head's
        ``decode_bbox_pred(priors, bbox_pred, stride)`` when it has one (distribution heads),
        else its bbox coder."""
        decode = getattr(self, 'decode_bbox_pred', None)
        if decode is not None:
            return decode(priors, bbox_pred, stride)
        return self.bbox_coder.decode(priors, bbox_pred)

    # -------------------------------------------------------------- assignment recording hook
    def loss_by_feat(self, cls_scores: List[Tensor], *args, **kwargs) -> dict:
        """The base head's losses; remembers the number of priors of each level."""
        self._num_level_priors = [c.shape[-2] * c.shape[-1] * self.num_base_priors
                                  for c in cls_scores]
        return super().loss_by_feat(cls_scores, *args, **kwargs)

    def _get_targets_single(self, *args, **kwargs):
        """Run the base head's target computation and record its assignment."""
        assigner = getattr(self, 'assigner', None)
        needs_levels = getattr(assigner, 'needs_num_level_priors', False)
        if self._assign_records is None and not needs_levels:
            return super()._get_targets_single(*args, **kwargs)
        arguments = self._bound_arguments(*args, **kwargs)
        if 'points' in arguments:  # point head: its labels and box targets are the assignment
            gt_instances = arguments['gt_instances']
            # before the head's own call: mmrotate regularises the GT boxes in place, which
            # turns a square by 90 degrees at each call
            distances = self.point_gt_distances(arguments['points'], gt_instances.bboxes)
            result = super()._get_targets_single(*args, **kwargs)
            self._assign_records.append(ImageTargets.from_point_targets(
                result[0], result[1], distances, gt_instances.labels, self.num_classes))
            return result
        img_meta = arguments['img_meta']
        inside = anchor_inside_flags(arguments['flat_anchors'], arguments['valid_flags'],
                                     img_meta['img_shape'][:2], self.train_cfg['allowed_border'])
        level_counts = None
        if needs_levels:
            level_counts = [int(f.sum()) for f in inside.split(self._num_level_priors)]
        recorder = _AssignRecorder(assigner, level_counts)
        self.assigner = recorder
        try:
            result = super()._get_targets_single(*args, **kwargs)
        finally:
            self.assigner = assigner
        if self._assign_records is not None:
            self._assign_records.append(
                ImageTargets.from_assign_result(recorder.result, inside, self.num_classes))
        return result

    def point_gt_distances(self, points: Tensor, gt_bboxes) -> Tensor:
        """(P, G, 4) (l, t, r, b) distances from points to GTs, as the point head computes
        its targets (rotated heads measure them in the GT's frame)."""
        return point_box_distances(points, get_box_tensor(gt_bboxes))

    def _bound_arguments(self, *args, **kwargs) -> dict:
        """Arguments by name as passed to the base head's ``_get_targets_single``."""
        signature = _TARGETS_SIGNATURES.get(type(self))
        if signature is None:
            signature = inspect.signature(super()._get_targets_single)
            _TARGETS_SIGNATURES[type(self)] = signature
        return signature.bind(*args, **kwargs).arguments
