"""BCKD (Yang et al., ICCV 2023): binary classification KD and IoU-based localization KD."""
import torch.nn.functional as F
from mmdet.models.losses.utils import weighted_loss
from mmdet.registry import MODELS
from mmdet.structures.bbox import bbox_overlaps
from torch import Tensor

from .weighted_distill_loss import WeightedDistillLoss


@weighted_loss
def binary_kd_loss(pred: Tensor, soft_label: Tensor, beta: float = 1.0) -> Tensor:
    """Binary classification distillation, summed over the C binary problems of each row.

    Args:
        pred: student class logits l_s, shape (M, C).
        soft_label: teacher class logits l_t, shape (M, C); detached here.
        beta: exponent β of the modulating factor.

    Returns:
        Tensor of shape (M,): ``Σ_c BCE(l_s,c, p'_t,c) · |p'_t,c − p'_s,c|^β`` with
        ``p' = σ(l)``. The factor is not detached (official code; QFL-like).
    """
    if pred.shape != soft_label.shape or pred.dim() != 2:
        raise ValueError(f'student logits {tuple(pred.shape)} and teacher logits '
                         f'{tuple(soft_label.shape)} must have the same (M, C) shape')
    # float32: under autocast the BCE of near-saturated logits is too coarse in fp16/bf16.
    logits = pred.float()
    p_t = soft_label.detach().float().sigmoid()
    bce = F.binary_cross_entropy_with_logits(logits, p_t, reduction='none')
    modulating = (p_t - logits.sigmoid()).abs().pow(beta)
    return (bce * modulating).sum(dim=-1)


@weighted_loss
def iou_distill_loss(pred: Tensor, target: Tensor, mode: str = 'giou',
                     eps: float = 1e-6) -> Tensor:
    """``1 − IoU``, ``1 − GIoU`` or ``−log IoU`` between aligned student and teacher boxes.

    Args:
        pred: student decoded boxes b^s, shape (M, 4), x1y1x2y2.
        target: teacher decoded boxes b^t, shape (M, 4); detached here.
        mode: 'iou', 'giou' or 'log_iou' (−log max(IoU, eps): mmdet's ``IoULoss(mode='log')``,
            CrossKD's FCOS localization term).
        eps: lower bound of the union / enclosing area (keeps degenerate boxes finite).

    Returns:
        Tensor of shape (M,).
    """
    if pred.shape != target.shape or pred.dim() != 2 or pred.size(-1) != 4:
        raise ValueError(f'student boxes {tuple(pred.shape)} and teacher boxes '
                         f'{tuple(target.shape)} must have the same (M, 4) shape')
    overlaps = bbox_overlaps(pred.float(), target.detach().float(),
                             mode='iou' if mode == 'log_iou' else mode, is_aligned=True, eps=eps)
    if mode == 'log_iou':
        return -overlaps.clamp(min=eps).log()
    return 1 - overlaps


@MODELS.register_module()
class BinaryClassificationKDLoss(WeightedDistillLoss):
    """BCKD's binary classification distillation (BCD) loss, ``L_cls^dis``.

    Each of the C sigmoid outputs is its own binary problem whose soft target is the teacher
    probability p'_t = σ(l_t):
    ``L = Σ_c BCE(σ(l_s,c), p'_t,c) · |p'_t,c − p'_s,c|^β`` per row (prior). No softmax, no
    temperature, no background class. As in the official ``NovelKDLoss`` the modulating factor
    is **not** detached, so the loss equals QFL with the teacher score as quality target.
    The soft-target BCE is not zero at l_s = l_t, but the factor is, so loss and gradient vanish
    when the student matches the teacher. The official code uses every valid prior, weight =
    label weight, ``avg_factor`` = number of positives, β = 1, λ = 1.

    Args:
        beta: β (>= 1; below 1 the gradient of |Δ|^β is unbounded at Δ = 0).
        reduction: 'none' | 'mean' | 'sum'.
        loss_weight: α1.
    """

    loss_fn = staticmethod(binary_kd_loss)

    def __init__(self, beta: float = 1.0, reduction: str = 'mean',
                 loss_weight: float = 1.0) -> None:
        super().__init__(reduction=reduction, loss_weight=loss_weight)
        if beta < 1:
            raise ValueError(f'{type(self).__name__}: beta={beta} must be >= 1')
        self.beta = beta

    def loss_kwargs(self) -> dict:
        return dict(beta=self.beta)



@MODELS.register_module()
class IoULocalizationDistillationLoss(WeightedDistillLoss):
    """BCKD's IoU-based localization distillation (IoU-LD) loss, ``L_loc^dis``.

    ``L = 1 − IoU(b^s, b^t)`` (mode 'iou', paper text) or ``1 − GIoU(b^s, b^t)`` (mode 'giou',
    official code, which reuses ``GIoULoss``) per prior, where b^s / b^t are the boxes decoded by
    each model's own coder from the same prior; the teacher box is detached. The official code
    weights each prior by ``max_c |p'_t,c − p'_s,c|`` (detached; pass it as ``weight``), uses all
    valid priors, ``avg_factor`` = number of positives and λ = 4.

    Degenerate boxes (zero area, x2 < x1) give finite values and gradients: the union and the
    enclosing area are clamped to ``eps``. Identical zero-area boxes give IoU 0 (loss 1).

    Args:
        mode: 'iou', 'giou' or 'log_iou' (−log IoU).
        reduction: 'none' | 'mean' | 'sum'.
        loss_weight: α2.
        eps: lower bound of the union / enclosing area (> 0).
    """

    loss_fn = staticmethod(iou_distill_loss)

    def __init__(self, mode: str = 'giou', reduction: str = 'mean', loss_weight: float = 4.0,
                 eps: float = 1e-6) -> None:
        super().__init__(reduction=reduction, loss_weight=loss_weight)
        if mode not in ('iou', 'giou', 'log_iou'):
            raise ValueError(f"{type(self).__name__}: mode={mode!r} must be 'iou', 'giou' or "
                             "'log_iou'")
        if eps <= 0:
            raise ValueError(f'{type(self).__name__}: eps={eps} must be > 0')
        self.mode = mode
        self.eps = eps

    def loss_kwargs(self) -> dict:
        return dict(mode=self.mode, eps=self.eps)
