# FCOS with general-distribution regression (FCOSDistributionHead, reg_max 16): the synthetic
# FCOS teacher (ResNet-34, FPN 128, 4 head convs) with the paper's FCOS tricks (center
# sampling, normalised targets, centerness on the regression branch, GIoU 1.0).
_base_ = './_base_/gfl_synthetic.py'
model = dict(
    backbone={{_base_.teacher_backbone}},
    neck={{_base_.teacher_neck}},
    bbox_head=dict(
        _delete_=True,
        type='ld_plugin.FCOSDistributionHead',
        num_classes=6,
        in_channels=128,
        feat_channels=128,
        stacked_convs=4,
        strides=[8, 16, 32, 64, 128],
        reg_max=16,
        norm_on_bbox=True,
        centerness_on_reg=True,
        center_sampling=True,
        conv_bias=True,
        loss_cls=dict(type='FocalLoss', use_sigmoid=True, gamma=2.0, alpha=0.25, loss_weight=1.0),
        loss_bbox=dict(type='GIoULoss', loss_weight=1.0),
        loss_centerness=dict(type='CrossEntropyLoss', use_sigmoid=True, loss_weight=1.0)),
    train_cfg=None)
