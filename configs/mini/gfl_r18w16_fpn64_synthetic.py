# Small GFL student for the synthetic data: ResNet-18 at 1/4 width (base 16), FPN 64, 2 head
# convs, trained from scratch. Also the plain-student baseline of the mini benchmark.
_base_ = ['mmdet::gfl/gfl_r50_fpn_1x_coco.py', '../_base_/synthetic_coco.py']
custom_imports = dict(imports=['ld_plugin'], allow_failed_imports=False)
model = dict(
    backbone=dict(
        depth=18, base_channels=16, frozen_stages=-1, norm_eval=False, init_cfg=None),
    neck=dict(in_channels=[16, 32, 64, 128], out_channels=64),
    bbox_head=dict(num_classes=6, in_channels=64, feat_channels=64, stacked_convs=2))
