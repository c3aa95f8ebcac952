# CrossKD: FCOS R-101 caffe ms-2x teacher (40.8 AP) -> FCOS R-50 caffe ms-2x student (38.5).
# Published: 41.1 (reference/crosskd_pkd_rtmdet.md 1.7). Cross head after conv 2 (the teacher's
# convs 3 and 4 follow); cls KD at every point (weight 0.4), -log IoU of the decoded boxes
# weighted by the teacher score (weight 0.75). The official code divides both by the summed
# centerness targets; here by the positives. Batch 16 = 8 GPUs x 2 img (mmdet's FCOS settings).
_base_ = [
    'mmdet::fcos/fcos_r50-caffe_fpn_gn-head_ms-640-800-2x_coco.py',
    '../_base_/distill/crosskd_terms.py'
]
custom_imports = dict(imports=['ld_plugin'], allow_failed_imports=False)
model = dict(
    type='ld_plugin.DistillSingleStageDetector',
    teacher_config='mmdet::fcos/fcos_r101-caffe_fpn_gn-head_ms-640-800-2x_coco.py',
    teacher_ckpt='https://download.openmmlab.com/mmdetection/v2.0/fcos/fcos_r101_caffe_fpn_gn-head_mstrain_640-800_2x_coco/fcos_r101_caffe_fpn_gn-head_mstrain_640-800_2x_coco-511424d6.pth',  # noqa: E501
    bbox_head=dict(
        type='ld_plugin.DistillFCOSHead', cross_head=dict(reused_conv=2),
        distill_terms={{_base_.crosskd_fcos}}))
auto_scale_lr = dict(enable=False, base_batch_size=16)
