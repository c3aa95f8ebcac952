# Rotated-LD's distillation (TPAMI 2023, reference/ld.md 4.3): LD over the 5 delta
# distributions and class KD (softmax over classes), both on one region - IoU of horizontal
# proxies >= 0.25 * (mean + std of the 9 highest per level), weighted by that IoU - divided by
# the region's size per level, T = 5. Weights per config below.
rld_region_assigner = dict(type='ld_plugin.RotatedLDRegionAssigner', topk=9, gamma=0.25)


def _terms(ld_weight, kd_weight):
    return dict(
        loss_ld=dict(pred='bbox_dist', region='vlr', weight='region', avg_factor='level_count',
                     loss=dict(type='ld_plugin.LocalizationDistillationLoss',
                               loss_weight=ld_weight, T=5)),
        loss_kd=dict(pred='cls', region='vlr', weight='region', avg_factor='level_count',
                     loss=dict(type='ld_plugin.ClassificationKDLoss', loss_weight=kd_weight, T=5)))


rld_kld_terms = _terms(15, 15)  # rotated_retinanet_distribution_hbb_kld_r18_r34: LD 15, KD 15
rld_gwd_terms = _terms(10, 20)  # rotated_retinanet_distribution_hbb_gwd_r18_r34: LD 10, KD 20

# BCKD on rotated boxes: binary KD of the class scores everywhere, and the localization term
# with KLD between the student's and the teacher's decoded boxes (runs on a CPU; BCKD's
# official weights 1.0 / 4.0, normalised by the positives).
rotated_bckd_terms = dict(
    loss_bckd_cls=dict(pred='cls', region='valid', weight='region', avg_factor='num_pos',
                       loss=dict(type='ld_plugin.BinaryClassificationKDLoss', loss_weight=1.0)),
    loss_bckd_box=dict(pred='bbox', region='valid', weight='score_diff', avg_factor='num_pos',
                       loss=dict(type='ld_plugin.BoxDistillationLoss', loss_weight=4.0,
                                 box_loss=dict(type='GDLoss', loss_type='kld', fun='log1p',
                                               tau=1))))
