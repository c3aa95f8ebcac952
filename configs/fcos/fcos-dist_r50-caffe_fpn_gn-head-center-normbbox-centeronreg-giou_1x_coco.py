# FCOS R-50 (caffe) 1x with general-distribution regression (FCOSDistributionHead, reg_max 16)
# and the tricks of the official FCOSGFLHead config (center sampling, normalised targets,
# centerness on the regression branch, GIoU 1.0): the plain student baseline of LD on FCOS
# (paper: 38.6 AP, reference/ld.md 4.2). Batch 16, SGD lr 0.01 as mmdet's FCOS.
_base_ = 'mmdet::fcos/fcos_r50-caffe_fpn_gn-head-center-normbbox-centeronreg-giou_1x_coco.py'
custom_imports = dict(imports=['ld_plugin'], allow_failed_imports=False)
model = dict(bbox_head=dict(type='ld_plugin.FCOSDistributionHead', reg_max=16))
auto_scale_lr = dict(enable=False, base_batch_size=16)
