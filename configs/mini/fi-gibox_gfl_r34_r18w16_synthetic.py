# GI-box feature imitation (MSE on FPN features at General Instance boxes, 1x1 adaptation
# 64 -> 128) from the synthetic GFL-R34 teacher into the small student.
_base_ = './gfl_r18w16_fpn64_synthetic.py'
model = dict(
    type='DistillSingleStageDetector',
    teacher_config='ld_plugin::mini/gfl_r34_fpn128_synthetic.py',
    teacher_ckpt='work_dirs/gfl_r34_fpn128_synthetic/iter_1500.pth',
    bbox_head=dict(
        type='DistillGFLHead',
        distill_terms=dict(loss_imitation=dict(
            region='gibox',
            loss=dict(type='FeatureImitationLoss', student_channels=64, teacher_channels=128,
                      loss_weight=2.0)))))
