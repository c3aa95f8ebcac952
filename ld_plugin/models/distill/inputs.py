"""Everything a distillation term may read for one batch, flattened and cached per level."""
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import torch
from mmdet.utils import reduce_mean
from torch import Tensor

from .targets import DistillTargets, flatten_level

#: Per-prior predictions a term can compare: class logits, box-edge distribution logits, and
#: boxes decoded by the student head's own decoder.
PREDS = ('cls', 'bbox_dist', 'bbox')


class DistillInputs:
    """Student and teacher outputs of one batch plus the student's targets.

    Flattened predictions are (N, P_l, K) per level, in the prior order of mmdet's prior
    generators; they are computed on first use and cached.

    Args:
        student_outs / teacher_outs: head outputs (element 0 class logits, element 1 box
            predictions), one (N, A*K, H, W) tensor per level.
        student_feats / teacher_feats: FPN features, one (N, C, H, W) tensor per level.
        targets: assignment of the student head.
        priors: one (P_l, 4) tensor of priors per level (shared by all images); (P_l, 5)
            rotated boxes for rotated heads.
        strides: FPN stride per level.
        num_base_priors: priors per location A.
        decode: ``decode(priors (P, 4), bbox_pred (P, K), stride) -> boxes (P, 4)``, the student
            head's decoder (boxes in any frame shared by teacher and student).
        gt_bboxes: GT boxes of each image (G_i, 4), or (G_i, 5) rotated.
        distributions_per_prior: distributions in a prior's ``bbox_dist`` row (4 edges, or the
            5 rotated deltas).
    """

    def __init__(self, student_outs: tuple, teacher_outs: tuple, student_feats: Sequence[Tensor],
                 teacher_feats: Sequence[Tensor], targets: DistillTargets, priors: List[Tensor],
                 strides: List[int], num_base_priors: int, num_classes: int,
                 decode: Callable[[Tensor, Tensor, int], Tensor],
                 gt_bboxes: List[Tensor], distributions_per_prior: int = 4) -> None:
        self.raw = {'student': student_outs, 'teacher': teacher_outs}
        self.feats = {'student': list(student_feats), 'teacher': list(teacher_feats)}
        self.targets = targets
        self.priors = priors
        self.strides = strides
        self.num_base_priors = num_base_priors
        self.num_classes = num_classes
        self.decode = decode
        self.gt_bboxes = gt_bboxes
        self.distributions_per_prior = distributions_per_prior
        self.num_images = student_outs[0][0].shape[0]
        self._cache: Dict[Tuple[str, str], List[Tensor]] = {}
        self._level_num_pos: Optional[List[float]] = None

    @property
    def num_levels(self) -> int:
        return len(self.priors)

    def preds(self, who: str, key: str) -> List[Tensor]:
        """Flattened ``key`` predictions of ``who`` ('student' | 'teacher'), per level."""
        if (who, key) not in self._cache:
            self._cache[(who, key)] = self._compute(who, key)
        return self._cache[(who, key)]

    def _compute(self, who: str, key: str) -> List[Tensor]:
        if key == 'cls':
            return self._flatten(who, 0)
        if key == 'bbox_dist':
            return self._flatten(who, 1)
        if key == 'bbox':
            boxes = []
            for level, pred in enumerate(self.preds(who, 'bbox_dist')):
                n, p, k = pred.shape
                priors = self.priors[level][None].expand(n, -1, -1)
                priors = priors.reshape(n * p, self.priors[level].shape[-1])
                decoded = self.decode(priors, pred.reshape(n * p, k), self.strides[level])
                boxes.append(decoded.reshape(n, p, -1))
            return boxes
        raise KeyError(f'unknown prediction {key!r}; choose one of {PREDS}')

    def _flatten(self, who: str, index: int) -> List[Tensor]:
        a = self.num_base_priors
        flat = []
        for level, p in enumerate(self.raw[who][index]):
            if p.shape[1] % a:
                raise ValueError(f'{who} output {index} of level {level} has {p.shape[1]} '
                                 f'channels, not a multiple of {a} priors per location')
            flat.append(flatten_level(p, p.shape[1] // a))
        return flat

    @property
    def level_num_pos(self) -> List[float]:
        """Positives of each FPN level in the batch, averaged over GPUs (one collective call,
        made by every process whatever its batch holds)."""
        if self._level_num_pos is None:
            labels = self.targets.labels
            counts = torch.stack([((lbl >= 0) & (lbl < self.num_classes)).sum()
                                  for lbl in labels]).float()
            self._level_num_pos = reduce_mean(counts).tolist()
        return self._level_num_pos

    @property
    def num_pos(self) -> float:
        """Positives in the batch, averaged over GPUs (at least 1)."""
        return max(sum(self.level_num_pos), 1.0)
