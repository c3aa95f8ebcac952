# LD on PASCAL VOC 07+12, Main LD only: GFL R-101-DCN VOC teacher -> GFL R-101 student,
# 4 epochs x3 repeats, batch 6 = 2 GPUs x 3 img, lr 0.00375.
# Reproduces reference/ld.md 6.4 "R-101-DCN -> R-101": 58.4 AP, AP50 80.2, AP75 63.7
# (baseline 57.6). Train the teacher first (configs/gfl/gfl_r101-dconv-c3-c5_fpn_4x_voc0712.py);
# this config loads work_dirs/gfl_r101-dconv-c3-c5_fpn_4x_voc0712/epoch_16.pth.
_base_ = './ld-main_r50-gflv1-r101_fpn_1x_voc0712.py'
model = dict(
    backbone={{_base_.r101_fpn.backbone}},
    neck={{_base_.r101_fpn.neck}},
    teacher_config='ld_plugin::gfl/gfl_r101-dconv-c3-c5_fpn_4x_voc0712.py',
    teacher_ckpt='work_dirs/gfl_r101-dconv-c3-c5_fpn_4x_voc0712/epoch_16.pth')
