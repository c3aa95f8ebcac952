from .vlr_atss_assigner import VLRATSSAssigner, atss_iou_thresholds, vlr_weights
from .vlr_dynamic_soft_label_assigner import VLRDynamicSoftLabelAssigner
from .vlr_max_iou_assigner import VLRMaxIoUAssigner

__all__ = ['VLRATSSAssigner', 'VLRMaxIoUAssigner', 'VLRDynamicSoftLabelAssigner', 'vlr_weights',
           'atss_iou_thresholds']
