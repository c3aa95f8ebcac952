# CrossKD: RetinaNet R-101 2x teacher (38.9 AP) -> RetinaNet R-50 2x student (37.4). Published:
# 39.7 (reference/crosskd_pkd_rtmdet.md 1.7). Cross head after conv 3 (conv + bias, no norm);
# cls KD at the valid anchors (the 0.4-0.5 IoU band excluded), 1 - GIoU of the boxes decoded at
# the student's anchors, weighted by the teacher score (weights 1.0 / 1.0). Batch 16 =
# 8 GPUs x 2 img, SGD lr 0.01 (mmdet's RetinaNet 2x schedule).
_base_ = ['mmdet::retinanet/retinanet_r50_fpn_2x_coco.py', '../_base_/distill/crosskd_terms.py']
custom_imports = dict(imports=['ld_plugin'], allow_failed_imports=False)
model = dict(
    type='ld_plugin.DistillSingleStageDetector',
    teacher_config='mmdet::retinanet/retinanet_r101_fpn_2x_coco.py',
    teacher_ckpt='https://download.openmmlab.com/mmdetection/v2.0/retinanet/retinanet_r101_fpn_2x_coco/retinanet_r101_fpn_2x_coco_20200131-5560aee8.pth',  # noqa: E501
    bbox_head=dict(
        type='ld_plugin.DistillRetinaHead', cross_head=dict(reused_conv=3),
        distill_terms={{_base_.crosskd_plain}}))
auto_scale_lr = dict(enable=False, base_batch_size=16)
