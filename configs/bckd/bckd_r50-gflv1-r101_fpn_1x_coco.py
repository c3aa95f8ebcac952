# BCKD (binary classification KD + IoU-based localization distillation): GFL R-101 ms-2x
# teacher -> GFL R-50 student, COCO 1x. Reproduces reference/bckd_rm.md A8.1: 43.2 AP
# (baseline 40.1). Official settings: batch 16 = 8 GPUs x 2 img, SGD lr 0.01, weights 1.0 / 4.0,
# plain ATSS assignment; both terms are normalised by the number of positives.
_base_ = ['mmdet::gfl/gfl_r50_fpn_1x_coco.py', '../_base_/distill/kd_terms.py']
custom_imports = dict(imports=['ld_plugin'], allow_failed_imports=False)
model = dict(
    type='DistillSingleStageDetector',
    teacher_config='mmdet::gfl/gfl_r101_fpn_ms-2x_coco.py',
    teacher_ckpt='https://download.openmmlab.com/mmdetection/v2.0/gfl/gfl_r101_fpn_mstrain_2x_coco/gfl_r101_fpn_mstrain_2x_coco_20200629_200126-dd12f847.pth',  # noqa: E501
    bbox_head=dict(type='DistillGFLHead', distill_terms={{_base_.bckd}}))
auto_scale_lr = dict(enable=False, base_batch_size=16)
