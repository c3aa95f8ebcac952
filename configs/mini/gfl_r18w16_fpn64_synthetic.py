# Small GFL student for the synthetic data: ResNet-18 at 1/4 width (base 16), FPN 64, 2 head
# convs, trained from scratch. Also the plain-student baseline of the mini benchmark.
_base_ = './_base_/gfl_synthetic.py'
model = dict(
    backbone=dict(
        depth=18, base_channels=16, frozen_stages=-1, norm_eval=False, init_cfg=None),
    neck=dict(in_channels=[16, 32, 64, 128], out_channels=64),
    bbox_head=dict(num_classes=6, in_channels=64, feat_channels=64, stacked_convs=2))
