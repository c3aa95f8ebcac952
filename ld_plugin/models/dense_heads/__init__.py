from .distill_distribution_heads import (
                                         DistillATSSDistributionHead,
                                         DistillFCOSDistributionHead,
                                         DistillRetinaDistributionHead,
                                         DistillRTMDetDistributionHead,
                                         DistillRTMDetSepBNDistributionHead,
)
from .distill_gfl_head import DistillGFLHead
from .distill_head_mixin import DistillHeadMixin
from .distill_plain_heads import (
                                         DistillATSSHead,
                                         DistillFCOSHead,
                                         DistillRetinaHead,
                                         DistillRTMDetHead,
                                         DistillRTMDetSepBNHead,
)
from .distribution_heads import ATSSDistributionHead, FCOSDistributionHead, RetinaDistributionHead
from .distribution_regression import DistributionRegressionMixin, expected_values
from .edge_distribution import EdgeDistributionMixin, edge_expectations
from .rtmdet_distribution_heads import (
                                         RTMDetDistributionHead,
                                         RTMDetDistributionMixin,
                                         RTMDetSepBNDistributionHead,
)

__all__ = [
    'DistillHeadMixin', 'DistillGFLHead', 'DistillATSSHead', 'DistillRetinaHead', 'DistillFCOSHead',
    'DistillRTMDetHead', 'DistillRTMDetSepBNHead',
    'DistributionRegressionMixin', 'expected_values', 'EdgeDistributionMixin', 'edge_expectations',
    'ATSSDistributionHead', 'RetinaDistributionHead',
    'FCOSDistributionHead', 'DistillATSSDistributionHead', 'DistillRetinaDistributionHead',
    'DistillFCOSDistributionHead', 'RTMDetDistributionMixin', 'RTMDetDistributionHead',
    'RTMDetSepBNDistributionHead', 'DistillRTMDetDistributionHead',
    'DistillRTMDetSepBNDistributionHead'
]
