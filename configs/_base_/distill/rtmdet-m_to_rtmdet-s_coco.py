# mmdet's RTMDet-s (44.5 AP) as a distillation student of the released RTMDet-m (49.1 AP; mmdet
# 3.3 metafile), with mmdet's recipe: 300 epochs, AdamW lr 0.004 at batch 256 = 8 GPUs x 32 img,
# EMA, the no-mosaic stage-2 pipeline from epoch 280. The distillation stops at epoch 280 with
# the mosaic switch, as mmyolo's RTMDet distillation does (StopDistillHook). The method configs
# inherit this and add distill_terms.
_base_ = ['mmdet::rtmdet/rtmdet_s_8xb32-300e_coco.py', './rtmdet_hooks.py']
custom_imports = dict(imports=['ld_plugin'], allow_failed_imports=False)
model = dict(
    type='ld_plugin.DistillSingleStageDetector',
    teacher_config='mmdet::rtmdet/rtmdet_m_8xb32-300e_coco.py',
    teacher_ckpt='https://download.openmmlab.com/mmdetection/v3.0/rtmdet/rtmdet_m_8xb32-300e_coco/rtmdet_m_8xb32-300e_coco_20220719_112220-229f527c.pth',  # noqa: E501
    bbox_head=dict(type='ld_plugin.DistillRTMDetSepBNHead'))
custom_hooks = [
    {{_base_.rtmdet_ema_hook}},
    dict(type='PipelineSwitchHook', switch_epoch={{_base_.rtmdet_switch_epoch}},
         switch_pipeline={{_base_.train_pipeline_stage2}}),
    {{_base_.rtmdet_stop_distill_hook}},
]
auto_scale_lr = dict(enable=False, base_batch_size=256)
