# Rank Mimicking + prediction-guided feature imitation from the synthetic GFL-R34 teacher (FPN
# 128 channels) into the small student (FPN 64): PFI learns a 1x1 adaptation 64 -> 128.
_base_ = ['./gfl_r18w16_fpn64_synthetic.py', '../_base_/distill/kd_terms.py']
model = dict(
    type='DistillSingleStageDetector',
    teacher_config='ld_plugin::mini/gfl_r34_fpn128_synthetic.py',
    teacher_ckpt='work_dirs/gfl_r34_fpn128_synthetic/iter_1500.pth',
    bbox_head=dict(
        type='DistillGFLHead',
        distill_terms=dict(
            loss_rm={{_base_.rank_mimicking}},
            loss_pfi=dict(loss=dict(type='PredictionGuidedFeatureImitationLoss',
                                    student_channels=64, teacher_channels=128,
                                    loss_weight=1.5)))))
