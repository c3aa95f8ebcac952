# BCKD on rotated boxes (beyond the papers): the R-34 KLD distribution teacher -> R-18 student
# with BCKD's classification term and its localization term on decoded rotated boxes (KLD
# distance, CPU-friendly). No published number.
_base_ = ['./rotated-retinanet-dist-hbox-oc_r18_fpn_kld_1x_dota.py', './_base_/rld_terms.py']
model = dict(
    type='ld_plugin.DistillSingleStageDetector',
    teacher_config='ld_plugin::rotated/rotated-retinanet-dist-hbox-oc_r34_fpn_kld_2x_dota.py',
    teacher_ckpt='work_dirs/rotated-retinanet-dist-hbox-oc_r34_fpn_kld_2x_dota/epoch_24.pth',
    bbox_head=dict(type='ld_plugin.DistillRotatedRetinaDistributionHead',
                   distill_terms={{_base_.rotated_bckd_terms}}))
