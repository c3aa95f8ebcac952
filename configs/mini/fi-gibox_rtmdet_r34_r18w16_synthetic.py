# GI-box feature imitation (MSE on FPN features at General Instance boxes, 1x1 adaptation
# 64 -> 128) on the mini RTMDet; weight as on the mini GFL.
_base_ = './_base_/distill_rtmdet_r34_to_r18w16.py'
model = dict(
    bbox_head=dict(
        distill_terms=dict(loss_imitation=dict(
            region='gibox',
            loss=dict(type='ld_plugin.FeatureImitationLoss', student_channels=64,
                      teacher_channels=128, loss_weight=2.0)))))
