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
- ``feature_pfi`` / ``feature_mask`` (PFI, feature imitation): FPN features per level
  (:class:`FeatureDistillTerm`); ``region`` picks the imitation mask of ``feature_mask`` losses.
"""
from typing import List, Optional, Set, Tuple, Union

import torch
import torch.nn as nn
from mmdet.registry import MODELS
from mmdet.utils import reduce_mean
from mmengine.logging import MMLogger
from torch import Tensor

from ..losses.feature_imitation_loss import finegrained_mask, fitnet_mask, gibox_mask
from .inputs import PREDS, DistillInputs

REGIONS = ('main', 'vlr', 'all')
WEIGHTS = ('region', 'student_score', 'score_diff')
NORMALISERS = ('level_count', 'num_pos', 'num_pos_ema', 'num_images')
#: momentum of the ``'num_pos_ema'`` normaliser (Detectron2's RetinaNet ``loss_normalizer``)
POS_EMA_MOMENTUM = 0.9
FEATURE_REGIONS = ('all', 'fitnet', 'finegrained', 'gibox')


def _check_choice(name: str, key: str, value, choices) -> None:
    if value not in choices:
        raise ValueError(f'distill term {name!r}: {key}={value!r} is not supported; '
                         f'choose one of {list(choices)}')


class DistillTerm(nn.Module):
    """Base: a named loss module evaluated on :class:`DistillInputs`."""

    #: config keys the term accepts besides ``loss``
    keys: Tuple[str, ...] = ()

    def __init__(self, name: str, loss: nn.Module) -> None:
        super().__init__()
        self.name = name
        self.loss = loss

    @property
    def needs(self) -> Set[str]:
        """Teacher outputs the term reads: predictions in ``PREDS`` and/or ``'feats'``."""
        return set()

    @property
    def needs_vlr(self) -> bool:
        return False

    def forward(self, inputs: DistillInputs) -> Tensor:
        raise NotImplementedError


class PriorDistillTerm(DistillTerm):
    """A per-prior loss over one region, summed over FPN levels.

    Args:
        pred: ``'bbox_dist'`` (box distribution logits: one row of reg_max + 1 bins per
            distribution, 4 per prior, 5 for the rotated heads), ``'cls'`` (class logits: 1 row of C per prior) or ``'bbox'`` (boxes decoded
            by the student head's decoder, teacher boxes with the same decoder).
        region: ``'main'`` (assigned positives, weight 1), ``'vlr'`` (Valuable Localization
            Region, weight = IoU with its GT, from :class:`VLRATSSAssigner`), ``'all'`` (every
            valid prior, weight = label weight).
        weight: ``'region'`` (the region weight), ``'student_score'`` (times the student's max
            class probability, detached: Main LD), ``'score_diff'`` (times
            max_c |σ(t_c) − σ(s_c)|, detached: BCKD's localization term).
        avg_factor: a number (used as is on the rows, like the official code: 4.0 for Main LD,
            16.0 for VLR LD), ``'level_count'`` (priors of the region at that level: official
            Main KD; averaged over GPUs like mmdet's ``num_pos``, so that a batch split over
            several GPUs gives the single-GPU loss), ``'num_pos'`` (positives in the batch
            averaged over GPUs, at least 1), ``'num_pos_ema'`` (see below) or ``'num_images'``
            (images per GPU); the last four are multiplied by the rows per prior. With
            ``'num_pos'`` a level without any positive in the whole batch (all GPUs) contributes
            0, as the official BCKD code skips such levels: a sum over every valid prior divided
            by a count of positives is otherwise unbounded on a batch without positives. With
            few positives such a term still grows as ``#priors / num_pos`` (as the head's own
            QFL / focal loss does); ``'num_pos_ema'`` divides by an exponential moving average
            of ``'num_pos'`` instead (momentum 0.9, first value = first batch, updated in
            training only; Detectron2's RetinaNet normaliser), which bounds a batch with few
            positives by the recent batches' normaliser; levels without positives are skipped
            the same way.
    """

    keys = ('pred', 'region', 'weight', 'avg_factor')

    def __init__(self, name: str, loss: nn.Module, pred: str, region: str,
                 weight: str = 'region', avg_factor: Union[float, str] = 'num_pos') -> None:
        super().__init__(name, loss)
        _check_choice(name, 'pred', pred, PREDS)
        _check_choice(name, 'region', region, REGIONS)
        _check_choice(name, 'weight', weight, WEIGHTS)
        if isinstance(avg_factor, str):
            _check_choice(name, 'avg_factor', avg_factor, NORMALISERS)
        elif not avg_factor > 0:
            raise ValueError(f'distill term {name!r}: avg_factor={avg_factor!r} must be > 0 or one '
                             f'of {NORMALISERS}')
        self.pred = pred
        self.region = region
        self.weight = weight
        self.avg_factor = avg_factor
        #: running ``num_pos`` of ``'num_pos_ema'`` (the same on every GPU: fed the GPU mean)
        self.num_pos_ema: Optional[float] = None

    @property
    def needs(self) -> Set[str]:
        return {self.pred, 'cls'} if self.weight != 'region' else {self.pred}

    @property
    def needs_vlr(self) -> bool:
        return self.region == 'vlr'

    def forward(self, inputs: DistillInputs) -> Tensor:
        """Sum of the per-level losses (mmdet sums per-level loss lists the same way)."""
        regions = [self._region(inputs, level) for level in range(inputs.num_levels)]
        # normalisers first, on every process: those averaged over GPUs are collective calls,
        # which a process with an empty region must not skip (the others would wait forever)
        normalisers = self._normalisers(inputs, [mask for mask, _ in regions])
        losses = [self._level_loss(inputs, level, *regions[level], normalisers[level])
                  for level in range(inputs.num_levels)]
        return torch.stack(losses).sum()

    def _region(self, inputs: DistillInputs, level: int) -> Tuple[Tensor, Tensor]:
        t = inputs.targets
        if self.region == 'main':
            labels = t.labels[level]
            mask = (labels >= 0) & (labels < inputs.num_classes)
            return mask, mask.float()
        weights = t.vlr_weights[level] if self.region == 'vlr' else t.label_weights[level]
        return weights > 0, weights

    def _level_loss(self, inputs: DistillInputs, level: int, mask: Tensor,
                    region_weight: Tensor, normaliser: Optional[float]) -> Tensor:
        student = inputs.preds('student', self.pred)[level]
        teacher = inputs.preds('teacher', self.pred)[level]
        if normaliser is None or not mask.any():
            return student.sum() * 0
        s, t, w = student[mask], teacher[mask], region_weight[mask]
        if self.weight != 'region':
            s_prob = inputs.preds('student', 'cls')[level][mask].detach().sigmoid()
            if self.weight == 'student_score':
                w = w * s_prob.max(dim=-1)[0]
            else:
                t_prob = inputs.preds('teacher', 'cls')[level][mask].detach().sigmoid()
                w = w * (t_prob - s_prob).abs().max(dim=-1)[0]
        rows = 1
        if self.pred == 'bbox_dist':
            rows = inputs.distributions_per_prior
            s, t = s.reshape(-1, s.shape[-1] // rows), t.reshape(-1, t.shape[-1] // rows)
            w = w[:, None].expand(-1, rows).reshape(-1)
        if isinstance(self.avg_factor, str):
            normaliser = normaliser * rows
        return self.loss(s, t, weight=w, avg_factor=normaliser)

    def _normalisers(self, inputs: DistillInputs, masks: List[Tensor]) -> List[Optional[float]]:
        """avg_factor of each level, per row of a prior (multiplied by the rows per prior);
        ``None`` for a level that contributes nothing (no positive anywhere in the batch, for
        ``'num_pos'`` and ``'num_pos_ema'``)."""
        if not isinstance(self.avg_factor, str):
            return [float(self.avg_factor)] * len(masks)
        if self.avg_factor == 'level_count':  # region priors per level, averaged over GPUs
            counts = torch.stack([mask.sum() for mask in masks]).float()
            return reduce_mean(counts).clamp(min=1).tolist()
        if self.avg_factor in ('num_pos', 'num_pos_ema'):
            normaliser = inputs.num_pos if self.avg_factor == 'num_pos' else self._pos_ema(inputs)
            return [normaliser if count > 0 else None for count in inputs.level_num_pos]
        return [float(inputs.num_images)] * len(masks)

    def _pos_ema(self, inputs: DistillInputs) -> float:
        """Moving average of the positives per batch (averaged over GPUs), at least 1."""
        if self.num_pos_ema is None:
            self.num_pos_ema = inputs.num_pos
        elif self.training:
            self.num_pos_ema = (POS_EMA_MOMENTUM * self.num_pos_ema
                                + (1 - POS_EMA_MOMENTUM) * inputs.num_pos)
        return max(self.num_pos_ema, 1.0)


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


class FeatureDistillTerm(DistillTerm):
    """Feature imitation on the FPN features, per level.

    ``feature_pfi`` losses (PFI) weight the feature difference by the prediction difference and
    are averaged over levels; ``feature_mask`` losses (MSE) use the imitation ``region``:
    ``'all'``, ``'fitnet'`` (prior centre inside a GT), ``'finegrained'`` (IoU > 0.5 · the GT's
    max IoU) or ``'gibox'`` (General Instance boxes), summed over levels like the official code.
    """

    keys = ('region', )

    def __init__(self, name: str, loss: nn.Module, region: Optional[str] = None) -> None:
        super().__init__(name, loss)
        self.kind = loss.distill_kind
        if self.kind == 'feature_pfi':
            if region is not None:
                raise ValueError(f'distill term {name!r}: {type(loss).__name__} weights every '
                                 f'location by the prediction difference; remove region={region!r}')
        else:
            _check_choice(name, 'region', region, FEATURE_REGIONS)
        self.region = region

    @property
    def needs(self) -> Set[str]:
        needs = {'feats'}
        if self.kind == 'feature_pfi' or self.region == 'gibox':
            needs.add('cls')
        if self.region == 'gibox':
            needs.add('bbox')
        return needs

    def forward(self, inputs: DistillInputs) -> Tensor:
        losses = []
        masks = self._masks(inputs) if self.kind == 'feature_mask' else None
        for level in range(inputs.num_levels):
            s_feat, t_feat = inputs.feats['student'][level], inputs.feats['teacher'][level]
            if self.kind == 'feature_pfi':
                losses.append(self.loss(s_feat, t_feat, inputs.raw['student'][0][level],
                                        inputs.raw['teacher'][0][level]))
            else:
                losses.append(self.loss(s_feat, t_feat, masks[level]))
        total = torch.stack(losses)
        return total.mean() if self.kind == 'feature_pfi' else total.sum()

    def _masks(self, inputs: DistillInputs) -> List[Tensor]:
        """Per level, an (N, H, W) mask: a location counts when any of its priors is selected."""
        n = inputs.num_images
        if self.region == 'finegrained':  # each GT's max IoU is taken over all levels at once
            sizes = [len(p) for p in inputs.priors]
            all_priors = torch.cat(inputs.priors)
            per_image = [finegrained_mask(all_priors, gts).split(sizes)
                         for gts in inputs.gt_bboxes]
        per_level = []
        for level, priors in enumerate(inputs.priors):
            h, w = inputs.feats['student'][level].shape[-2:]
            if self.region == 'all':
                per_level.append(torch.ones(n, h, w, device=priors.device))
                continue
            if self.region == 'finegrained':
                masks = [image_masks[level] for image_masks in per_image]
            else:
                masks = [self._prior_mask(inputs, level, i) for i in range(n)]
            prior_mask = torch.stack(masks).reshape(n, h, w, inputs.num_base_priors)
            per_level.append(prior_mask.any(dim=-1).float())
        return per_level

    def _prior_mask(self, inputs: DistillInputs, level: int, image: int) -> Tensor:
        priors = inputs.priors[level]
        if self.region == 'fitnet':
            return fitnet_mask((priors[:, :2] + priors[:, 2:]) / 2, inputs.gt_bboxes[image])
        return gibox_mask(inputs.preds('student', 'cls')[level][image].detach(),
                          inputs.preds('teacher', 'cls')[level][image],
                          inputs.preds('student', 'bbox')[level][image].detach(),
                          inputs.preds('teacher', 'bbox')[level][image])


TERM_KINDS = {'prior': PriorDistillTerm, 'rank': RankMimickingTerm,
              'feature_pfi': FeatureDistillTerm, 'feature_mask': FeatureDistillTerm}


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
                         f'{sorted(unknown)}; allowed: {["loss", *term_cls.keys]}')
    return term_cls(name, loss, **cfg)


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
