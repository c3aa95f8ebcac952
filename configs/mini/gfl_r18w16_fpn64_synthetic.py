# Small GFL student for the synthetic data: ResNet-18 at 1/4 width (base 16), FPN 64, 2 head
# convs, trained from scratch. Also the plain-student baseline of the mini benchmark.
_base_ = './_base_/gfl_synthetic.py'
model = dict(
    backbone={{_base_.student_backbone}},
    neck={{_base_.student_neck}},
    bbox_head=dict(num_classes=6, in_channels=64, feat_channels=64, stacked_convs=2))
