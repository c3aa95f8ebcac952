# RetinaNet R-50 1x with general-distribution regression (RetinaDistributionHead, reg_max 16:
# per anchor, the four edge distances from the anchor centre; GIoU 2.0 on decoded boxes as the
# official RetinaGFLHead): the plain student baseline of LD on RetinaNet (paper: 36.9 AP,
# reference/ld.md 4.2). mmdet's RetinaNet settings otherwise (9 anchors, max-IoU 0.5/0.4,
# focal loss, batch 16, SGD lr 0.01).
_base_ = 'mmdet::retinanet/retinanet_r50_fpn_1x_coco.py'
custom_imports = dict(imports=['ld_plugin'], allow_failed_imports=False)
model = dict(
    bbox_head=dict(
        type='ld_plugin.RetinaDistributionHead',
        reg_max=16,
        reg_decoded_bbox=True,
        bbox_coder=dict(_delete_=True, type='ld_plugin.PriorCenterDistanceCoder'),
        loss_bbox=dict(_delete_=True, type='GIoULoss', loss_weight=2.0)))
auto_scale_lr = dict(enable=False, base_batch_size=16)
