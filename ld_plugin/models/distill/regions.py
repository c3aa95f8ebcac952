"""Where a term distills (regions), how each prior counts (weights), what it is divided by
(normalisers): three tables, one vocabulary for every term.

A **region** gives every prior of every level a weight, 0 outside the region: one (N, P_l) float
tensor per level. Prior terms compare predictions at the priors of their region, weighted by
it; feature terms imitate the FPN locations where any of the location's priors is in the region.
Adding a region is one function and one entry of :data:`REGIONS`.

Names before this vocabulary are still read, with a deprecation warning:
``'all'`` was the valid priors for prediction terms (now ``'valid'``) and every location for
feature terms (now ``'everywhere'``); feature region ``'fitnet'`` is ``'inside_gt'``.
"""
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Dict, FrozenSet, List, Optional

import torch
from mmdet.utils import reduce_mean
from mmengine.logging import MMLogger
from torch import Tensor

from ..losses.feature_imitation_loss import finegrained_mask, fitnet_mask, gibox_mask

if TYPE_CHECKING:  # pragma: no cover
    from .inputs import DistillInputs


@dataclass(frozen=True)
class Region:
    """A region: ``weights(inputs) -> [(N, P_l) float]`` and the teacher predictions it reads."""
    weights: Callable[['DistillInputs'], List[Tensor]]
    needs: FrozenSet[str] = frozenset()


def positives(inputs: 'DistillInputs') -> List[Tensor]:
    """Assigned positives of the student head, weight 1 (LD's Main region)."""
    return [((labels >= 0) & (labels < inputs.num_classes)).float()
            for labels in inputs.targets.labels]


def vlr(inputs: 'DistillInputs') -> List[Tensor]:
    """Valuable Localization Region, weight = IoU with its GT (LD Sec. 3.3; from the VLR
    assigners, or FCOS's points inside a GT box that are not positive, weight 1)."""
    return list(inputs.targets.vlr_weights)


def valid(inputs: 'DistillInputs') -> List[Tensor]:
    """Every prior the head's own classification loss counts, weight = its label weight
    (inside the image, not ignored; BCKD, CrossKD)."""
    return list(inputs.targets.label_weights)


def everywhere(inputs: 'DistillInputs') -> List[Tensor]:
    """Every prior, weight 1 (outside-image priors too: plain feature imitation)."""
    return [torch.ones_like(w) for w in inputs.targets.label_weights]


def inside_gt(inputs: 'DistillInputs') -> List[Tensor]:
    """Priors whose centre lies inside a GT box (FitNet-style imitation, LD's ``'fitnet'``)."""
    out = []
    for priors in inputs.priors:
        centres = (priors[:, :2] + priors[:, 2:4]) / 2
        out.append(torch.stack([fitnet_mask(centres, gts).float() for gts in inputs.gt_bboxes]))
    return out


def finegrained(inputs: 'DistillInputs') -> List[Tensor]:
    """Priors with IoU > 0.5 · their GT's best IoU, the best taken over all levels
    (Wang et al., CVPR 2019)."""
    sizes = [len(p) for p in inputs.priors]
    all_priors = torch.cat(inputs.priors)
    per_image = [finegrained_mask(all_priors, gts).split(sizes) for gts in inputs.gt_bboxes]
    return [torch.stack([masks[level] for masks in per_image]).float()
            for level in range(len(sizes))]


def gibox(inputs: 'DistillInputs') -> List[Tensor]:
    """General-Instance boxes: top-10 after NMS of the boxes where teacher and student
    disagree most (Dai et al., CVPR 2021; per image and level as in LD's code)."""
    out = []
    for level in range(inputs.num_levels):
        s_cls, t_cls = inputs.preds('student', 'cls')[level], inputs.preds('teacher', 'cls')[level]
        s_box = inputs.preds('student', 'bbox')[level]
        t_box = inputs.preds('teacher', 'bbox')[level]
        out.append(torch.stack([
            gibox_mask(s_cls[i].detach(), t_cls[i], s_box[i].detach(), t_box[i]).float()
            for i in range(inputs.num_images)]))
    return out


REGIONS: Dict[str, Region] = {
    'main': Region(positives),
    'vlr': Region(vlr),
    'valid': Region(valid),
    'everywhere': Region(everywhere),
    'inside_gt': Region(inside_gt),
    'finegrained': Region(finegrained),
    'gibox': Region(gibox, frozenset({'cls', 'bbox'})),
}

#: names used before the one vocabulary, per kind of term: ``{kind: {old: new}}``
DEPRECATED_REGIONS = {'prior': {'all': 'valid'},
                      'feature': {'all': 'everywhere', 'fitnet': 'inside_gt'}}


def region_name(term: str, kind: str, name: Optional[str]) -> str:
    """The region ``name`` in today's vocabulary (``kind``: 'prior' or 'feature').

    Raises:
        ValueError: an unknown region, naming the choices.
    """
    new = DEPRECATED_REGIONS[kind].get(name)
    if new is not None:
        MMLogger.get_current_instance().warning(
            f'distill term {term!r}: region={name!r} is deprecated; it means {new!r} for this '
            f'term, write region={new!r}')
        return new
    if name not in REGIONS:
        raise ValueError(f'distill term {term!r}: region={name!r} is not supported; choose one '
                         f'of {list(REGIONS)}')
    return name


def location_masks(inputs: 'DistillInputs', region: str) -> List[Tensor]:
    """Per level an (N, H, W) float mask of the FPN locations with any prior in ``region``."""
    masks, feats = [], inputs.side('student').feats
    for level, weights in enumerate(inputs.region(region)):
        h, w = feats[level].shape[-2:]
        per_prior = weights.reshape(inputs.num_images, h, w, inputs.num_base_priors)
        masks.append((per_prior > 0).any(dim=-1).float())
    return masks


# ------------------------------------------------------------------------------------ weights
def _max_prob(inputs: 'DistillInputs', who: str, level: int, mask: Tensor) -> Tensor:
    return inputs.preds(who, 'cls')[level][mask].detach().float().sigmoid()


#: ``weight(inputs, level, mask) -> (M,)`` factor of each prior in ``mask`` (detached), on
#: top of the region's weight; ``None``: the region's weight alone
WEIGHTS: Dict[str, Optional[Callable[['DistillInputs', int, Tensor], Tensor]]] = {
    'region': None,
    # the student's top class probability (LD's Main LD)
    'student_score': lambda inputs, level, mask:
        _max_prob(inputs, 'student', level, mask).max(dim=-1)[0],
    # max_c |σ(t_c) − σ(s_c)| (BCKD's localization term)
    'score_diff': lambda inputs, level, mask:
        (_max_prob(inputs, 'teacher', level, mask)
         - _max_prob(inputs, 'student', level, mask)).abs().max(dim=-1)[0],
    # the teacher's top class probability (CrossKD's localization term)
    'teacher_score': lambda inputs, level, mask:
        _max_prob(inputs, 'teacher', level, mask).max(dim=-1)[0],
}


# -------------------------------------------------------------------------------- normalisers
#: momentum of the ``'num_pos_ema'`` normaliser (Detectron2's RetinaNet ``loss_normalizer``)
POS_EMA_MOMENTUM = 0.9

Normaliser = Callable[..., List[Optional[float]]]


def _level_count(term, inputs: 'DistillInputs', masks: List[Tensor],
                 weights: List[Tensor]) -> List[Optional[float]]:
    """Priors of the region at each level, averaged over GPUs (official Main KD)."""
    counts = torch.stack([mask.sum() for mask in masks]).float()
    return reduce_mean(counts).clamp(min=1).tolist()


def _skip_empty(inputs: 'DistillInputs', value: float) -> List[Optional[float]]:
    """``value`` for each level, ``None`` (contributes 0) for levels without any positive in
    the whole batch (all GPUs), as the official BCKD code skips them."""
    return [value if count > 0 else None for count in inputs.level_num_pos]


def _num_pos(term, inputs: 'DistillInputs', masks: List[Tensor],
             weights: List[Tensor]) -> List[Optional[float]]:
    """Positives in the batch, averaged over GPUs, at least 1."""
    return _skip_empty(inputs, inputs.num_pos)


def _num_pos_all_levels(term, inputs: 'DistillInputs', masks: List[Tensor],
                        weights: List[Tensor]) -> List[Optional[float]]:
    """Positives in the batch, averaged over GPUs, at least 1, for every level (CrossKD's
    normaliser: levels without positives count too)."""
    return [inputs.num_pos] * len(masks)


def _num_pos_ema(term, inputs: 'DistillInputs', masks: List[Tensor],
                 weights: List[Tensor]) -> List[Optional[float]]:
    """Moving average of ``'num_pos'`` (momentum 0.9, first value = first batch, updated in
    training only), kept on the term."""
    if term.num_pos_ema is None:
        term.num_pos_ema = inputs.num_pos
    elif term.training:
        term.num_pos_ema = (POS_EMA_MOMENTUM * term.num_pos_ema
                            + (1 - POS_EMA_MOMENTUM) * inputs.num_pos)
    return _skip_empty(inputs, max(term.num_pos_ema, 1.0))


def _num_images(term, inputs: 'DistillInputs', masks: List[Tensor],
                weights: List[Tensor]) -> List[Optional[float]]:
    """Images on this GPU."""
    return [float(inputs.num_images)] * len(masks)


def _weight_sum(term, inputs: 'DistillInputs', masks: List[Tensor],
                weights: List[Tensor]) -> List[Optional[float]]:
    """Sum of the prior weights over all levels, averaged over GPUs (CrossKD's GFL
    localization term: a weighted mean over the region; the official code keeps each GPU's
    own sum, which makes a batch split over GPUs differ from one process)."""
    total = torch.stack([w.detach().float().sum() for w in weights]).sum() if weights else \
        torch.zeros(())
    return [max(reduce_mean(total).item(), 1e-6)] * len(masks)


#: ``normaliser(term, inputs, masks, weights) -> [avg_factor or None per level]``, per prior
#: (the terms multiply it by the rows per prior)
NORMALISERS: Dict[str, Normaliser] = {
    'level_count': _level_count,
    'num_pos': _num_pos,
    'num_pos_all_levels': _num_pos_all_levels,
    'num_pos_ema': _num_pos_ema,
    'num_images': _num_images,
    'weight_sum': _weight_sum,
}
