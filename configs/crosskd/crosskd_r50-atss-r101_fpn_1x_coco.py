# CrossKD: ATSS R-101 1x teacher (41.5 AP) -> ATSS R-50 1x student (39.4). Published: 41.8
# (reference/crosskd_pkd_rtmdet.md 1.7). Cross head after conv 3; cls KD at the valid priors,
# 1 - GIoU of the decoded boxes weighted by the teacher score (weights 1.0 / 1.0). The official
# code adds a centerness KD on the positives (weight 1.0) that this config leaves out, and
# trained with 8 images per GPU; here mmdet's ATSS 1x settings: 8 GPUs x 2 img, SGD lr 0.01.
_base_ = ['mmdet::atss/atss_r50_fpn_1x_coco.py', '../_base_/distill/crosskd_terms.py']
custom_imports = dict(imports=['ld_plugin'], allow_failed_imports=False)
model = dict(
    type='ld_plugin.DistillSingleStageDetector',
    teacher_config='mmdet::atss/atss_r101_fpn_1x_coco.py',
    teacher_ckpt='https://download.openmmlab.com/mmdetection/v2.0/atss/atss_r101_fpn_1x_coco/atss_r101_fpn_1x_20200825-dfcadd6f.pth',  # noqa: E501
    bbox_head=dict(
        type='ld_plugin.DistillATSSHead', cross_head=dict(reused_conv=3),
        distill_terms={{_base_.crosskd_plain}}))
auto_scale_lr = dict(enable=False, base_batch_size=16)
