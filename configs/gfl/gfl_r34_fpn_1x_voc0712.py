# GFL ResNet-34 FPN, PASCAL VOC 07+12 -> VOC2007 test, 4 epochs x3 repeats (see
# gfl_r50_fpn_1x_voc0712.py). Batch 6 = 2 GPUs x 3 img, lr 0.00375.
# Published (reference/ld.md 6.4 row "- / R-34"): 55.7 AP, AP50 78.9, AP75 60.6.
_base_ = './gfl_r50_fpn_1x_voc0712.py'
model = {{_base_.r34_fpn}}
