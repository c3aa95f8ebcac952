# Rotated RetinaNet with distribution regression and KLD, the synthetic rotated teacher:
# ResNet-34, FPN 128, 4 head convs, from scratch.
_base_ = './_base_/rotated_synthetic.py'
model = dict(
    backbone={{_base_.teacher_backbone}},
    neck={{_base_.teacher_neck}},
    bbox_head=dict(in_channels=128, feat_channels=128, stacked_convs=4))
