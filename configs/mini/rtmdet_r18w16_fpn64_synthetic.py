# The small RTMDet student (ResNet-18 at 1/4 width, FPN 64), also the plain baseline: RTMDet's
# SepBN head and DynamicSoftLabelAssigner (configs/mini/_base_/rtmdet_synthetic.py) on the mini
# families' backbone and FPN, trained from scratch on the synthetic shapes.
_base_ = './_base_/rtmdet_synthetic.py'
model = dict(
    backbone={{_base_.student_backbone}},
    neck={{_base_.student_neck}},
    bbox_head=dict(in_channels=64, feat_channels=64))
