# BCKD on rotated FCOS (binary class KD + KLD between decoded rotated boxes, the official
# weights 1.0 / 4.0 normalised by the positives) from the synthetic rotated FCOS teacher
# (train rotated-fcos-dist_r34_fpn128_synthetic-dota.py first).
_base_ = ['./rotated-fcos-dist_r18w16_fpn64_synthetic-dota.py',
          '../_base_/rld_terms.py']
model = dict(
    type='ld_plugin.DistillSingleStageDetector',
    teacher_config='ld_plugin::rotated/mini/rotated-fcos-dist_r34_fpn128_synthetic-dota.py',
    teacher_ckpt='work_dirs/rotated-fcos-dist_r34_fpn128_synthetic-dota/iter_1500.pth',
    bbox_head=dict(type='ld_plugin.DistillRotatedFCOSDistributionHead',
                   distill_terms={{_base_.rotated_bckd_terms}}))
