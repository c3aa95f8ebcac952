from .distill_rotated_heads import (
                                    DistillRotatedFCOSDistributionHead,
                                    DistillRotatedRetinaDistributionHead,
)
from .rotated_fcos_distribution_head import RotatedFCOSDistributionHead, rotated_point_distances
from .rotated_retina_distribution_head import RotatedRetinaDistributionHead

__all__ = [
    'RotatedRetinaDistributionHead', 'DistillRotatedRetinaDistributionHead',
    'RotatedFCOSDistributionHead', 'DistillRotatedFCOSDistributionHead', 'rotated_point_distances'
]
