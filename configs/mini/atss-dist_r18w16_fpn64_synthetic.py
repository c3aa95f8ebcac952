# The small synthetic student (ResNet-18 at 1/4 width, FPN 64, 2 head convs) with the head of
# atss-dist_r34_fpn128_synthetic.py: the plain baseline of the atss LD student.
_base_ = './atss-dist_r34_fpn128_synthetic.py'
model = dict(
    backbone={{_base_.student_backbone}},
    neck={{_base_.student_neck}},
    bbox_head=dict(in_channels=64, feat_channels=64, stacked_convs=2))
