# CrossKD on rotated FCOS with distribution regression (angle included: the 5 distributions of
# each point are distilled) from the synthetic rotated FCOS teacher (train
# rotated-fcos-dist_r34_fpn128_synthetic-dota.py first). The student's tower output after its
# 2nd conv (64 channels, 1x1 adapter to the teacher's 128) runs through the teacher's convs 3-4,
# predictors and angle branch. CrossKD's GFL terms (configs/_base_/distill/crosskd_terms.py).
_base_ = ['./rotated-fcos-dist_r18w16_fpn64_synthetic-dota.py',
          '../../_base_/distill/crosskd_terms.py']
model = dict(
    type='ld_plugin.DistillSingleStageDetector',
    teacher_config='ld_plugin::rotated/mini/rotated-fcos-dist_r34_fpn128_synthetic-dota.py',
    teacher_ckpt='work_dirs/rotated-fcos-dist_r34_fpn128_synthetic-dota/iter_1500.pth',
    bbox_head=dict(type='ld_plugin.DistillRotatedFCOSDistributionHead',
                   cross_head=dict(reused_conv=2, teacher_channels=128),
                   distill_terms={{_base_.crosskd_gfl}}))
