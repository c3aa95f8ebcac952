# LD on FCOS (official LDFCOSHead): distribution FCOS R-101 2x teacher -> R-50 1x student (both
# caffe, with the FCOS tricks), Main KD + Main LD + VLR LD (points inside a GT box that are not
# positive, weighted by the student's score, LD factor 0.25). Paper: 38.6 -> 40.6 AP
# (reference/ld.md 4.2). Train the teacher first.
_base_ = [
    '../fcos/fcos-dist_r50-caffe_fpn_gn-head-center-normbbox-centeronreg-giou_1x_coco.py',
    '../_base_/distill/ld_terms.py'
]
model = dict(
    type='ld_plugin.DistillSingleStageDetector',
    teacher_config='ld_plugin::fcos/'
    'fcos-dist_r101-caffe_fpn_gn-head-center-normbbox-centeronreg-giou_2x_coco.py',
    teacher_ckpt='work_dirs/'
    'fcos-dist_r101-caffe_fpn_gn-head-center-normbbox-centeronreg-giou_2x_coco/epoch_24.pth',
    bbox_head=dict(type='ld_plugin.DistillFCOSDistributionHead',
                   distill_terms={{_base_.ld_fcos_recipe}}))
