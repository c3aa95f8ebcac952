# The small synthetic student distilled from the synthetic GFL-R34 teacher; the configs beside
# it add their distillation terms. Train the teacher first (`make demo` does), or pass
# --cfg-options model.teacher_ckpt=PATH.
_base_ = '../gfl_r18w16_fpn64_synthetic.py'
model = dict(
    type='ld_plugin.DistillSingleStageDetector',
    teacher_config='ld_plugin::mini/gfl_r34_fpn128_synthetic.py',
    teacher_ckpt='work_dirs/gfl_r34_fpn128_synthetic/iter_1500.pth',
    bbox_head=dict(type='ld_plugin.DistillGFLHead'))
