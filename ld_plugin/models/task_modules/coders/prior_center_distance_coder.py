"""Box coder of the distribution heads: (left, top, right, bottom) distances from a prior's
centre."""
from typing import Optional, Sequence, Union

from mmdet.models.task_modules.coders.base_bbox_coder import BaseBBoxCoder
from mmdet.registry import TASK_UTILS
from mmdet.structures.bbox import bbox2distance, distance2bbox, get_box_tensor
from torch import Tensor


def prior_centers(priors: Tensor) -> Tensor:
    """(P, 2) centres of priors given as points (x, y[, stride...]) or boxes (x1, y1, x2, y2)."""
    if priors.size(-1) == 4:
        return (priors[..., :2] + priors[..., 2:]) / 2
    return priors[..., :2]


@TASK_UTILS.register_module()
class PriorCenterDistanceCoder(BaseBBoxCoder):
    """Encode a box as its four edge distances (in pixels) from the centre of a prior.

    The representation of LD's general-distribution ATSS / RetinaNet / FCOS heads (and of
    GFL): each distance is the integral of a distribution over ``reg_max + 1`` bins times the
    level's stride. Priors may be anchors (their centre is used) or points.
    """

    encode_size = 4

    def __init__(self, clip_border: bool = True, **kwargs) -> None:
        super().__init__(**kwargs)
        self.clip_border = clip_border

    def encode(self, priors: Tensor, gt_bboxes: Tensor, max_dis: Optional[float] = None,
               eps: float = 0.1) -> Tensor:
        """(P, 4) distances (l, t, r, b) from the prior centres to the GT edges."""
        priors, gt_bboxes = get_box_tensor(priors), get_box_tensor(gt_bboxes)
        return bbox2distance(prior_centers(priors), gt_bboxes, max_dis, eps)

    def decode(self, priors: Tensor, distances: Tensor,
               max_shape: Optional[Union[Sequence[int], Tensor]] = None) -> Tensor:
        """(P, 4) boxes x1y1x2y2 from (P, 4) distances (l, t, r, b) around the prior centres."""
        priors = get_box_tensor(priors)
        if not self.clip_border:
            max_shape = None
        return distance2bbox(prior_centers(priors), distances, max_shape)
