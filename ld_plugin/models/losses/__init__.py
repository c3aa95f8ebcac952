from .softmax_kd_loss import (ClassificationKDLoss, LocalizationDistillationLoss,
                              softmax_kl_div)

__all__ = ['LocalizationDistillationLoss', 'ClassificationKDLoss', 'softmax_kl_div']
