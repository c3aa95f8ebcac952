# mmdet's GFL R-50 1x student turned into a distillation detector with the official GFL R-101
# ms-2x teacher (44.6 AP); batch 16 = 8 GPUs x 2 img, SGD lr 0.01 (mmdet's GFL settings).
# LD, BCKD and the feature-imitation configs inherit this and add their distill_terms.
_base_ = 'mmdet::gfl/gfl_r50_fpn_1x_coco.py'
custom_imports = dict(imports=['ld_plugin'], allow_failed_imports=False)
model = dict(
    type='ld_plugin.DistillSingleStageDetector',
    teacher_config='mmdet::gfl/gfl_r101_fpn_ms-2x_coco.py',
    teacher_ckpt='https://download.openmmlab.com/mmdetection/v2.0/gfl/gfl_r101_fpn_mstrain_2x_coco/gfl_r101_fpn_mstrain_2x_coco_20200629_200126-dd12f847.pth',  # noqa: E501
    bbox_head=dict(type='ld_plugin.DistillGFLHead'))
auto_scale_lr = dict(enable=False, base_batch_size=16)
