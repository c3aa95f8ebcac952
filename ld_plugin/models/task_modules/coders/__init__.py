from .prior_center_distance_coder import PriorCenterDistanceCoder, prior_centers

__all__ = ['PriorCenterDistanceCoder', 'prior_centers']
