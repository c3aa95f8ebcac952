# Rotated FCOS R-34 2x with distribution regression (distances and angle): the teacher of the
# rotated FCOS LD student (no public checkpoint, train it first).
_base_ = './rotated-fcos-dist-le90_r18_fpn_kld_1x_dota.py'
model = dict(
    backbone=dict(
        depth=34, init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet34')))
train_cfg = {{_base_.dota_2x_train_cfg}}
param_scheduler = {{_base_.dota_2x_param_scheduler}}
