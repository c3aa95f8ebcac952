# The hooks of mmdet's RTMDet recipe, as variables for the RTMDet distillation base configs
# (each adds its student's stage-2 pipeline switch): EMA, and the distillation stopped at epoch
# 280 with the mosaic switch as mmyolo's RTMDet distillation does.
rtmdet_ema_hook = dict(type='EMAHook', ema_type='ExpMomentumEMA', momentum=0.0002,
                       update_buffers=True, priority=49)
rtmdet_switch_epoch = 280
rtmdet_stop_distill_hook = dict(type='ld_plugin.StopDistillHook', stop_epoch=rtmdet_switch_epoch)
