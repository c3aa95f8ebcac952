# RTMDet's head, assigner and losses (mmdet's rtmdet_l: SepBN head, 2 convs per tower, SiLU,
# DynamicSoftLabelAssigner topk 13, QFL + GIoU) on the mini families' ResNet + FPN over the
# strides 8-128 of the synthetic data; the RTMDet mini configs set the widths.
_base_ = './gfl_synthetic.py'
model = dict(
    bbox_head=dict(
        _delete_=True,
        type='RTMDetSepBNHead',
        num_classes=6,
        in_channels=64,
        feat_channels=64,
        stacked_convs=2,
        anchor_generator=dict(type='MlvlPointGenerator', offset=0,
                              strides=[8, 16, 32, 64, 128]),
        bbox_coder=dict(type='DistancePointBBoxCoder'),
        loss_cls=dict(type='QualityFocalLoss', use_sigmoid=True, beta=2.0, loss_weight=1.0),
        loss_bbox=dict(type='GIoULoss', loss_weight=2.0),
        with_objectness=False,
        exp_on_reg=True,
        share_conv=True,
        pred_kernel_size=1,
        norm_cfg=dict(type='BN'),
        act_cfg=dict(type='SiLU', inplace=True)),
    train_cfg=dict(
        _delete_=True,
        assigner=dict(type='DynamicSoftLabelAssigner', topk=13),
        allowed_border=-1,
        pos_weight=-1,
        debug=False),
    test_cfg=dict(
        _delete_=True,
        nms_pre=1000,
        min_bbox_size=0,
        score_thr=0.05,
        nms=dict(type='nms', iou_threshold=0.65),
        max_per_img=100))
