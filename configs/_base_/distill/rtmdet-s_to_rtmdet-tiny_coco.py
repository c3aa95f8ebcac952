# mmdet's RTMDet-tiny (40.9 AP) as a distillation student of the released RTMDet-s (44.5 AP);
# mmdet's recipe and the stop at epoch 280 as in rtmdet-m_to_rtmdet-s_coco.py.
_base_ = ['mmdet::rtmdet/rtmdet_tiny_8xb32-300e_coco.py', './rtmdet_hooks.py']
custom_imports = dict(imports=['ld_plugin'], allow_failed_imports=False)
model = dict(
    type='ld_plugin.DistillSingleStageDetector',
    teacher_config='mmdet::rtmdet/rtmdet_s_8xb32-300e_coco.py',
    teacher_ckpt='https://download.openmmlab.com/mmdetection/v3.0/rtmdet/rtmdet_s_8xb32-300e_coco/rtmdet_s_8xb32-300e_coco_20220905_161602-387a891e.pth',  # noqa: E501
    bbox_head=dict(type='ld_plugin.DistillRTMDetSepBNHead'))
custom_hooks = [
    {{_base_.rtmdet_ema_hook}},
    dict(type='PipelineSwitchHook', switch_epoch={{_base_.rtmdet_switch_epoch}},
         switch_pipeline={{_base_.train_pipeline_stage2}}),
    {{_base_.rtmdet_stop_distill_hook}},
]
auto_scale_lr = dict(enable=False, base_batch_size=256)
