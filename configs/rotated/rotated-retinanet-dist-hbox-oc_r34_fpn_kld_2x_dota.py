# Rotated RetinaNet R-34 2x with distribution regression and KLD: the teacher of the KLD
# rotated LD student (Rotated-LD's "R34 KLD distribution, 2x"; no public checkpoint, train it
# first). 24 epochs, steps 16/22.
_base_ = './rotated-retinanet-dist-hbox-oc_r18_fpn_kld_1x_dota.py'
model = dict(
    backbone=dict(
        depth=34, init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet34')))
train_cfg = {{_base_.dota_2x_train_cfg}}
param_scheduler = {{_base_.dota_2x_param_scheduler}}
