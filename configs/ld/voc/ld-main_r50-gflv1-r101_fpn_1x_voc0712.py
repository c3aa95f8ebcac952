# LD on PASCAL VOC 07+12 -> VOC2007 test, Main LD only (as the README's VOC table): GFL R-101
# VOC teacher -> GFL R-50 student, 4 epochs x3 repeats, CIoU (data, schedule and metric of
# configs/gfl/gfl_r50_fpn_1x_voc0712.py). Batch 6 = 2 GPUs x 3 img, SGD lr 0.00375.
# Reproduces reference/ld.md 6.4 "R-101 -> R-50": 56.1 AP, AP50 78.5, AP75 61.2 (baseline 55.8;
# AP is COCO-style, AP50 is what VOCMetric reports). Note: the official VOC config sets only
# loss_ld, so through LDHead's defaults it also trained Main KD + VLR LD (ld.md 1.4).
# Train the teacher first (tools/train.py configs/gfl/gfl_r101_fpn_4x_voc0712.py); this config
# loads work_dirs/gfl_r101_fpn_4x_voc0712/epoch_16.pth (relative to the working directory).
_base_ = ['../../gfl/gfl_r50_fpn_1x_voc0712.py', '../../_base_/distill/ld_terms.py']
model = dict(
    type='ld_plugin.DistillSingleStageDetector',
    teacher_config='ld_plugin::gfl/gfl_r101_fpn_4x_voc0712.py',
    teacher_ckpt='work_dirs/gfl_r101_fpn_4x_voc0712/epoch_16.pth',
    bbox_head=dict(type='ld_plugin.DistillGFLHead', distill_terms=dict(loss_ld={{_base_.ld_main}})))
