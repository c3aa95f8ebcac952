# GFL ResNet-101 FPN, PASCAL VOC 07+12 -> VOC2007 test, 4 epochs x3 repeats (see
# gfl_r50_fpn_1x_voc0712.py). Batch 6 = 2 GPUs x 3 img, lr 0.00375.
# Published (reference/ld.md 6.4 row "- / R-101"): 57.6 AP, AP50 80.4, AP75 62.7.
# The VOC LD teachers are trained longer: gfl_r101_fpn_4x_voc0712.py.
_base_ = './gfl_r50_fpn_1x_voc0712.py'
model = {{_base_.r101_fpn}}
