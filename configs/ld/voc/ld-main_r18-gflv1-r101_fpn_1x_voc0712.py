# LD on PASCAL VOC 07+12, Main LD only: GFL R-101 VOC teacher -> GFL R-18 student, 4 epochs
# x3 repeats, batch 6 = 2 GPUs x 3 img, lr 0.00375 (see ld-main_r50-gflv1-r101_fpn_1x_voc0712.py).
# Reproduces reference/ld.md 6.4 "R-101 -> R-18": 53.0 AP, AP50 75.9, AP75 57.6 (baseline 51.8).
# Teacher: work_dirs/gfl_r101_fpn_4x_voc0712/epoch_16.pth, trained first.
_base_ = './ld-main_r50-gflv1-r101_fpn_1x_voc0712.py'
model = {{_base_.r18_fpn}}
