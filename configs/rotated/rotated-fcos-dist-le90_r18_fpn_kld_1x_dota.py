# Rotated FCOS R-18 1x with distribution regression (RotatedFCOSDistributionHead, beyond the
# Rotated-LD paper): the four distances as distributions over 17 bins of one stride, the angle
# as a fifth distribution over the 'le90' range, so that LD distills it too; KLD box loss
# (GDLoss, reduced properly; mmrotate's FCOS KLD config uses GDLoss_v1, whose loss is not
# reduced to a scalar here). The plain R-18 baseline of the rotated FCOS LD student. DOTA-v1.0
# as in _base_/dota_splits.py; batch 2, SGD lr 0.0025, 12 epochs.
_base_ = ['mmrotate::rotated_fcos/rotated-fcos-le90_r50_fpn_kld_1x_dota.py',
          './_base_/dota_splits.py']
custom_imports = dict(imports=['ld_plugin.rotated'], allow_failed_imports=False)
model = dict(
    backbone=dict(
        depth=18, init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet18')),
    neck=dict(in_channels=[64, 128, 256, 512]),
    bbox_head=dict(
        type='ld_plugin.RotatedFCOSDistributionHead',
        reg_max=16,
        angle_support=(-1.5707963, 1.5707963),
        loss_bbox=dict(_delete_=True, type='GDLoss', loss_type='kld', fun='log1p', tau=1,
                       loss_weight=1.0)))
train_dataloader = dict(dataset={{_base_.dota_train_split}})
val_dataloader = dict(dataset={{_base_.dota_val_split}})
test_dataloader = val_dataloader
val_evaluator = {{_base_.dota_evaluators}}
test_evaluator = val_evaluator
auto_scale_lr = dict(enable=False, base_batch_size=2)
