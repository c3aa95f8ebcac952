# LD on ATSS (official LDATSSHead): distribution ATSS R-101 2x teacher -> R-50 1x student,
# Main KD + Main LD + VLR LD (VLR from VLRATSSAssigner, LD factor 0.15). Paper: 39.2 -> 41.6
# AP (reference/ld.md 4.2). Train the teacher first (atss/atss-dist_r101_fpn_2x_coco.py); the
# official LD terms are sums per GPU: keep 2 img/GPU or use the per-image normalisation.
_base_ = ['../atss/atss-dist_r50_fpn_1x_coco.py', '../_base_/distill/ld_terms.py']
model = dict(
    type='ld_plugin.DistillSingleStageDetector',
    teacher_config='ld_plugin::atss/atss-dist_r101_fpn_2x_coco.py',
    teacher_ckpt='work_dirs/atss-dist_r101_fpn_2x_coco/epoch_24.pth',
    bbox_head=dict(type='ld_plugin.DistillATSSDistributionHead',
                   distill_terms={{_base_.ld_atss_recipe}}),
    train_cfg=dict(assigner={{_base_.vlr_assigner}}))
