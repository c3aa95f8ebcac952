# LD on rotated FCOS (distances and angle bins; the FCOS recipe with the per-image
# normalisation of the 2D mini configs and KD 10 * 5 / 80) from the synthetic rotated FCOS
# teacher (train rotated-fcos-dist_r34_fpn128_synthetic-dota.py first).
_base_ = ['./rotated-fcos-dist_r18w16_fpn64_synthetic-dota.py',
          '../../_base_/distill/ld_terms.py']
model = dict(
    type='ld_plugin.DistillSingleStageDetector',
    teacher_config='ld_plugin::rotated/mini/rotated-fcos-dist_r34_fpn128_synthetic-dota.py',
    teacher_ckpt='work_dirs/rotated-fcos-dist_r34_fpn128_synthetic-dota/iter_1500.pth',
    bbox_head=dict(
        type='ld_plugin.DistillRotatedFCOSDistributionHead',
        distill_terms=dict(
            loss_ld={{_base_.ld_main_per_image}},
            loss_vlr_ld=dict(
                pred='bbox_dist', region='vlr', weight='student_score', avg_factor='num_images',
                loss=dict(type='ld_plugin.LocalizationDistillationLoss', loss_weight=0.125, T=10)),
            loss_kd=dict(
                pred='cls', region='main', weight='region', avg_factor='level_count',
                loss=dict(type='ld_plugin.ClassificationKDLoss', loss_weight=0.625, T=2)))))
