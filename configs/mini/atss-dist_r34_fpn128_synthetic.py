# ATSS with general-distribution regression (ATSSDistributionHead, reg_max 16): the synthetic
# ATSS teacher (ResNet-34, FPN 128, 4 head convs), mmdet's ATSS head settings otherwise.
_base_ = './_base_/gfl_synthetic.py'
model = dict(
    backbone={{_base_.teacher_backbone}},
    neck={{_base_.teacher_neck}},
    bbox_head=dict(
        _delete_=True,
        type='ld_plugin.ATSSDistributionHead',
        num_classes=6,
        in_channels=128,
        feat_channels=128,
        stacked_convs=4,
        reg_max=16,
        anchor_generator=dict(
            type='AnchorGenerator', ratios=[1.0], octave_base_scale=8, scales_per_octave=1,
            strides=[8, 16, 32, 64, 128]),
        loss_cls=dict(type='FocalLoss', use_sigmoid=True, gamma=2.0, alpha=0.25, loss_weight=1.0),
        loss_bbox=dict(type='GIoULoss', loss_weight=2.0),
        loss_centerness=dict(type='CrossEntropyLoss', use_sigmoid=True, loss_weight=1.0)))
