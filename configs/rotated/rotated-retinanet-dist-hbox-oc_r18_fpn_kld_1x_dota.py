# Rotated RetinaNet R-18 1x with distribution regression (RotatedRetinaDistributionHead:
# 5 delta distributions of 9 bins, supports (-2, 2) / (-5, 2)) and the KLD box loss, as
# Rotated-LD's rotated_retinanet_distribution_hbb_kld (horizontal anchors, 'oc' angles): the
# plain R-18 baseline of rotated LD and the base of configs/rotated/rld_*kld*.
# DOTA-v1.0 split 1024/200 (mmrotate's tools/data/dota/split): train on train, evaluate on val
# (reference/ld.md 6.6) with the DOTA mAP (AP50, 11 points) and the COCO-style mean over IoU
# 0.50:0.95 (dota_coco/mAP). Batch 2 (1 GPU x 2 images), SGD lr 0.0025, 12 epochs.
_base_ = 'mmrotate::kld/rotated-retinanet-hbox-oc_r50_fpn_kld_1x_dota.py'
custom_imports = dict(imports=['ld_plugin.rotated'], allow_failed_imports=False)
model = dict(
    backbone=dict(
        depth=18, init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet18')),
    neck=dict(in_channels=[64, 128, 256, 512]),
    bbox_head=dict(
        type='RotatedRetinaDistributionHead',
        reg_max=8,
        box_support=(-2.0, 2.0),
        angle_support=(-5.0, 2.0)))
train_dataloader = dict(
    dataset=dict(ann_file='train/annfiles/', data_prefix=dict(img_path='train/images/')))
val_dataloader = dict(
    dataset=dict(ann_file='val/annfiles/', data_prefix=dict(img_path='val/images/')))
test_dataloader = val_dataloader
val_evaluator = [
    dict(type='DOTAMetric', metric='mAP'),
    dict(type='DOTAMetric', metric='mAP', prefix='dota_coco',
         iou_thrs=[0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95]),
]
test_evaluator = val_evaluator
auto_scale_lr = dict(enable=False, base_batch_size=2)
