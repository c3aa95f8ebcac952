# BCKD: GFL R-101 ms-2x teacher -> GFL R-18 student, COCO 1x. bckd_rm.md A8.1: 38.6 AP
# (baseline 35.8). Everything but the student as the R-50 config.
_base_ = ['./bckd_r50-gflv1-r101_fpn_1x_coco.py', '../gfl/_base_/resnet_fpn.py']
model = {{_base_.r18_fpn}}
