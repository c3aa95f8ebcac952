# BCKD (binary classification KD + IoU-based localization distillation) from the synthetic
# GFL-R34 teacher into the small student; same teacher checkpoint as the LD mini config.
_base_ = ['./gfl_r18w16_fpn64_synthetic.py', '../_base_/distill/kd_terms.py']
model = dict(
    type='DistillSingleStageDetector',
    teacher_config='ld_plugin::mini/gfl_r34_fpn128_synthetic.py',
    teacher_ckpt='work_dirs/gfl_r34_fpn128_synthetic/iter_1500.pth',
    bbox_head=dict(type='DistillGFLHead', distill_terms={{_base_.bckd}}))
