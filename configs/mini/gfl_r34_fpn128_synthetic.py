# GFL teacher for the synthetic data: ResNet-34 at full width, FPN 128, 4 head convs, from
# scratch. Its checkpoint is the teacher_ckpt of the mini distillation configs.
_base_ = './_base_/gfl_synthetic.py'
model = dict(
    backbone={{_base_.teacher_backbone}},
    neck={{_base_.teacher_neck}},
    bbox_head=dict(num_classes=6, in_channels=128, feat_channels=128, stacked_convs=4))
