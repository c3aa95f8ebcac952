# The small synthetic student with the rotated FCOS distribution head: the plain baseline of
# the rotated FCOS LD mini student.
_base_ = './rotated-fcos-dist_r34_fpn128_synthetic-dota.py'
model = dict(
    backbone={{_base_.student_backbone}},
    neck={{_base_.student_neck}},
    bbox_head=dict(in_channels=64, feat_channels=64, stacked_convs=2))
