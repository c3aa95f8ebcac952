# GFL ResNet-18 FPN, PASCAL VOC 07+12 -> VOC2007 test, 4 epochs x3 repeats (see
# gfl_r50_fpn_1x_voc0712.py). Batch 6 = 2 GPUs x 3 img, lr 0.00375.
# Published (reference/ld.md 6.4 row "- / R-18"): 51.8 AP, AP50 75.8, AP75 56.3.
_base_ = './gfl_r50_fpn_1x_voc0712.py'
model = {{_base_.r18_fpn}}
