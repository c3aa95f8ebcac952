# The CPU-sized schedule of the synthetic mini configs, as variables (a config takes them with
# {{_base_.cpu_train_cfg}} etc., listing this file in its _base_): AdamW, linear warm-up then
# cosine, 1500 iterations, validation at the end. Each dict replaces the inherited one.
cpu_max_iters = 1500
cpu_train_cfg = dict(_delete_=True, type='IterBasedTrainLoop', max_iters=cpu_max_iters,
                     val_interval=cpu_max_iters)
cpu_val_cfg = dict(_delete_=True, type='ValLoop')
cpu_test_cfg = dict(_delete_=True, type='TestLoop')
cpu_optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=2e-3, weight_decay=0.05),
    clip_grad=dict(max_norm=35, norm_type=2))
cpu_param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=100),
    dict(type='CosineAnnealingLR', by_epoch=False, begin=100, end=cpu_max_iters, eta_min=2e-5),
]
cpu_default_hooks = dict(
    logger=dict(type='LoggerHook', interval=50),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=500, max_keep_ckpts=2))
cpu_log_processor = dict(by_epoch=False)
