# Rotated FCOS with distribution regression (distances and 'le90' angle as distributions, KLD
# box loss), the synthetic rotated FCOS teacher: the rotated RetinaNet teacher's backbone, data
# and schedule with mmrotate's rotated FCOS head settings.
_base_ = './rotated-retinanet-dist-kld_r34_fpn128_synthetic-dota.py'
model = dict(
    type='mmdet.FCOS',
    neck=dict(add_extra_convs='on_output', relu_before_extra_convs=True),
    bbox_head=dict(
        _delete_=True,
        type='ld_plugin.RotatedFCOSDistributionHead',
        num_classes=5,
        in_channels=128,
        feat_channels=128,
        stacked_convs=4,
        strides=[8, 16, 32, 64, 128],
        center_sampling=True,
        center_sample_radius=1.5,
        norm_on_bbox=True,
        centerness_on_reg=True,
        use_hbbox_loss=False,
        scale_angle=True,
        bbox_coder=dict(type='DistanceAnglePointCoder', angle_version='le90'),
        reg_max=16,
        angle_support=(-1.5707963, 1.5707963),
        loss_cls=dict(type='mmdet.FocalLoss', use_sigmoid=True, gamma=2.0, alpha=0.25,
                      loss_weight=1.0),
        loss_bbox=dict(type='GDLoss', loss_type='kld', fun='log1p', tau=1, loss_weight=1.0),
        loss_angle=None,
        loss_centerness=dict(type='mmdet.CrossEntropyLoss', use_sigmoid=True, loss_weight=1.0)),
    train_cfg=None)
