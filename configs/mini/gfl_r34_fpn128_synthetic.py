# GFL teacher for the synthetic data: ResNet-34 at full width, FPN 128, 4 head convs, from
# scratch. Its checkpoint is the teacher_ckpt of the mini distillation configs.
_base_ = './_base_/gfl_synthetic.py'
model = dict(
    backbone=dict(depth=34, frozen_stages=-1, norm_eval=False, init_cfg=None),
    neck=dict(in_channels=[64, 128, 256, 512], out_channels=128),
    bbox_head=dict(num_classes=6, in_channels=128, feat_channels=128, stacked_convs=4))
