# GFL ResNet-34 FPN 1x on COCO: the plain R-34 student baseline mmdet lacks (LD README,
# reference/ld.md 6.1 row "- / R-34 / 1x": 38.9 AP, AP50 56.6, AP75 42.2, COCO val2017).
# Batch 16 = 8 GPUs x 2 img, SGD lr 0.01, as mmdet's GFL R-50 1x.
_base_ = './gfl_r18_fpn_1x_coco.py'
model = {{_base_.r34_fpn}}
