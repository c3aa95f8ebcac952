# CrossKD on rotated RetinaNet with distribution regression (5 distributions per anchor) from
# the synthetic rotated teacher (train rotated-retinanet-dist-kld_r34_fpn128_synthetic-dota.py
# first); cross head after the student's 2nd conv, 1x1 adapter 64 -> 128.
_base_ = ['./rotated-retinanet-dist-kld_r18w16_fpn64_synthetic-dota.py',
          '../../_base_/distill/crosskd_terms.py']
model = dict(
    type='ld_plugin.DistillSingleStageDetector',
    teacher_config='ld_plugin::rotated/mini/rotated-retinanet-dist-kld_r34_fpn128_synthetic-dota.py',
    teacher_ckpt='work_dirs/rotated-retinanet-dist-kld_r34_fpn128_synthetic-dota/iter_1500.pth',
    bbox_head=dict(type='ld_plugin.DistillRotatedRetinaDistributionHead',
                   cross_head=dict(reused_conv=2, teacher_channels=128),
                   distill_terms={{_base_.crosskd_gfl}}))
