# mmdet's RetinaNet R-50 2x student turned into a distillation detector with the official
# RetinaNet R-101 2x teacher (38.9 AP); batch 16 = 8 GPUs x 2 img, SGD lr 0.01 (mmdet's RetinaNet
# 2x schedule). The RM + PFI and CrossKD configs inherit this and add their distill_terms.
_base_ = 'mmdet::retinanet/retinanet_r50_fpn_2x_coco.py'
custom_imports = dict(imports=['ld_plugin'], allow_failed_imports=False)
model = dict(
    type='ld_plugin.DistillSingleStageDetector',
    teacher_config='mmdet::retinanet/retinanet_r101_fpn_2x_coco.py',
    teacher_ckpt='https://download.openmmlab.com/mmdetection/v2.0/retinanet/retinanet_r101_fpn_2x_coco/retinanet_r101_fpn_2x_coco_20200131-5560aee8.pth',  # noqa: E501
    bbox_head=dict(type='ld_plugin.DistillRetinaHead'))
auto_scale_lr = dict(enable=False, base_batch_size=16)
