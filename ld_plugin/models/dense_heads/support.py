"""Which mmdet 3.3 dense heads a distillation student can be built on, and why not the others.

The mechanism (:class:`~.distill_head_mixin.DistillHeadMixin`) needs a head whose targets are
computed per image in ``_get_targets_single`` from one assignment, whose class outputs are
logits and whose box outputs decode with the head's own coder. The heads below break one of
these; a student built on them is refused at build time with the reason.
"""
from typing import Dict, List

import torch.nn as nn

#: head class name -> why the distillation mechanism cannot serve it (yet)
UNSUPPORTED_HEADS: Dict[str, str] = {
    'TOODHead': ('its class outputs are probabilities (not logits), its box outputs are boxes '
                 'already decoded in stride units, and it changes assigner at epoch 4 (ATSS, '
                 'then task-aligned)'),
    'VFNetHead': ('it predicts two box sets (initial and refined, the refined ones kept at test '
                  'time) and IoU-aware class scores, so the terms would distill the initial '
                  'boxes'),
    'PAAHead': ('it re-assigns the positives inside its loss (GMM on the loss values), after '
                'the assignment the terms read'),
    'DDODHead': 'it assigns twice per step (separate classification and regression assigners)',
    'YOLOXHead': ('it has no get_targets: SimOTA assigns inside loss_by_feat, with objectness '
                  'and centre-offset / log-size boxes'),
}


def unsupported_reason(head: nn.Module) -> str:
    """Why ``head`` (or a base class of it) cannot be a student, or ``''``."""
    for cls in type(head).__mro__:
        if cls.__name__ in UNSUPPORTED_HEADS:
            return f'{cls.__name__}: {UNSUPPORTED_HEADS[cls.__name__]}'
    return ''


def student_heads() -> List[str]:
    """Registered student heads (every ``Distill*Head`` of mmdet's and mmrotate's registries
    that ld_plugin defines), sorted."""
    from mmdet.registry import MODELS

    from .distill_head_mixin import DistillHeadMixin
    registries = [MODELS]
    try:
        from mmrotate.registry import MODELS as ROTATED_MODELS
        registries.append(ROTATED_MODELS)
    except ImportError:
        pass
    names = {name for registry in registries for name, cls in registry.module_dict.items()
             if isinstance(cls, type) and issubclass(cls, DistillHeadMixin)}
    return sorted(names)
