# Rotated LD (TPAMI 2023): distribution rotated RetinaNet R-34 2x (KLD) teacher -> R-18 1x
# student, LD + class KD (weights 15 / 15, T = 5) on Rotated-LD's region. Paper (README,
# "Rotated-RetinaNet" row, reference/ld.md 6.6): 33.7 -> 39.1 COCO-style AP on DOTA-v1.0 val.
# Train the teacher first (rotated-retinanet-dist-hbox-oc_r34_fpn_kld_2x_dota.py).
_base_ = ['./rotated-retinanet-dist-hbox-oc_r18_fpn_kld_1x_dota.py', './_base_/rld_terms.py']
model = dict(
    type='ld_plugin.DistillSingleStageDetector',
    teacher_config='ld_plugin::rotated/rotated-retinanet-dist-hbox-oc_r34_fpn_kld_2x_dota.py',
    teacher_ckpt='work_dirs/rotated-retinanet-dist-hbox-oc_r34_fpn_kld_2x_dota/epoch_24.pth',
    bbox_head=dict(type='ld_plugin.DistillRotatedRetinaDistributionHead',
                   distill_terms={{_base_.rld_kld_terms}}),
    train_cfg=dict(assigner={{_base_.rld_region_assigner}}))
