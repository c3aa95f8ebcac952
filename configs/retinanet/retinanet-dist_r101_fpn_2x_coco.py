# RetinaNet R-101 2x with general-distribution regression: the teacher of LD on RetinaNet
# (official configs/gfl/retinagfl_r101_2x_coco.py; no public checkpoint, train it first).
# mmdet's RetinaNet 2x schedule (24 epochs, steps 16/22).
_base_ = './retinanet-dist_r50_fpn_1x_coco.py'
model = dict(
    backbone=dict(
        depth=101, init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet101')))
train_cfg = dict(max_epochs=24)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=500),
    dict(type='MultiStepLR', begin=0, end=24, by_epoch=True, milestones=[16, 22], gamma=0.1)
]
