from .bckd_loss import (
                        BinaryClassificationKDLoss,
                        IoULocalizationDistillationLoss,
                        binary_kd_loss,
                        iou_distill_loss,
)
from .box_distill_loss import BoxDistillationLoss
from .feature_imitation_loss import (
                        FeatureImitationLoss,
                        PredictionGuidedFeatureImitationLoss,
                        finegrained_mask,
                        fitnet_mask,
                        gibox_mask,
)
from .pkd_loss import PKDLoss, channel_standardise
from .rank_mimicking_loss import RankMimickingLoss
from .softmax_kd_loss import ClassificationKDLoss, LocalizationDistillationLoss, softmax_kl_div

__all__ = [
    'LocalizationDistillationLoss', 'ClassificationKDLoss', 'softmax_kl_div',
    'BinaryClassificationKDLoss', 'IoULocalizationDistillationLoss', 'binary_kd_loss',
    'iou_distill_loss', 'BoxDistillationLoss', 'RankMimickingLoss',
    'PredictionGuidedFeatureImitationLoss',
    'FeatureImitationLoss', 'fitnet_mask', 'finegrained_mask', 'gibox_mask', 'PKDLoss',
    'channel_standardise'
]
