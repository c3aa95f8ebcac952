# LD, Main LD only: GFL R-101 ms-2x teacher -> GFL R-18 student, COCO 1x. Reproduces
# reference/ld.md 6.1 "R-101 -> R-18 1x", mmdet port: 36.5 AP (official README: 36.5 AP,
# AP50 52.9, AP75 39.3; baseline 35.8). Batch 16 = 8 GPUs x 2 img, SGD lr 0.01.
_base_ = './ld-main_r50-gflv1-r101_fpn_1x_coco.py'
model = {{_base_.r18_fpn}}
