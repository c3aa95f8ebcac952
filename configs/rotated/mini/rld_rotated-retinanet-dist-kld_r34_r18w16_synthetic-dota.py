# Rotated LD (LD + class KD on Rotated-LD's region, weights 15 / 15, T = 5) from the synthetic
# rotated teacher (train rotated-retinanet-dist-kld_r34_fpn128_synthetic-dota.py first) into
# the small student.
_base_ = ['./rotated-retinanet-dist-kld_r18w16_fpn64_synthetic-dota.py',
          '../_base_/rld_terms.py']
model = dict(
    type='ld_plugin.DistillSingleStageDetector',
    teacher_config='ld_plugin::rotated/mini/rotated-retinanet-dist-kld_r34_fpn128_synthetic-dota.py',
    teacher_ckpt='work_dirs/rotated-retinanet-dist-kld_r34_fpn128_synthetic-dota/iter_1500.pth',
    bbox_head=dict(type='ld_plugin.DistillRotatedRetinaDistributionHead',
                   distill_terms={{_base_.rld_kld_terms}}),
    train_cfg=dict(assigner={{_base_.rld_region_assigner}}))
