"""Shorten a config's iteration-based schedule (demo, tests, quick experiments)."""
from mmengine.config import Config


def set_max_iters(cfg: Config, max_iters: int, warmup_iters: int = 100) -> Config:
    """Set ``max_iters`` of an ``IterBasedTrainLoop`` config and rescale its LR schedule.

    The validation at the end of training is switched off (call ``runner.test()`` instead) and
    one checkpoint is written at the end. Warm-up is clipped to a fifth of the run.
    """
    if max_iters < 1:
        raise ValueError(f'max_iters={max_iters} must be >= 1')
    if cfg.train_cfg.get('type') != 'IterBasedTrainLoop':
        raise ValueError('set_max_iters needs an IterBasedTrainLoop, got '
                         f"{cfg.train_cfg.get('type')!r}")
    warmup = min(warmup_iters, max(1, max_iters // 5))
    cfg.train_cfg.max_iters = max_iters
    cfg.train_cfg.val_interval = max_iters + 1
    for scheduler in cfg.get('param_scheduler', []) or []:
        if scheduler.get('type') == 'LinearLR':
            scheduler.begin, scheduler.end = 0, warmup
        else:
            scheduler.begin, scheduler.end = warmup, max_iters
            if 'T_max' in scheduler:
                scheduler.T_max = max_iters - warmup
    cfg.default_hooks.checkpoint.interval = max_iters
    cfg.default_hooks.logger.interval = max(1, min(50, max_iters // 10))
    return cfg
