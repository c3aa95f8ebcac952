# CrossKD with a heterogeneous teacher: RetinaNet Swin-T 1x (37.3 AP in CrossKD's table) ->
# RetinaNet R-50 1x (36.5). Published: 38.0 (reference/crosskd_pkd_rtmdet.md 1.7). Both heads
# are 256-channel RetinaHeads over the same strides (Swin-T stages 2-4 + FPN P3-P7), so the
# cross head needs no adapter. mmdet releases no Swin-T RetinaNet weights: train the teacher
# first (tools/dist_train.sh mmdet::swin/retinanet_swin-t-p4-w7_fpn_1x_coco.py 8).
# Batch 16 = 8 GPUs x 2 img, SGD lr 0.01 (mmdet's RetinaNet 1x schedule).
_base_ = ['mmdet::retinanet/retinanet_r50_fpn_1x_coco.py', '../_base_/distill/crosskd_terms.py']
custom_imports = dict(imports=['ld_plugin'], allow_failed_imports=False)
model = dict(
    type='ld_plugin.DistillSingleStageDetector',
    teacher_config='mmdet::swin/retinanet_swin-t-p4-w7_fpn_1x_coco.py',
    teacher_ckpt='work_dirs/retinanet_swin-t-p4-w7_fpn_1x_coco/epoch_12.pth',
    bbox_head=dict(type='ld_plugin.DistillRetinaHead', cross_head=dict(reused_conv=3),
                   distill_terms={{_base_.crosskd_plain}}))
auto_scale_lr = dict(enable=False, base_batch_size=16)
