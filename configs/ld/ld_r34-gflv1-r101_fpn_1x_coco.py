# LD, full recipe (Main KD + Main LD + VLR LD): GFL R-101 ms-2x teacher -> GFL R-34 student,
# COCO 1x. Reproduces reference/ld.md 6.2 "R101 -> R34 1x": 41.0 AP (baseline 38.9).
# Batch 16 = 8 GPUs x 2 img, SGD lr 0.01; everything but the student as the R-50 config.
_base_ = './ld_r50-gflv1-r101_fpn_1x_coco.py'
model = {{_base_.r34_fpn}}
