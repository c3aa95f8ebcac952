"""Distillation by composition: a mixin that adds ``distill_terms`` to an mmdet dense head.

The base head computes its own losses and targets unchanged (``loss_by_feat``); while it
assigns, the mixin records each image's assignment (positives, GT indices, VLR weights) and
then evaluates the configured distillation terms on the student's and the teacher's outputs.
No loss body of the base head is copied, and nothing is left on the head between steps.
"""
import inspect
from contextlib import contextmanager, nullcontext
from typing import Dict, Iterator, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmdet.models.task_modules.prior_generators import anchor_inside_flags
from mmdet.models.utils import unpack_gt_instances
from mmdet.structures.bbox import get_box_tensor
from mmdet.utils import InstanceList, OptConfigType
from mmengine.logging import MMLogger
from torch import Tensor
from torch.profiler import record_function

from ..distill import DistillOutputs, DistillTargets, build_distill_terms
from ..distill.compatibility import check_teacher_detector
from ..distill.cross_head import CrossHead
from ..distill.inputs import DistillInputs
from ..distill.recorder import record_calls
from ..distill.targets import ImageTargets, point_box_distances
from .support import student_heads, unsupported_reason

#: what the head's ``loss`` takes from the detector: one teacher's outputs for every term, or
#: ``{teacher name: outputs}``
TeacherOutputs = Union[DistillOutputs, Dict[str, DistillOutputs]]

#: signature of each head class's ``_get_targets_single``, computed once per class
_TARGETS_SIGNATURES: Dict[type, inspect.Signature] = {}


class DistillHeadMixin:
    """Adds teacher-guided loss terms to a dense head; put it first in the bases.

    Works with anchor heads (they assign through ``self.assigner`` in
    ``_get_targets_single(flat_anchors, valid_flags, ...)``) and point heads such as FCOS
    (labels and box targets from ``_get_targets_single(gt_instances, points, ...)``).

    Args:
        distill_terms: ``{loss_name: term config}`` (see :mod:`ld_plugin.models.distill.terms`);
            ``None`` entries are switched off. Without a teacher (plain training or testing) the
            head behaves exactly like its base head.
        cross_head: CrossKD's cross head, ``dict(reused_conv=k, teacher_channels=None)`` (see
            :class:`~ld_plugin.models.distill.cross_head.CrossHead`), read by the terms with
            ``source='cross_head'``.

    Raises:
        ValueError: a term the head cannot serve (each term's ``check_student``).
        TypeError: a base head the mechanism cannot serve (TOOD, VFNet, PAA, DDOD, YOLOX; see
            :mod:`.support`).
    """

    #: side, in strides, of the square prior preset at each point of a point head (GFL's anchor)
    point_prior_scale: float = 8.0

    def __init__(self, *args, distill_terms: OptConfigType = None,
                 cross_head: OptConfigType = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        reason = unsupported_reason(self)
        if reason:
            raise TypeError(f'{type(self).__name__} cannot be a distillation student: {reason}. '
                            f'Student heads: {", ".join(student_heads())}')
        self.distill_terms: nn.ModuleDict = build_distill_terms(distill_terms)
        self.cross_head: Optional[CrossHead] = None
        if cross_head is not None:
            if not isinstance(cross_head, dict):
                raise TypeError(f'{type(self).__name__}: cross_head must be a dict such as '
                                f'dict(reused_conv=3), got {cross_head!r}')
            self.cross_head = CrossHead(**cross_head)
            self.cross_head.build_for(self)
            if not any(t.source == 'cross_head' for t in self.distill_terms.values()):
                MMLogger.get_current_instance().warning(
                    f"{type(self).__name__}: cross_head is set but no distill term has "
                    "source='cross_head'; it is never run")
        self._warned_no_teacher = False
        for term in self.distill_terms.values():
            term.check_student(self)

    def box_distill_problem(self) -> Optional[str]:
        """Why this head's decoded boxes cannot be compared with the teacher's (terms reading
        ``'bbox'`` are then refused at build time), or ``None``."""
        return None

    def bind_teachers(self, names: Sequence[str]) -> None:
        """Give each term the detector's teacher it reads: its ``teacher`` key, by default the
        only teacher (called by the detector before it builds the teachers).

        Raises:
            ValueError: a term names no teacher while there are several, names an unknown
                one, or the CrossKD terms read different teachers.
        """
        names = list(names)
        for term in self.distill_terms.values():
            if term.teacher is None:
                if len(names) != 1:
                    raise ValueError(
                        f'{type(self).__name__}: distill term {term.name!r} names no teacher, '
                        f'but the detector has {len(names)}: {names}; set '
                        f"{term.name}=dict(..., teacher='{names[0]}')")
                term.teacher = names[0]
            elif term.teacher not in names:
                raise ValueError(
                    f'{type(self).__name__}: distill term {term.name!r} reads '
                    f'teacher={term.teacher!r}, which is not one of the detector\'s teachers '
                    f'{names}' + ('' if len(names) > 1 else ' (one teacher: remove the key)'))
        cross = sorted({t.teacher for t in self.distill_terms.values()
                        if t.source == 'cross_head'})
        if len(cross) > 1:
            raise ValueError(f'{type(self).__name__}: the cross_head terms read teachers {cross}; '
                             "CrossKD's cross head runs through one teacher's head: name one")

    def cross_head_teacher(self) -> Optional[str]:
        """Name of the teacher whose head the cross head runs through (None: no CrossKD)."""
        for term in self.distill_terms.values():
            if term.source == 'cross_head':
                return term.teacher
        return None

    def _terms_of(self, name: Optional[str]) -> list:
        return [t for t in self.distill_terms.values() if name is None or t.teacher == name]

    def check_teacher(self, teacher: nn.Module, student: nn.Module,
                      name: Optional[str] = None) -> None:
        """The checks of the terms reading teacher ``name`` (all terms for ``None``) against the
        built ``teacher`` detector (``student``: this head's detector); raises
        :class:`IncompatibleTeacherError`."""
        check_teacher_detector(teacher, self.required_teacher_outputs(name))
        for term in self._terms_of(name):
            term.check_teacher(teacher, student)

    def required_teacher_outputs(self, name: Optional[str] = None) -> set:
        """Outputs of teacher ``name`` (all teachers for ``None``) that the terms read
        ('cls', 'bbox_dist', 'bbox', 'feats')."""
        needs: set = set()
        for term in self._terms_of(name):
            needs |= term.needs
        return needs

    def recording_towers(self, head: nn.Module):
        """Context manager recording ``head``'s tower features that the terms read (this head
        or the teacher's; CrossKD), ``{}`` when none."""
        if self.cross_head is None:
            return nullcontext({})
        return self.cross_head.record(head)

    # ------------------------------------------------------------------------------------ loss
    def loss(self, x: Tuple[Tensor], batch_data_samples: list,
             teacher: Optional[TeacherOutputs] = None, stopped: bool = False) -> dict:
        """Base head losses plus, when teacher outputs are given, the distillation terms.

        Args:
            teacher: the outputs every term reads, or ``{teacher name: outputs}`` (each term
                reads its teacher's).
            stopped: no teacher on purpose (:class:`~ld_plugin.engine.StopDistillHook`).
        """
        distill = teacher is not None and len(self.distill_terms) > 0
        with (self.recording_towers(self) if distill else nullcontext({})) as towers:
            outs = self(x)
        batch_gt_instances, batch_gt_instances_ignore, batch_img_metas = \
            unpack_gt_instances(batch_data_samples)
        if teacher is None and len(self.distill_terms) > 0 and not self._warned_no_teacher \
                and not stopped:
            self._warned_no_teacher = True
            MMLogger.get_current_instance().warning(
                f'{type(self).__name__}: distill_terms {list(self.distill_terms)} are not '
                'evaluated: the detector passes no teacher outputs (use '
                "type='DistillSingleStageDetector' with teacher_config and teacher_ckpt)")
        with self.recording_targets(outs[0], record=distill) as records, \
                record_function('ld_plugin:base_losses_and_recording'):
            losses = self.loss_by_feat(*outs, batch_gt_instances, batch_img_metas,
                                       batch_gt_instances_ignore)
        if distill:
            if not records:
                raise RuntimeError(
                    f'{type(self).__name__}: no assignment was recorded while computing the '
                    'base losses; this head is not supported by DistillHeadMixin')
            student = DistillOutputs(feats=x, head_outs=outs, tower_feats=towers, head=self)
            losses.update(self.loss_distill(student, teacher, records, batch_gt_instances))
        return losses

    def zero_distill_losses(self) -> Dict[str, Tensor]:
        """Every term's loss as an exact 0 that still reaches the parameters only the terms use
        (their adapters, the cross head's), so that DDP finds a gradient for each of them."""
        losses = {}
        for i, (name, term) in enumerate(self.distill_terms.items()):
            params = list(term.parameters())
            if i == 0 and self.cross_head is not None:
                params += list(self.cross_head.parameters())
            zero = next(self.parameters()).new_zeros(())
            losses[name] = sum((p.sum() * 0.0 for p in params), zero)
        return losses

    def loss_distill(self, student: DistillOutputs, teacher: TeacherOutputs,
                     records: List[ImageTargets],
                     batch_gt_instances: InstanceList) -> Dict[str, Tensor]:
        """Evaluate every distillation term on this batch, each on its teacher's outputs."""
        cls_scores = student.head_outs[0]
        priors = self.distill_priors([c.shape[-2:] for c in cls_scores], cls_scores[0])
        targets = DistillTargets.from_images(records, [len(p) for p in priors])
        gt_boxes = [get_box_tensor(g.bboxes) for g in batch_gt_instances]
        inputs: Dict[int, DistillInputs] = {}  # one per teacher: shared by its terms

        def inputs_for(outputs: DistillOutputs) -> DistillInputs:
            if id(outputs) not in inputs:
                sources = {}
                if self.cross_head is not None:
                    sources['cross_head'] = lambda: self.cross_head(student, outputs)
                inputs[id(outputs)] = DistillInputs(
                    student, outputs, targets, priors, self._strides(), self.num_base_priors,
                    self.num_classes, self.decode_distill_boxes, gt_boxes,
                    getattr(self, 'distributions_per_prior', 4), sources=sources)
            return inputs[id(outputs)]

        losses = {}
        for name, term in self.distill_terms.items():  # profiler labels: see speed.py --profile
            outputs = teacher if isinstance(teacher, DistillOutputs) else teacher[term.teacher]
            with record_function(f'ld_plugin:term:{name}'):
                losses[name] = term(inputs_for(outputs))
        return losses

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
        if getattr(self.prior_generator, 'base_anchors', None) is None:  # points (FCOS)
            priors = (priors[:, :2] + priors[:, 2:4]) / 2
        return self.bbox_coder.decode(priors, bbox_pred)

    # ------------------------------------------------------------------- assignment recording
    @contextmanager
    def recording_targets(self, cls_scores: List[Tensor],
                          record: bool = True) -> Iterator[List[ImageTargets]]:
        """Within the block, record each image's assignment made by the base head's own
        ``_get_targets_single``; the list yielded is filled when the block ends.

        Assigners flagged ``needs_num_level_priors`` (e.g. :class:`VLRMaxIoUAssigner`) also get
        the number of inside priors of each level, which mmdet's anchor heads do not pass
        (done even when ``record`` is False).
        """
        records: List[ImageTargets] = []
        assigner = getattr(self, 'assigner', None)
        needs_levels = getattr(assigner, 'needs_num_level_priors', False)
        if not record and not needs_levels:
            yield records
            return
        num_level_priors = [c.shape[-2] * c.shape[-1] * self.num_base_priors for c in cls_scores]
        current: dict = {}

        def before(*args, **kwargs):
            arguments = self._bound_arguments(*args, **kwargs)
            if 'points' in arguments:  # point head: its labels and box targets are the assignment
                gts = arguments['gt_instances']
                # before the head's own call: mmrotate regularises the GT boxes in place, which
                # turns a square by 90 degrees at each call
                return self.point_gt_distances(arguments['points'], gts.bboxes), gts.labels
            img_meta = arguments['img_meta']
            inside = anchor_inside_flags(arguments['flat_anchors'], arguments['valid_flags'],
                                         img_meta['img_shape'][:2],
                                         self.train_cfg['allowed_border'])
            current['levels'] = [int(f.sum()) for f in inside.split(num_level_priors)]
            return inside

        def level_counts(*args, **kwargs) -> dict:
            return {'num_level_priors': current['levels']} if needs_levels else {}

        assigns = record_calls(assigner, 'assign', extra_kwargs=level_counts) \
            if assigner is not None else nullcontext([])
        with record_calls(self, '_get_targets_single', before=before) as images, \
                assigns as assigned:
            yield records
        if not record:
            return
        if assigner is None:
            for call in images:
                distances, gt_labels = call.before
                records.append(ImageTargets.from_point_targets(
                    call.result[0], call.result[1], distances, gt_labels, self.num_classes))
        else:
            for call, assign in zip(images, assigned):
                records.append(ImageTargets.from_assign_result(assign.result, call.before,
                                                               self.num_classes))

    def point_gt_distances(self, points: Tensor, gt_bboxes) -> Tensor:
        """(P, G, 4) (l, t, r, b) distances from points to GTs, as the point head computes
        its targets (rotated heads measure them in the GT's frame)."""
        return point_box_distances(points, get_box_tensor(gt_bboxes))

    def _bound_arguments(self, *args, **kwargs) -> dict:
        """Arguments by name as passed to the base head's ``_get_targets_single``."""
        signature = _TARGETS_SIGNATURES.get(type(self))
        if signature is None:
            signature = inspect.signature(type(self)._get_targets_single)
            _TARGETS_SIGNATURES[type(self)] = signature
        return signature.bind(self, *args, **kwargs).arguments
