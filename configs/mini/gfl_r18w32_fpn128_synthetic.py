# Small GFL teacher for the synthetic data: ResNet-18 at 1/2 width (base 32), FPN 128, 4 head
# convs, from scratch. Small enough to ship its checkpoint (the demo's released teacher,
# see docs/model_zoo.md) and cheap to run inside a distillation step.
_base_ = './_base_/gfl_synthetic.py'
model = dict(
    backbone=dict(depth=18, base_channels=32, frozen_stages=-1, norm_eval=False, init_cfg=None),
    neck=dict(in_channels=[32, 64, 128, 256], out_channels=128),
    bbox_head=dict(num_classes=6, in_channels=128, feat_channels=128, stacked_convs=4))
