# LD on RetinaNet (official LDRetinaHead, configs/ld/ld_retina_r50_1x.py): distribution
# RetinaNet R-101 2x teacher -> R-50 1x student, Main KD (T = 8) + Main LD (weight 5) + VLR LD
# (VLRMaxIoUAssigner: max-IoU positives, VLR with positives removed, LD factor 0.03). Paper:
# 36.9 -> 39.0 AP (reference/ld.md 4.2). Train the teacher first.
_base_ = ['../retinanet/retinanet-dist_r50_fpn_1x_coco.py', '../_base_/distill/ld_terms.py']
model = dict(
    type='ld_plugin.DistillSingleStageDetector',
    teacher_config='ld_plugin::retinanet/retinanet-dist_r101_fpn_2x_coco.py',
    teacher_ckpt='work_dirs/retinanet-dist_r101_fpn_2x_coco/epoch_24.pth',
    bbox_head=dict(
        type='ld_plugin.DistillRetinaDistributionHead', distill_terms={{_base_.ld_retina_recipe}}),
    train_cfg=dict(assigner={{_base_.vlr_max_iou_assigner}}))
