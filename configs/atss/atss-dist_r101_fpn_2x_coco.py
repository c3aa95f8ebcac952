# ATSS R-101 2x with general-distribution regression: the teacher of LD on ATSS (official
# configs/gfl/atss_gfl_r101_2x.py, "train your own": no public checkpoint). Single-scale 2x
# (24 epochs, steps 16/22); the official teacher's augmentation is not documented.
_base_ = './atss-dist_r50_fpn_1x_coco.py'
model = dict(
    backbone=dict(
        depth=101, init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet101')))
train_cfg = dict(max_epochs=24)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=500),
    dict(type='MultiStepLR', begin=0, end=24, by_epoch=True, milestones=[16, 22], gamma=0.1)
]
