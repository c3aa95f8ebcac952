"""Everything a distillation term may read for one batch, flattened and cached per level."""
from typing import Callable, Dict, List, Optional, Tuple

import torch
from mmdet.utils import reduce_mean
from torch import Tensor

from .outputs import DistillOutputs
from .regions import REGIONS
from .targets import DistillTargets, flatten_level

#: Per-prior predictions a term can compare: class logits, box-edge distribution logits, and
#: boxes decoded by the student head's own decoder.
PREDS = ('cls', 'bbox_dist', 'bbox')


class DistillInputs:
    """Outputs of every side of one batch plus the student's targets, read by the terms.

    Flattened predictions are (N, P_l, K) per level, in the prior order of mmdet's prior
    generators; they, the regions and the sources are computed on first use and cached.

    Args:
        student / teacher: :class:`DistillOutputs` of the student and of the teacher.
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
        sources: further outputs a term may distill, computed on first use:
            ``{name: () -> DistillOutputs}`` (e.g. ``'cross_head'``, CrossKD).
    """

    def __init__(self, student: DistillOutputs, teacher: DistillOutputs, targets: DistillTargets,
                 priors: List[Tensor], strides: List[int], num_base_priors: int,
                 num_classes: int, decode: Callable[[Tensor, Tensor, int], Tensor],
                 gt_bboxes: List[Tensor], distributions_per_prior: int = 4,
                 sources: Optional[Dict[str, Callable[[], DistillOutputs]]] = None) -> None:
        self.outputs: Dict[str, DistillOutputs] = {'student': student, 'teacher': teacher}
        self.sources = dict(sources or {})
        self.targets = targets
        self.priors = priors
        self.strides = strides
        self.num_base_priors = num_base_priors
        self.num_classes = num_classes
        self.decode = decode
        self.gt_bboxes = gt_bboxes
        self.distributions_per_prior = distributions_per_prior
        self.num_images = student.head_outs[0][0].shape[0]
        self._cache: Dict[Tuple[str, str], List[Tensor]] = {}
        self._level_num_pos: Optional[List[float]] = None

    @property
    def feats(self) -> Dict[str, List[Tensor]]:
        """FPN features of the student and the teacher, one (N, C, H, W) tensor per level."""
        return {who: list(self.outputs[who].feats) for who in ('student', 'teacher')}

    def side(self, who: str) -> DistillOutputs:
        """The outputs of ``who``: 'student', 'teacher' or a source (computed once)."""
        if who not in self.outputs:
            if who not in self.sources:
                raise KeyError(f'no outputs {who!r}; available: '
                               f'{[*self.outputs, *self.sources]}')
            self.outputs[who] = self.sources[who]()
        return self.outputs[who]

    def region(self, name: str) -> List[Tensor]:
        """Per level the (N, P_l) weights of region ``name`` (see :mod:`.regions`)."""
        if ('region', name) not in self._cache:
            self._cache[('region', name)] = REGIONS[name].weights(self)
        return self._cache[('region', name)]

    @property
    def num_levels(self) -> int:
        return len(self.priors)

    def preds(self, who: str, key: str) -> List[Tensor]:
        """Flattened ``key`` predictions of ``who`` ('student', 'teacher' or a source), per
        level."""
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
        for level, p in enumerate(self.side(who).head_outs[index]):
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
