# BCKD on rotated boxes (binary class KD + KLD between decoded boxes) from the synthetic
# rotated teacher into the small student.
_base_ = ['./rotated-retinanet-dist-kld_r18w16_fpn64_synthetic-dota.py',
          '../_base_/rld_terms.py']
model = dict(
    type='ld_plugin.DistillSingleStageDetector',
    teacher_config='ld_plugin::rotated/mini/rotated-retinanet-dist-kld_r34_fpn128_synthetic-dota.py',
    teacher_ckpt='work_dirs/rotated-retinanet-dist-kld_r34_fpn128_synthetic-dota/iter_1500.pth',
    bbox_head=dict(type='ld_plugin.DistillRotatedRetinaDistributionHead',
                   distill_terms={{_base_.rotated_bckd_terms}}))
