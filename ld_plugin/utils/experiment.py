"""Train-then-test one config on the synthetic data, cached by a hash of the final config.

Shared by ``tools/run_demo.py`` and ``tools/benchmark/mini.py``.
"""
import hashlib
import json
import os.path as osp
import time
from typing import Dict, Optional, Sequence

from mmengine.config import Config

from .schedule import set_max_iters

#: metrics kept per data format: (column title, metric key) for mAP, AP50, AP75
METRICS = {
    'coco': (('COCO mAP', 'coco/bbox_mAP'), ('AP50', 'coco/bbox_mAP_50'),
             ('AP75', 'coco/bbox_mAP_75')),
    'dota': (('DOTA mAP (IoU 0.5)', 'dota/mAP'), ('mAP 0.5:0.95', 'dota_coco/mAP'),
             ('AP75', 'dota_coco/AP75')),
}


def set_image_size(cfg: Config, size: int) -> None:
    """Resize every pipeline's images to ``size`` x ``size`` (keep ratio)."""
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        for step in cfg[loader].dataset.pipeline:
            if step['type'].split('.')[-1] == 'Resize':
                step['scale'] = (size, size)


def prepare_config(config: str, iters: int, work_dir: str, data_root: str, seed: int,
                   data_format: str = 'coco', image_size: Optional[int] = None,
                   overrides: Optional[dict] = None):
    """The config a stage trains, and a hash of it (a stage is redone when its config changes).

    Args:
        config: config file.
        iters: training iterations (schedule rescaled, see :func:`set_max_iters`).
        work_dir: where the stage writes logs, checkpoint and its result.
        data_root: synthetic data folder (COCO layout, or DOTA layout for ``'dota'``).
        seed: training seed.
        data_format: ``'coco'`` or ``'dota'``.
        image_size: train/test image side (default: the config's).
        overrides: ``Config.merge_from_dict`` options, e.g. ``{'model.teacher_ckpt': path}``.
    """
    if data_format not in METRICS:
        raise ValueError(f'data_format {data_format!r}: choose one of {sorted(METRICS)}')
    cfg = Config.fromfile(config)
    set_max_iters(cfg, iters)
    data_root = data_root.rstrip('/') + '/'
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[loader].dataset.data_root = data_root
    if data_format == 'coco':
        cfg.test_evaluator.ann_file = data_root + 'annotations/instances_val.json'
    cfg.val_evaluator = cfg.test_evaluator
    if image_size is not None:
        set_image_size(cfg, image_size)
    cfg.work_dir = work_dir
    cfg.randomness = dict(seed=seed)
    cfg.merge_from_dict(overrides or {})
    return cfg, hashlib.sha1(cfg.pretty_text.encode()).hexdigest()[:12]


def cached_result(work_dir: str, config_hash: str) -> Optional[dict]:
    """The stored result of a stage trained with the same config, if any."""
    result_file = osp.join(work_dir, 'demo_result.json')
    if osp.isfile(result_file):
        with open(result_file) as f:
            result = json.load(f)
        if result.get('config_hash') == config_hash:
            return result
    return None


def train_and_test(name: str, cfg: Config, config_hash: str, iters: int,
                   metric_keys: Sequence[str], log=print, **extra) -> Dict[str, object]:
    """Train ``cfg`` (from :func:`prepare_config`), test it, store the metrics as JSON in its
    work dir; skipped when that JSON holds the same config hash."""
    from mmengine.runner import Runner
    result = cached_result(cfg.work_dir, config_hash)
    if result is not None:
        log(f'{name}: already trained with this config ({cfg.work_dir}), skipping')
        return result
    log(f'{name}: training for {iters} iterations -> {cfg.work_dir}')
    start = time.time()
    from ..engine import add_dataset_model_check_hook
    add_dataset_model_check_hook(cfg)  # data vs model before the first iteration, as the tools
    runner = Runner.from_cfg(cfg)
    runner.train()
    train_s = time.time() - start
    metrics = runner.test()
    missing = [key for key in metric_keys if key not in metrics]
    if missing:  # e.g. mmdet's CocoMetric returns nothing when the model detects nothing
        log(f'{name}: the evaluation returned no {missing} (no detections?); counted as 0')
    result = dict(name=name, iters=iters, config_hash=config_hash,
                  train_seconds=round(train_s, 1),
                  checkpoint=osp.join(cfg.work_dir, f'iter_{iters}.pth'),
                  **extra, **{key: float(metrics.get(key, 0.0)) for key in metric_keys})
    with open(osp.join(cfg.work_dir, 'demo_result.json'), 'w') as f:
        json.dump(result, f, indent=2)
    return result
