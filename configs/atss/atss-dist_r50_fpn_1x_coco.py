# ATSS R-50 1x with general-distribution regression (ATSSDistributionHead, reg_max 16): the
# plain student baseline of LD on ATSS (paper: 39.2 AP, reference/ld.md 4.2) and the base of
# the student config ld/ld_r50-atss-dist-r101_fpn_1x_coco.py. mmdet's ATSS settings otherwise
# (focal loss, GIoU 2.0 on decoded boxes, centerness, ATSS topk 9, batch 16, SGD lr 0.01).
_base_ = 'mmdet::atss/atss_r50_fpn_1x_coco.py'
custom_imports = dict(imports=['ld_plugin'], allow_failed_imports=False)
model = dict(
    bbox_head=dict(
        type='ld_plugin.ATSSDistributionHead',
        reg_max=16,
        bbox_coder=dict(_delete_=True, type='ld_plugin.PriorCenterDistanceCoder')))
auto_scale_lr = dict(enable=False, base_batch_size=16)
