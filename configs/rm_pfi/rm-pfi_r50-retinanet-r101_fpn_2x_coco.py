# Rank Mimicking + prediction-guided feature imitation: RetinaNet R-101 2x teacher (38.9 AP,
# official mmdet checkpoint) -> RetinaNet R-50 2x student (baseline 37.4), COCO. Published:
# RetinaNet-R50 40.4 (+3.5, teacher unknown) and PFI alone 39.6 with this teacher pair
# (reference/bckd_rm.md B4). Weights 4 (RM) and 1.5 (PFI) as both third-party implementations.
# Batch 16 = 8 GPUs x 2 img, SGD lr 0.01 (mmdet's RetinaNet 2x schedule).
_base_ = ['mmdet::retinanet/retinanet_r50_fpn_2x_coco.py', '../_base_/distill/kd_terms.py']
custom_imports = dict(imports=['ld_plugin'], allow_failed_imports=False)
model = dict(
    type='ld_plugin.DistillSingleStageDetector',
    teacher_config='mmdet::retinanet/retinanet_r101_fpn_2x_coco.py',
    teacher_ckpt='https://download.openmmlab.com/mmdetection/v2.0/retinanet/retinanet_r101_fpn_2x_coco/retinanet_r101_fpn_2x_coco_20200131-5560aee8.pth',  # noqa: E501
    bbox_head=dict(
        type='ld_plugin.DistillRetinaHead',
        distill_terms=dict(loss_rm={{_base_.rank_mimicking}}, loss_pfi={{_base_.pfi}})))
auto_scale_lr = dict(enable=False, base_batch_size=16)
