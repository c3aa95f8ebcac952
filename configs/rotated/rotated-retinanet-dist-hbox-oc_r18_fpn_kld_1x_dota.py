# Rotated RetinaNet R-18 1x with distribution regression (RotatedRetinaDistributionHead:
# 5 delta distributions of 9 bins, supports (-2, 2) / (-5, 2)) and the KLD box loss, as
# Rotated-LD's rotated_retinanet_distribution_hbb_kld (horizontal anchors, 'oc' angles): the
# plain R-18 baseline of rotated LD and the base of configs/rotated/rld_*kld*.
# DOTA-v1.0 as in _base_/dota_splits.py (train on train, evaluate on val, DOTA mAP and
# COCO-style AP). Batch 2 (1 GPU x 2 images), SGD lr 0.0025, 12 epochs.
_base_ = ['mmrotate::kld/rotated-retinanet-hbox-oc_r50_fpn_kld_1x_dota.py',
          './_base_/dota_splits.py']
custom_imports = dict(imports=['ld_plugin.rotated'], allow_failed_imports=False)
model = dict(
    backbone=dict(
        depth=18, init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet18')),
    neck=dict(in_channels=[64, 128, 256, 512]),
    bbox_head=dict(
        type='ld_plugin.RotatedRetinaDistributionHead',
        reg_max=8,
        box_support=(-2.0, 2.0),
        angle_support=(-5.0, 2.0)))
train_dataloader = dict(dataset={{_base_.dota_train_split}})
val_dataloader = dict(dataset={{_base_.dota_val_split}})
test_dataloader = val_dataloader
val_evaluator = {{_base_.dota_evaluators}}
test_evaluator = val_evaluator
auto_scale_lr = dict(enable=False, base_batch_size=2)
