"""Temperature-scaled softmax KL distillation (LD on box-edge bins, KD on classes)."""
import torch.nn.functional as F
from mmdet.models.losses.utils import weighted_loss
from mmdet.registry import MODELS
from torch import Tensor

from .weighted_distill_loss import WeightedDistillLoss


@weighted_loss
def softmax_kl_div(pred: Tensor, soft_label: Tensor, T: float = 10.0,
                   bin_reduction: str = 'mean') -> Tensor:
    """T² · KL(p_T^τ ‖ p_S^τ) averaged (or summed) over the last dimension.

    Args:
        pred: student logits z_S, shape (M, n).
        soft_label: teacher logits z_T, shape (M, n); detached here.
        T: temperature τ.
        bin_reduction: ``'mean'`` (LD's official code and mmdet: the KL / n) or ``'sum'`` (the
            KL itself: CrossKD's localization term).

    Returns:
        Tensor of shape (M,): ``T² · (1/n) Σ_j p_T,j (log p_T,j − log p_S,j)`` (without the
        1/n for ``'sum'``).
    """
    if pred.shape != soft_label.shape:
        raise ValueError(f'student logits {tuple(pred.shape)} and teacher logits '
                         f'{tuple(soft_label.shape)} must have the same shape')
    # Computed in float32: under autocast, log-softmax of T-scaled logits loses too much in fp16.
    log_p_s = F.log_softmax(pred.float() / T, dim=-1)
    log_p_t = F.log_softmax(soft_label.detach().float() / T, dim=-1)
    kl = log_p_t.exp() * (log_p_t - log_p_s)
    kl = kl.sum(dim=-1) if bin_reduction == 'sum' else kl.mean(dim=-1)
    return kl * (T * T)


@MODELS.register_module()
class LocalizationDistillationLoss(WeightedDistillLoss):
    """Localization distillation (LD) loss on box-edge distributions.

    For each edge e: ``L_LD^e = T² · KL(softmax(z_T/T) ‖ softmax(z_S/T))``, averaged over the
    n = reg_max + 1 bins as in the official code (``.mean(1)``). Equal to mmdet's
    ``KnowledgeDistillationKLDivLoss`` on the same tensors; the teacher is always detached.

    Args:
        reduction: 'none' | 'mean' | 'sum'.
        loss_weight: λ.
        T: temperature τ (>= 1).
        bin_reduction: ``'mean'`` over the bins (LD, default) or ``'sum'`` (the plain KL, as
            CrossKD's localization term: λ 4 with ``'sum'`` = λ 68 with ``'mean'`` at 17 bins).
    """

    loss_fn = staticmethod(softmax_kl_div)
    #: a softmax over each row: constant (loss 0) on rows of one value
    softmax_over_row = True

    def __init__(self, reduction: str = 'mean', loss_weight: float = 1.0, T: float = 10.0,
                 bin_reduction: str = 'mean') -> None:
        super().__init__(reduction=reduction, loss_weight=loss_weight)
        if T < 1:
            raise ValueError(f'{type(self).__name__}: temperature T={T} must be >= 1')
        if bin_reduction not in ('mean', 'sum'):
            raise ValueError(f"{type(self).__name__}: bin_reduction={bin_reduction!r} must be "
                             "'mean' or 'sum'")
        self.T = T
        self.bin_reduction = bin_reduction

    def loss_kwargs(self) -> dict:
        return dict(T=self.T, bin_reduction=self.bin_reduction)


@MODELS.register_module()
class ClassificationKDLoss(LocalizationDistillationLoss):
    """Classification KD ("Main KD" of the LD paper): softmax over the C class logits.

    Same formula as :class:`LocalizationDistillationLoss` with the classes as the bins,
    ``T² · mean_c p_T,c (log p_T,c − log p_S,c)``; the official recipe uses T = 2, λ = 10.
    """

    def __init__(self, reduction: str = 'mean', loss_weight: float = 1.0, T: float = 2.0) -> None:
        super().__init__(reduction=reduction, loss_weight=loss_weight, T=T)
