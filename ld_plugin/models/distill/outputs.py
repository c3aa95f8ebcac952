"""What one detector (teacher, student, or CrossKD's cross head) gives the distillation terms."""
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence

import torch.nn as nn
from torch import Tensor


@dataclass(frozen=True)
class DistillOutputs:
    """Outputs of one side of a distillation step, the same type for teacher and student.

    Built by keyword: ``DistillOutputs(feats=..., head_outs=..., tower_feats=..., head=...)``.

    Attributes:
        feats: FPN features, one (N, C, H, W) tensor per level.
        head_outs: the dense head's ``forward`` tuple: element 0 the class logits
            (N, A·C, H, W), element 1 the box predictions (N, A·K, H, W) per level (for
            distribution heads K = distributions per prior × (reg_max + 1) bins); ``None``
            when no term compares predictions (the teacher head is then not run).
        tower_feats: recorded only when a term asks for them (CrossKD): ``{'cls': [...],
            'reg': [...]}``, the pre-activation output (conv, norm; no activation) of the
            ``cross_head.reused_conv``-th conv of each tower, one (N, C_tower, H, W) tensor
            per level.
        head: the module that produced ``head_outs`` (CrossKD runs the rest of the teacher's
            head on the student's tower features).
    """
    feats: Sequence[Tensor]
    head_outs: Optional[tuple] = None
    tower_feats: Dict[str, List[Tensor]] = field(default_factory=dict)
    head: Optional[nn.Module] = None

    @property
    def cls_scores(self) -> List[Tensor]:
        return list(self.head_outs[0])

    @property
    def bbox_preds(self) -> List[Tensor]:
        return list(self.head_outs[1])
