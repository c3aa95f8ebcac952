# The small synthetic RTMDet student distilled from the synthetic RTMDet teacher; the configs
# beside it add their terms. Train the teacher first, or pass
# --cfg-options model.teacher_ckpt=PATH.
_base_ = '../rtmdet_r18w16_fpn64_synthetic.py'
model = dict(
    type='ld_plugin.DistillSingleStageDetector',
    teacher_config='ld_plugin::mini/rtmdet_r34_fpn128_synthetic.py',
    teacher_ckpt='work_dirs/rtmdet_r34_fpn128_synthetic/iter_1500.pth',
    bbox_head=dict(type='ld_plugin.DistillRTMDetSepBNHead'))
