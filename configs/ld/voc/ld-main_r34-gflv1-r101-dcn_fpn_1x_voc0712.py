# LD on PASCAL VOC 07+12, Main LD only: GFL R-101-DCN VOC teacher -> GFL R-34 student,
# 4 epochs x3 repeats, batch 6 = 2 GPUs x 3 img, lr 0.00375.
# Reproduces reference/ld.md 6.4 "R-101-DCN -> R-34": 56.7 AP, AP50 78.4, AP75 62.1 (baseline
# 55.7; the README model list says 56.5). Teacher:
# work_dirs/gfl_r101-dconv-c3-c5_fpn_4x_voc0712/epoch_16.pth, trained first.
_base_ = './ld-main_r101-gflv1-r101-dcn_fpn_1x_voc0712.py'
model = {{_base_.r34_fpn}}
