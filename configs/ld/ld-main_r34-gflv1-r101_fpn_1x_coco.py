# LD, Main LD only: GFL R-101 ms-2x teacher -> GFL R-34 student, COCO 1x. Reproduces
# reference/ld.md 6.1 "R-101 -> R-34 1x", mmdet port: 39.9 AP (official README: 39.8 AP,
# AP50 56.6, AP75 43.1; baseline 38.9). Batch 16 = 8 GPUs x 2 img, SGD lr 0.01.
_base_ = './ld-main_r50-gflv1-r101_fpn_1x_coco.py'
model = {{_base_.r34_fpn}}
