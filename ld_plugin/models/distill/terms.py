"""Distillation terms: a loss module + what it compares + where (a region) + a normaliser.

One term is one entry of a student head's ``distill_terms`` config. The kind of term follows
from the loss (its ``distill_kind`` attribute):

- ``prior`` (default; LD, KD, BCKD): the loss compares per-prior rows of one prediction over a
  region, ``loss(student_rows, teacher_rows, weight, avg_factor)``. Keys: ``pred``, ``region``,
  ``weight``, ``avg_factor`` (see :class:`PriorDistillTerm`). The full LD recipe::

      distill_terms=dict(
          loss_ld=dict(pred='bbox_dist', region='main', weight='student_score', avg_factor=4.0,
                       loss=dict(type='LocalizationDistillationLoss', loss_weight=0.25, T=10)),
          loss_vlr_ld=dict(pred='bbox_dist', region='vlr', weight='region', avg_factor=16.0,
                           loss=dict(type='LocalizationDistillationLoss', loss_weight=0.25, T=10)),
          loss_kd=dict(pred='cls', region='main', weight='region', avg_factor='level_count',
                       loss=dict(type='ClassificationKDLoss', loss_weight=10, T=2)))

- ``rank`` (Rank Mimicking): per-GT groups of positives (:class:`RankMimickingTerm`).
- ``feature_pfi`` / ``feature_mask`` / ``feature`` (PFI, feature imitation, PKD): FPN features
  per level (:class:`FeatureDistillTerm`); ``region`` picks the imitation mask of
  ``feature_mask`` losses.

Regions, prior weights and normalisers are the tables of :mod:`.regions`. A prior term with
``source='cross_head'`` distills CrossKD's cross-head predictions instead of the student's own
(:mod:`.cross_head`). A new kind of term is a class registered with :func:`register_term`.
"""
from typing import Callable, Dict, Optional, Set, Tuple, Type, Union

import torch
import torch.nn as nn
from mmdet.registry import MODELS
from mmdet.utils import reduce_mean
from mmengine.logging import MMLogger
from torch import Tensor

from .compatibility import IncompatibleTeacherError, check_feature_terms, check_teacher_student
from .inputs import PREDS, DistillInputs
from .regions import NORMALISERS, REGIONS, WEIGHTS, location_masks, region_name

#: where a term's student side comes from: the head's own predictions or a source of
#: :class:`DistillInputs` (``'cross_head'``: CrossKD, see :mod:`.cross_head`)
SOURCES = ('student', 'cross_head')

#: term classes by kind; a loss names its kind in ``distill_kind`` (default ``'prior'``)
TERM_KINDS: Dict[str, Type['DistillTerm']] = {}


def register_term(*kinds: str) -> Callable[[type], type]:
    """Class decorator: the term class serves losses of these ``distill_kind`` values."""
    def register(cls: type) -> type:
        for kind in kinds:
            if kind in TERM_KINDS:
                raise KeyError(f'distill term kind {kind!r} is already registered by '
                               f'{TERM_KINDS[kind].__name__}')
            TERM_KINDS[kind] = cls
        return cls
    return register


def _region_needs(region: str) -> Set[str]:
    """Teacher predictions a region reads."""
    return set(REGIONS[region].needs)


def _check_choice(name: str, key: str, value, choices) -> None:
    if value not in choices:
        raise ValueError(f'distill term {name!r}: {key}={value!r} is not supported; '
                         f'choose one of {list(choices)}')


class DistillTerm(nn.Module):
    """Base: a named loss module evaluated on :class:`DistillInputs`.

    A term owns its checks: :meth:`check_student` when the student head is built,
    :meth:`check_teacher` when the detector has built the teacher. The head and the detector
    call only these.
    """

    #: config keys the term accepts besides ``loss`` and ``teacher``
    keys: Tuple[str, ...] = ()

    def __init__(self, name: str, loss: nn.Module) -> None:
        super().__init__()
        self.name = name
        self.loss = loss
        #: name of the detector's teacher the term reads (``teacher`` key; bound by
        #: :meth:`DistillHeadMixin.bind_teachers`, default the only teacher)
        self.teacher: Optional[str] = None

    @property
    def needs(self) -> Set[str]:
        """Teacher outputs the term reads: predictions in ``PREDS`` and/or ``'feats'``."""
        return set()

    @property
    def source(self) -> str:
        """Whose outputs are distilled towards the teacher's (see ``SOURCES``)."""
        return 'student'

    def check_student(self, head: nn.Module) -> None:
        """Raise ``ValueError`` when the student ``head`` cannot provide what the term reads."""
        problem = head.box_distill_problem() if 'bbox' in self.needs else None
        if problem:
            raise ValueError(f'{type(head).__name__}: distill term {self.name!r} compares '
                             f'decoded boxes, but {problem}')

    def check_teacher(self, teacher: nn.Module, student: nn.Module) -> None:
        """Raise :class:`IncompatibleTeacherError` when the built ``teacher`` detector cannot
        guide the ``student`` detector for this term (the teacher's kind is checked first,
        for all terms at once, by :func:`check_teacher_detector`)."""
        preds = self.needs - {'feats'}
        if preds:
            check_teacher_student(teacher.bbox_head, student.bbox_head, preds)

    def forward(self, inputs: DistillInputs) -> Tensor:
        raise NotImplementedError


@register_term('prior')
class PriorDistillTerm(DistillTerm):
    """A per-prior loss over one region, summed over FPN levels.

    Args:
        pred: ``'bbox_dist'`` (box distribution logits: one row of reg_max + 1 bins per
            distribution, 4 per prior, 5 for the rotated heads), ``'cls'`` (class logits: 1
            row of C per prior) or ``'bbox'`` (boxes decoded by the student head's decoder,
            teacher boxes with the same decoder).
        region: a region of :data:`.regions.REGIONS`: ``'main'`` (assigned positives, weight
            1), ``'vlr'`` (Valuable Localization Region, weight = IoU with its GT, from
            :class:`VLRATSSAssigner`), ``'valid'`` (every prior the head's classification loss
            counts, weight = label weight), ``'everywhere'``, ``'inside_gt'``,
            ``'finegrained'``, ``'gibox'``.
        weight: ``'region'`` (the region weight), ``'student_score'`` (times the student's max
            class probability, detached: Main LD), ``'score_diff'`` (times
            max_c |σ(t_c) − σ(s_c)|, detached: BCKD's localization term), ``'teacher_score'``
            (times the teacher's max class probability: CrossKD's localization term).
        avg_factor: a number (used as is on the rows, like the official code: 4.0 for Main LD,
            16.0 for VLR LD), ``'level_count'`` (priors of the region at that level: official
            Main KD; averaged over GPUs like mmdet's ``num_pos``, so that a batch split over
            several GPUs gives the single-GPU loss), ``'num_pos'`` (positives in the batch
            averaged over GPUs, at least 1), ``'num_pos_all_levels'`` (the same, but no level
            is skipped: CrossKD), ``'num_pos_ema'`` (see below), ``'num_images'``
            (images per GPU) or ``'weight_sum'`` (the summed prior weights of the region over
            all levels, this GPU: CrossKD's GFL localization term); the strings are
            multiplied by the rows per prior. With ``'num_pos'`` a level without any positive
            in the whole batch (all GPUs) contributes 0, as the official BCKD code skips such
            levels: a sum over every valid prior divided by a count of positives is otherwise
            unbounded on a batch without positives. With few positives such a term still
            grows as ``#priors / num_pos`` (as the head's own QFL / focal loss does);
            ``'num_pos_ema'`` divides by an exponential moving average of ``'num_pos'``
            instead (momentum 0.9, first value = first batch, updated in training only;
            Detectron2's RetinaNet normaliser), which bounds a batch with few positives by the
            recent batches' normaliser; levels without positives are skipped the same way.
        source: ``'student'`` (the head's own predictions, default) or ``'cross_head'``
            (CrossKD: the student's tower features run through the teacher's head; needs
            ``cross_head`` on the student head).
    """

    keys = ('pred', 'region', 'weight', 'avg_factor', 'source')

    def __init__(self, name: str, loss: nn.Module, pred: str, region: str,
                 weight: str = 'region', avg_factor: Union[float, str] = 'num_pos',
                 source: str = 'student') -> None:
        super().__init__(name, loss)
        _check_choice(name, 'pred', pred, PREDS)
        region = region_name(name, 'prior', region)
        _check_choice(name, 'weight', weight, WEIGHTS)
        _check_choice(name, 'source', source, SOURCES)
        if isinstance(avg_factor, str):
            _check_choice(name, 'avg_factor', avg_factor, NORMALISERS)
        elif not avg_factor > 0:
            raise ValueError(f'distill term {name!r}: avg_factor={avg_factor!r} must be > 0 or one '
                             f'of {list(NORMALISERS)}')
        self.pred = pred
        self.region = region
        self.weight = weight
        self.avg_factor = avg_factor
        self._source = source
        #: running ``num_pos`` of ``'num_pos_ema'`` (the same on every GPU: fed the GPU mean)
        self.num_pos_ema: Optional[float] = None

    @property
    def needs(self) -> Set[str]:
        needs = {self.pred} | _region_needs(self.region)
        return needs | {'cls'} if self.weight != 'region' else needs

    @property
    def source(self) -> str:
        return self._source

    def check_student(self, head: nn.Module) -> None:
        super().check_student(head)
        kind = type(head).__name__
        if self.pred == 'bbox_dist' and getattr(head, 'reg_max', None) is None:
            raise ValueError(
                f"{kind}: distill term {self.name!r} compares box distributions ('bbox_dist') "
                'but this head predicts no edge distribution (no reg_max); use a '
                "distribution head (e.g. DistillGFLHead) or pred='bbox'")
        if self.source == 'cross_head' and getattr(head, 'cross_head', None) is None:
            raise ValueError(
                f"{kind}: distill term {self.name!r} has source='cross_head' but the head has no "
                'cross head; set cross_head=dict(reused_conv=...) on the head (CrossKD, see '
                "configs/_base_/distill/crosskd_terms.py) or source='student'")
        if getattr(self.loss, 'softmax_over_row', False) and self.pred == 'cls' and \
                head.cls_out_channels == 1:
            MMLogger.get_current_instance().warning(
                f'{kind}: distill term {self.name!r} is a softmax over the class scores, which is '
                'constant with one class: it is always 0 here. For one-class data use the '
                "binary per-class KD (loss=dict(type='ld_plugin.BinaryClassificationKDLoss')"
                ', bckd_cls in configs/_base_/distill/kd_terms.py) or remove the term')
        assigner = getattr(head, 'assigner', None)
        if self.region == 'vlr' and assigner is not None and \
                not getattr(assigner, 'provides_vlr_weights', False):
            raise ValueError(
                f"{kind}: distill term {self.name!r} uses region='vlr' but "
                f'train_cfg.assigner is {type(assigner).__name__}, which gives no VLR weights; '
                "set train_cfg.assigner=dict(type='VLRATSSAssigner', topk=9) (ATSS "
                "assignment), dict(type='VLRMaxIoUAssigner', ...) (max-IoU assignment) or "
                "dict(type='VLRDynamicSoftLabelAssigner', topk=13) (RTMDet)")

    def check_teacher(self, teacher: nn.Module, student: nn.Module) -> None:
        super().check_teacher(teacher, student)
        if self.source == 'cross_head':
            student.bbox_head.cross_head.check_teacher(teacher.bbox_head, student.bbox_head)

    def forward(self, inputs: DistillInputs) -> Tensor:
        """Sum of the per-level losses (mmdet sums per-level loss lists the same way)."""
        regions = inputs.region(self.region)
        masks = [weights > 0 for weights in regions]
        weights = [self._prior_weights(inputs, level, masks[level], regions[level])
                   for level in range(inputs.num_levels)]
        # normalisers first, on every process: those averaged over GPUs are collective calls,
        # which a process with an empty region must not skip (the others would wait forever)
        normalisers = NORMALISERS[self.avg_factor](self, inputs, masks, weights) \
            if isinstance(self.avg_factor, str) else [float(self.avg_factor)] * len(masks)
        losses = [self._level_loss(inputs, level, masks[level], weights[level], normalisers[level])
                  for level in range(inputs.num_levels)]
        return torch.stack(losses).sum()

    def _prior_weights(self, inputs: DistillInputs, level: int, mask: Tensor,
                       region_weight: Tensor) -> Tensor:
        """(M,) weight of each prior in ``mask``: region weight × the ``weight`` factor."""
        w = region_weight[mask]
        factor = WEIGHTS[self.weight]
        return w if factor is None else w * factor(inputs, level, mask)

    def _level_loss(self, inputs: DistillInputs, level: int, mask: Tensor, w: Tensor,
                    normaliser: Optional[float]) -> Tensor:
        student = inputs.preds(self.source, self.pred)[level]
        teacher = inputs.preds('teacher', self.pred)[level]
        if normaliser is None or not mask.any():
            return student.sum() * 0
        s, t = student[mask], teacher[mask]
        rows = 1
        if self.pred == 'bbox_dist':
            rows = inputs.distributions_per_prior
            s, t = s.reshape(-1, s.shape[-1] // rows), t.reshape(-1, t.shape[-1] // rows)
            w = w[:, None].expand(-1, rows).reshape(-1)
        if isinstance(self.avg_factor, str):
            normaliser = normaliser * rows
        return self.loss(s, t, weight=w, avg_factor=normaliser)


@register_term('rank')
class RankMimickingTerm(DistillTerm):
    """Rank Mimicking over each GT's group of positives (all levels of one image together).

    Score of a positive prior = σ(logit of its GT's class) for teacher and student at the same
    prior; the loss compares the two rank distributions per group. Normalised by the number of
    GTs with positives, averaged over GPUs.
    """

    @property
    def needs(self) -> Set[str]:
        return {'cls'}

    def forward(self, inputs: DistillInputs) -> Tensor:
        t = inputs.targets
        s_all, t_all, groups = [], [], []
        num_groups_per_image = max(int(g.max().item()) for g in t.gt_inds) + 1
        for level in range(inputs.num_levels):
            labels, gt_inds = t.labels[level], t.gt_inds[level]
            mask = (labels >= 0) & (labels < inputs.num_classes)
            cls_index = labels[mask][:, None]
            s_all.append(inputs.preds('student', 'cls')[level][mask].gather(1, cls_index)[:, 0])
            t_all.append(inputs.preds('teacher', 'cls')[level][mask].gather(1, cls_index)[:, 0])
            image = torch.nonzero(mask, as_tuple=True)[0]
            groups.append(image * num_groups_per_image + gt_inds[mask])
        student, teacher = torch.cat(s_all).sigmoid(), torch.cat(t_all).sigmoid()
        group_ids = torch.cat(groups)
        # averaged over GPUs before any early return: every process takes part in the reduce
        count = torch.as_tensor(float(torch.unique(group_ids).numel()), device=group_ids.device)
        avg_factor = reduce_mean(count).clamp(min=1).item()
        if group_ids.numel() == 0:
            return inputs.preds('student', 'cls')[0].sum() * 0
        return self.loss(student, teacher, group_ids, avg_factor=avg_factor)


@register_term('feature_pfi', 'feature_mask', 'feature')
class FeatureDistillTerm(DistillTerm):
    """Feature imitation on the FPN features, per level.

    ``feature_pfi`` losses (PFI) weight the feature difference by the prediction difference and
    are averaged over levels; ``feature_mask`` losses (MSE) imitate the locations of a
    ``region`` (any region of :data:`.regions.REGIONS`: a location counts when any of its
    priors is in the region; usually ``'everywhere'``, ``'inside_gt'``, ``'finegrained'`` or
    ``'gibox'``), summed over levels like the official code; ``feature`` losses (PKD) compare
    whole feature maps, summed over levels.
    """

    keys = ('region', )

    def __init__(self, name: str, loss: nn.Module, region: Optional[str] = None) -> None:
        super().__init__(name, loss)
        self.kind = loss.distill_kind
        if self.kind != 'feature_mask':
            if region is not None:
                raise ValueError(f'distill term {name!r}: {type(loss).__name__} compares whole '
                                 f'feature maps; remove region={region!r}')
        else:
            region = region_name(name, 'feature', region)
        self.region = region

    @property
    def needs(self) -> Set[str]:
        needs = {'feats'}
        if self.kind == 'feature_pfi':
            needs.add('cls')
        if self.region is not None:
            needs |= _region_needs(self.region)
        return needs

    def check_student(self, head: nn.Module) -> None:
        super().check_student(head)
        channels = getattr(self.loss, 'student_channels', None)
        if channels is not None and channels != head.in_channels:
            raise ValueError(
                f'{type(head).__name__}: distill term {self.name!r} has student_channels='
                f'{channels} but the student FPN has {head.in_channels} channels; set '
                f'loss.student_channels={head.in_channels}')

    def check_teacher(self, teacher: nn.Module, student: nn.Module) -> None:
        super().check_teacher(teacher, student)
        t_channels = check_feature_terms(teacher, student, {self.name: self})
        expected = getattr(self.loss, 'teacher_channels', None) or student.bbox_head.in_channels
        if expected != t_channels:
            key = 'loss.teacher_channels' if hasattr(self.loss, 'teacher_channels') else \
                'the student neck out_channels'
            raise IncompatibleTeacherError(
                f'{type(student.bbox_head).__name__}: distill term {self.name!r} expects '
                f'{expected} teacher FPN channels but the teacher FPN has {t_channels} channels;'
                f' set {key}={t_channels}')

    def forward(self, inputs: DistillInputs) -> Tensor:
        losses = []
        masks = location_masks(inputs, self.region) if self.kind == 'feature_mask' else None
        feats = inputs.feats
        for level in range(inputs.num_levels):
            s_feat, t_feat = feats['student'][level], feats['teacher'][level]
            if self.kind == 'feature_pfi':
                losses.append(self.loss(s_feat, t_feat, inputs.side('student').head_outs[0][level],
                                        inputs.side('teacher').head_outs[0][level]))
            elif self.kind == 'feature_mask':
                losses.append(self.loss(s_feat, t_feat, masks[level]))
            else:
                losses.append(self.loss(s_feat, t_feat))
        total = torch.stack(losses)
        return total.mean() if self.kind == 'feature_pfi' else total.sum()


def check_loss_weight(name: str, loss: nn.Module) -> None:
    """A negative ``loss_weight`` would push the student *away* from the teacher (gradient
    ascent on the divergence): refused. Zero: the term is computed for nothing, said in the log.

    Raises:
        ValueError: ``loss_weight < 0``.
    """
    weight = getattr(loss, 'loss_weight', None)
    if not isinstance(weight, (int, float)):
        return
    if weight < 0:
        raise ValueError(f'distill term {name!r}: loss_weight={weight} is negative, which '
                         'maximises the difference to the teacher; use a positive weight, or '
                         f'set {name}=None to switch the term off')
    if weight == 0:
        MMLogger.get_current_instance().warning(
            f'distill term {name!r}: loss_weight=0 computes the term for nothing; set '
            f'{name}=None in distill_terms to switch it off')


def build_distill_term(name: str, cfg: dict) -> DistillTerm:
    if not name.startswith('loss'):
        raise ValueError(f'distill term {name!r}: names must start with "loss" so that '
                         'mmengine back-propagates them (e.g. "loss_ld")')
    if not isinstance(cfg, dict):
        raise TypeError(f'distill term {name!r} must be a dict, got {cfg!r}')
    cfg = dict(cfg)
    teacher = cfg.pop('teacher', None)
    if teacher is not None and not (isinstance(teacher, str) and teacher):
        raise TypeError(f'distill term {name!r}: teacher must be the name of one of the '
                        f"detector's teachers (a str), got {teacher!r}")
    loss_cfg = cfg.pop('loss', None)
    if not isinstance(loss_cfg, dict) or 'type' not in loss_cfg:
        raise ValueError(f"distill term {name!r}: 'loss' must be a loss config dict with a "
                         f"'type', got {loss_cfg!r}")
    loss = MODELS.build(loss_cfg)
    check_loss_weight(name, loss)
    kind = getattr(loss, 'distill_kind', 'prior')
    term_cls = TERM_KINDS[kind]
    unknown = set(cfg) - set(term_cls.keys)
    if unknown:
        raise ValueError(f'distill term {name!r} ({type(loss).__name__}): unknown keys '
                         f'{sorted(unknown)}; allowed: {["loss", "teacher", *term_cls.keys]}')
    term = term_cls(name, loss, **cfg)
    term.teacher = teacher
    return term


def build_distill_terms(cfg: Optional[dict]) -> nn.ModuleDict:
    """Build ``{loss_name: DistillTerm}``; entries set to ``None`` are switched off."""
    terms = nn.ModuleDict()
    if cfg is None:
        return terms
    if not isinstance(cfg, dict):
        raise TypeError(f'distill_terms must be a dict of term configs, got {type(cfg).__name__}')
    for name, term_cfg in cfg.items():
        if term_cfg is not None:
            terms[name] = build_distill_term(name, term_cfg)
    return terms
