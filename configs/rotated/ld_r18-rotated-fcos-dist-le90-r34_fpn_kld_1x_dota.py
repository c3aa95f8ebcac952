# LD on rotated FCOS (beyond the papers): distribution rotated FCOS R-34 2x teacher -> R-18 1x
# student with the FCOS LD recipe of the LD paper (Main LD over the 5 distributions - the
# angle included -, VLR LD on the points inside a rotated GT that are not positive, weighted
# by the student's score, Main KD; ld_terms.py ld_fcos_recipe). No published number.
_base_ = ['./rotated-fcos-dist-le90_r18_fpn_kld_1x_dota.py', '../_base_/distill/ld_terms.py']
model = dict(
    type='ld_plugin.DistillSingleStageDetector',
    teacher_config='ld_plugin::rotated/rotated-fcos-dist-le90_r34_fpn_kld_2x_dota.py',
    teacher_ckpt='work_dirs/rotated-fcos-dist-le90_r34_fpn_kld_2x_dota/epoch_24.pth',
    bbox_head=dict(type='ld_plugin.DistillRotatedFCOSDistributionHead',
                   distill_terms={{_base_.ld_fcos_recipe}}))
