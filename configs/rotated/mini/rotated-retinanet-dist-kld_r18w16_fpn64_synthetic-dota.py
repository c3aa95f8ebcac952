# The small synthetic rotated student (ResNet-18 at 1/4 width, FPN 64, 2 head convs): the
# plain baseline of the rotated LD / BCKD mini students.
_base_ = './_base_/rotated_synthetic.py'
model = dict(
    backbone={{_base_.student_backbone}},
    neck={{_base_.student_neck}},
    bbox_head=dict(in_channels=64, feat_channels=64, stacked_convs=2))
