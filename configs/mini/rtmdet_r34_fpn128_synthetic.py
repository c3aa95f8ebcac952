# The synthetic RTMDet teacher (ResNet-34, FPN 128): RTMDet's
# SepBN head and DynamicSoftLabelAssigner (configs/mini/_base_/rtmdet_synthetic.py) on the mini
# families' backbone and FPN, trained from scratch on the synthetic shapes.
_base_ = './_base_/rtmdet_synthetic.py'
model = dict(
    backbone={{_base_.teacher_backbone}},
    neck={{_base_.teacher_neck}},
    bbox_head=dict(in_channels=128, feat_channels=128))
