from .rotated_retina_distribution_head import RotatedRetinaDistributionHead

__all__ = ['RotatedRetinaDistributionHead']
