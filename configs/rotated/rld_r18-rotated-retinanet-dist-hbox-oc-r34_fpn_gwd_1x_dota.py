# Rotated LD with the GWD box loss: distribution rotated RetinaNet R-34 2x (GWD) teacher ->
# R-18 1x student, LD 10 + class KD 20 (T = 5) on Rotated-LD's region. Paper (README, "GWD"
# row, reference/ld.md 6.6): 37.1 -> 40.2 COCO-style AP on DOTA-v1.0 val.
_base_ = ['./rotated-retinanet-dist-hbox-oc_r18_fpn_gwd_1x_dota.py', './_base_/rld_terms.py']
model = dict(
    type='ld_plugin.DistillSingleStageDetector',
    teacher_config='ld_plugin::rotated/rotated-retinanet-dist-hbox-oc_r34_fpn_gwd_2x_dota.py',
    teacher_ckpt='work_dirs/rotated-retinanet-dist-hbox-oc_r34_fpn_gwd_2x_dota/epoch_24.pth',
    bbox_head=dict(type='ld_plugin.DistillRotatedRetinaDistributionHead',
                   distill_terms={{_base_.rld_gwd_terms}}),
    train_cfg=dict(assigner={{_base_.rld_region_assigner}}))
