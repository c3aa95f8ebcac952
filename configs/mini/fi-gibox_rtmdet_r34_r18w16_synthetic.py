# GI-box feature imitation (MSE on FPN features at General Instance boxes, 1x1 adaptation
# 64 -> 128) on the mini RTMDet; weight as on the mini GFL.
_base_ = ['./_base_/distill_rtmdet_r34_to_r18w16.py', './_base_/feature_terms_fpn64_to_128.py']
model = dict(bbox_head=dict(distill_terms=dict(loss_imitation={{_base_.imitation_gibox}})))
