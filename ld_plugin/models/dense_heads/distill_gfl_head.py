"""GFL student head with the full LD recipe (Main LD, VLR LD, Main KD, VLR KD)."""
from mmdet.models.dense_heads import GFLHead
from mmdet.registry import MODELS

from .distill_head_mixin import DistillHeadMixin


@MODELS.register_module()
class DistillGFLHead(DistillHeadMixin, GFLHead):
    """:class:`mmdet.models.dense_heads.GFLHead` + ``distill_terms``.

    Its base losses (QFL, GIoU, DFL) are GFL's own; the distillation terms compare the
    student's predictions with the teacher's at the priors of each term's region. See
    ``configs/ld/`` for the LD recipe and its ablation rows.
    """
