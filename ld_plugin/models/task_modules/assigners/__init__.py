from .vlr_atss_assigner import (VLRATSSAssigner, atss_iou_thresholds,
                                vlr_weights)
from .vlr_max_iou_assigner import VLRMaxIoUAssigner

__all__ = ['VLRATSSAssigner', 'VLRMaxIoUAssigner', 'vlr_weights', 'atss_iou_thresholds']
