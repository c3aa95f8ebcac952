# Rotated RetinaNet R-34 2x with distribution regression and GWD: the teacher of the GWD
# rotated LD student (no public checkpoint, train it first). 24 epochs, steps 16/22.
_base_ = './rotated-retinanet-dist-hbox-oc_r18_fpn_gwd_1x_dota.py'
model = dict(
    backbone=dict(
        depth=34, init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet34')))
train_cfg = dict(max_epochs=24)
param_scheduler = [
    dict(type='LinearLR', start_factor=1.0 / 3, by_epoch=False, begin=0, end=500),
    dict(type='MultiStepLR', begin=0, end=24, by_epoch=True, milestones=[16, 22], gamma=0.1)
]
