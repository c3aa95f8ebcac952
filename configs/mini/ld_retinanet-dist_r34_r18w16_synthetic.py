# LD full recipe (Main LD + VLR LD + Main KD) from the synthetic retinanet distribution teacher
# (retinanet-dist_r34_fpn128_synthetic.py; train it first) into the small retinanet student.
# VLR: VLRMaxIoUAssigner (positives removed), LD factor 0.03, LD weight 5, KD T = 8 (official
# LDRetinaHead).
# Normalised per image as the GFL mini config (ld_gfl_r34_r18w16_synthetic.py): LD weights
# are twice the official ones (equal at the official 2 images/GPU), KD weight 10 * 6 / 80.
_base_ = ['./retinanet-dist_r18w16_fpn64_synthetic.py', '../_base_/distill/ld_terms.py']
model = dict(
    type='ld_plugin.DistillSingleStageDetector',
    teacher_config='ld_plugin::mini/retinanet-dist_r34_fpn128_synthetic.py',
    teacher_ckpt='work_dirs/retinanet-dist_r34_fpn128_synthetic/iter_1500.pth',
    bbox_head=dict(
        type='ld_plugin.DistillRetinaDistributionHead',
        distill_terms=dict(
            loss_ld=dict(
                pred='bbox_dist', region='main', weight='student_score', avg_factor='num_images',
                loss=dict(type='ld_plugin.LocalizationDistillationLoss', loss_weight=10.0, T=10)),
            loss_vlr_ld=dict(
                pred='bbox_dist', region='vlr', weight='region', avg_factor='num_images',
                loss=dict(type='ld_plugin.LocalizationDistillationLoss', loss_weight=0.3, T=10)),
            loss_kd=dict(
                pred='cls', region='main', weight='region', avg_factor='level_count',
                loss=dict(type='ld_plugin.ClassificationKDLoss', loss_weight=0.75, T=8)))),
    train_cfg=dict(assigner={{_base_.vlr_max_iou_assigner}}))
