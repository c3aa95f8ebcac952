"""A distillation term = a loss module + the prediction it compares + a region + a normaliser.

One term is one entry of a student head's ``distill_terms`` config, e.g. the full LD recipe::

    distill_terms=dict(
        loss_ld=dict(pred='bbox_dist', region='main', weight='student_score', avg_factor=4.0,
                     loss=dict(type='LocalizationDistillationLoss', loss_weight=0.25, T=10)),
        loss_vlr_ld=dict(pred='bbox_dist', region='vlr', weight='region', avg_factor=16.0,
                         loss=dict(type='LocalizationDistillationLoss', loss_weight=0.25, T=10)),
        loss_kd=dict(pred='cls', region='main', weight='region', avg_factor='level_count',
                     loss=dict(type='ClassificationKDLoss', loss_weight=10, T=2)))

Regions (per prior): ``main`` = the assigner's positives (weight 1); ``vlr`` = the Valuable
Localization Region (weight = IoU with its GT, from :class:`VLRATSSAssigner`); ``all`` = every
valid prior (weight = label weight).
"""
from typing import Dict, List, Optional, Union

import torch
import torch.nn as nn
from mmdet.registry import MODELS
from mmdet.utils import reduce_mean
from torch import Tensor

from .targets import DistillTargets

PREDS = ('cls', 'bbox_dist')
REGIONS = ('main', 'vlr', 'all')
WEIGHTS = ('region', 'student_score')
NORMALISERS = ('level_count', 'num_pos', 'num_images')


class DistillInputs:
    """Student and teacher predictions of one batch, flattened per level to (N, P_l, K)."""

    def __init__(self, student: Dict[str, List[Tensor]], teacher: Dict[str, List[Tensor]],
                 targets: DistillTargets, num_classes: int, num_images: int) -> None:
        self.student = student
        self.teacher = teacher
        self.targets = targets
        self.num_classes = num_classes
        self.num_images = num_images
        self._num_pos: Optional[float] = None

    @property
    def num_pos(self) -> float:
        """Positives in the batch, averaged over GPUs (at least 1)."""
        if self._num_pos is None:
            count = sum(((lbl >= 0) & (lbl < self.num_classes)).sum()
                        for lbl in self.targets.labels)
            device = self.targets.labels[0].device
            count = torch.as_tensor(count, dtype=torch.float, device=device)
            self._num_pos = reduce_mean(count).clamp(min=1).item()
        return self._num_pos


class DistillTerm(nn.Module):
    """One distillation loss applied over one region of priors.

    Args:
        name: the loss key (``loss_ld``, ...); used in error messages and logs.
        loss: config of the loss module, called as ``loss(student, teacher, weight, avg_factor)``
            on (M, n) rows.
        pred: ``'bbox_dist'`` (box-edge distribution logits: 4 rows of reg_max + 1 bins per
            prior) or ``'cls'`` (class logits: 1 row of C per prior).
        region: ``'main'``, ``'vlr'`` or ``'all'`` (see module docstring).
        weight: ``'region'`` (the region's per-prior weight) or ``'student_score'`` (region weight
            times the student's max class probability, detached; LD's Main-region weight).
        avg_factor: a number (used as is on the rows, like the official code: 4.0 for Main LD,
            16.0 for VLR LD), ``'level_count'`` (priors of the region at that level, official
            Main KD), ``'num_pos'`` (positives in the batch averaged over GPUs) or
            ``'num_images'`` (images per GPU). The last two are multiplied by the rows per prior
            and do not grow with the number of images per GPU.
    """

    def __init__(self, name: str, loss: dict, pred: str, region: str,
                 weight: str = 'region', avg_factor: Union[float, str] = 'num_pos') -> None:
        super().__init__()
        _check_choice(name, 'pred', pred, PREDS)
        _check_choice(name, 'region', region, REGIONS)
        _check_choice(name, 'weight', weight, WEIGHTS)
        if isinstance(avg_factor, str):
            _check_choice(name, 'avg_factor', avg_factor, NORMALISERS)
        elif not avg_factor > 0:
            raise ValueError(f'distill term {name!r}: avg_factor={avg_factor!r} must be > 0 or one '
                             f'of {NORMALISERS}')
        if not isinstance(loss, dict) or 'type' not in loss:
            raise ValueError(f"distill term {name!r}: 'loss' must be a loss config dict with a "
                             f"'type', got {loss!r}")
        self.name = name
        self.pred = pred
        self.region = region
        self.weight = weight
        self.avg_factor = avg_factor
        self.loss = MODELS.build(loss)

    @property
    def needs_vlr(self) -> bool:
        return self.region == 'vlr'

    def forward(self, inputs: DistillInputs) -> Tensor:
        """Sum of the per-level losses (mmdet sums per-level loss lists the same way)."""
        total = None
        for level in range(inputs.targets.num_levels):
            loss = self._level_loss(inputs, level)
            total = loss if total is None else total + loss
        return total

    def _region(self, inputs: DistillInputs, level: int):
        t = inputs.targets
        if self.region == 'main':
            labels = t.labels[level]
            mask = (labels >= 0) & (labels < inputs.num_classes)
            return mask, mask.float()
        if self.region == 'vlr':
            w = t.vlr_weights[level]
            return w > 0, w
        w = t.label_weights[level]
        return w > 0, w

    def _level_loss(self, inputs: DistillInputs, level: int) -> Tensor:
        student = inputs.student[self.pred][level]
        teacher = inputs.teacher[self.pred][level]
        mask, region_weight = self._region(inputs, level)
        if not mask.any():
            return student.sum() * 0
        s, t, w = student[mask], teacher[mask], region_weight[mask]
        if self.weight == 'student_score':
            score = inputs.student['cls'][level][mask].detach().sigmoid().max(dim=-1)[0]
            w = w * score
        rows = 1
        if self.pred == 'bbox_dist':
            rows = 4
            s, t = s.reshape(-1, s.shape[-1] // 4), t.reshape(-1, t.shape[-1] // 4)
            w = w[:, None].expand(-1, 4).reshape(-1)
        return self.loss(s, t, weight=w, avg_factor=self._normaliser(inputs, mask, rows))

    def _normaliser(self, inputs: DistillInputs, mask: Tensor, rows: int) -> float:
        if not isinstance(self.avg_factor, str):
            return float(self.avg_factor)
        if self.avg_factor == 'level_count':
            return float(mask.sum().item()) * rows
        if self.avg_factor == 'num_pos':
            return inputs.num_pos * rows
        return float(inputs.num_images) * rows


def _check_choice(name: str, key: str, value, choices) -> None:
    if value not in choices:
        raise ValueError(f'distill term {name!r}: {key}={value!r} is not supported; '
                         f'choose one of {list(choices)}')


def build_distill_terms(cfg: Optional[dict]) -> nn.ModuleDict:
    """Build ``{loss_name: DistillTerm}``; entries set to ``None`` are switched off."""
    terms = nn.ModuleDict()
    if cfg is None:
        return terms
    if not isinstance(cfg, dict):
        raise TypeError(f'distill_terms must be a dict of term configs, got {type(cfg).__name__}')
    for name, term_cfg in cfg.items():
        if term_cfg is None:
            continue
        if not name.startswith('loss'):
            raise ValueError(f'distill term {name!r}: names must start with "loss" so that '
                             'mmengine back-propagates them (e.g. "loss_ld")')
        if not isinstance(term_cfg, dict):
            raise TypeError(f'distill term {name!r} must be a dict, got {term_cfg!r}')
        unknown = set(term_cfg) - {'loss', 'pred', 'region', 'weight', 'avg_factor'}
        if unknown:
            raise ValueError(f'distill term {name!r}: unknown keys {sorted(unknown)}; allowed: '
                             "loss, pred, region, weight, avg_factor")
        terms[name] = DistillTerm(name=name, **term_cfg)
    return terms
