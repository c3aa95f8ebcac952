"""GFL student head with distillation terms (LD's full recipe, BCKD, RM, PFI, imitation)."""
from mmdet.models.dense_heads import GFLHead
from mmdet.registry import MODELS
from torch import Tensor

from .distill_head_mixin import DistillHeadMixin


@MODELS.register_module()
class DistillGFLHead(DistillHeadMixin, GFLHead):
    """:class:`mmdet.models.dense_heads.GFLHead` + ``distill_terms``.

    Its base losses (QFL, GIoU, DFL) are GFL's own; the distillation terms compare the
    student's predictions with the teacher's at the priors of each term's region. See
    ``configs/ld/`` for the LD recipe and its ablation rows.
    """

    def decode_bbox_pred(self, priors: Tensor, bbox_pred: Tensor, stride: int) -> Tensor:
        """Boxes in stride units: anchor centre / stride ± the integral of each edge's bins."""
        return self.bbox_coder.decode(self.anchor_center(priors) / stride, self.integral(bbox_pred))
