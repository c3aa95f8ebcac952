from .vlr_atss_assigner import (VLRATSSAssigner, atss_iou_thresholds,
                                vlr_weights)

__all__ = ['VLRATSSAssigner', 'vlr_weights', 'atss_iou_thresholds']
