"""Train-then-test one config on a dataset folder, cached by a hash of the final config.

Shared by ``tools/run_demo.py`` and ``tools/benchmark/compare.py``. A stage killed half-way
resumes from its last checkpoint when it is run again with the same config.
"""
import hashlib
import json
import os
import os.path as osp
import re
import time
from typing import Dict, Optional, Sequence, Tuple

from mmengine.config import Config, ConfigDict

from .config import resolve_teacher_config
from .schedule import set_max_iters

#: metrics kept per data format: (column title, metric key) for mAP, AP50, AP75
METRICS = {
    'coco': (('COCO mAP', 'coco/bbox_mAP'), ('AP50', 'coco/bbox_mAP_50'),
             ('AP75', 'coco/bbox_mAP_75')),
    'dota': (('DOTA mAP (IoU 0.5)', 'dota/mAP'), ('mAP 0.5:0.95', 'dota_coco/mAP'),
             ('AP75', 'dota_coco/AP75')),
}


def set_image_size(cfg: Config, size: int) -> None:
    """Resize every pipeline's images to ``size`` x ``size`` (keep ratio). A ``RandomResize``
    step (multi-scale training) keeps its ``ratio_range`` around the new size."""
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        for step in cfg[loader].dataset.pipeline:
            if step['type'].split('.')[-1] in ('Resize', 'RandomResize'):
                step['scale'] = (size, size)


def set_classes(cfg: Config, classes: Sequence[str]) -> None:
    """Point every dataset at ``classes`` and size the detector's head (and its teacher's) to
    them. A teacher given as a file is loaded and embedded, so that it is built for them too."""
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[loader].dataset.metainfo = dict(classes=tuple(classes))
    models = [cfg.model]
    if 'teacher_config' in cfg.model:
        cfg.model.teacher_config = ConfigDict(resolve_teacher_config(cfg.model.teacher_config))
        models.append(cfg.model.teacher_config)
    for model in models:
        model.bbox_head.num_classes = len(classes)


def prepare_config(config: str, iters: int, work_dir: str, data_root: str, seed: int,
                   data_format: str = 'coco', image_size: Optional[int] = None,
                   overrides: Optional[dict] = None, classes: Optional[Sequence[str]] = None,
                   img_suffix: Optional[str] = None):
    """The config a stage trains, and a hash of it (a stage is redone when its config changes).

    Args:
        config: config file.
        iters: training iterations (schedule rescaled, see :func:`set_max_iters`).
        work_dir: where the stage writes logs, checkpoint and its result.
        data_root: dataset folder (COCO layout, or DOTA layout for ``'dota'``, see
            :mod:`ld_plugin.datasets.folder`).
        seed: training seed.
        data_format: ``'coco'`` or ``'dota'``.
        image_size: train/test image side (default: the config's).
        overrides: ``Config.merge_from_dict`` options, e.g. ``{'model.teacher_ckpt': path}``.
        classes: class names of the data (default: the config's); see :func:`set_classes`.
        img_suffix: image extension of DOTA-layout data (mmrotate's ``DOTADataset`` reads
            ``*.png`` by default).
    """
    if data_format not in METRICS:
        raise ValueError(f'data_format {data_format!r}: choose one of {sorted(METRICS)}')
    cfg = Config.fromfile(config)
    set_max_iters(cfg, iters)
    data_root = data_root.rstrip('/') + '/'
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[loader].dataset.data_root = data_root
        if img_suffix is not None:
            cfg[loader].dataset.img_suffix = img_suffix
    if data_format == 'coco':
        cfg.test_evaluator.ann_file = data_root + 'annotations/instances_val.json'
    cfg.val_evaluator = cfg.test_evaluator
    if image_size is not None:
        set_image_size(cfg, image_size)
    if classes is not None:
        set_classes(cfg, classes)
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


def resume_point(work_dir: str, config_hash: str) -> Optional[Tuple[str, int]]:
    """The checkpoint (and its iteration) an interrupted stage with this config resumes from
    (none when ``last_checkpoint`` names a missing or truncated file)."""
    from ..engine.resume import checkpoint_is_complete
    stage_file, last = osp.join(work_dir, 'stage.json'), osp.join(work_dir, 'last_checkpoint')
    if not (osp.isfile(stage_file) and osp.isfile(last)):
        return None
    with open(stage_file) as f:
        if json.load(f).get('config_hash') != config_hash:
            return None
    with open(last) as f:
        checkpoint = f.read().strip()
    match = re.search(r'iter_(\d+)\.pth$', checkpoint)
    if match is None or not checkpoint_is_complete(checkpoint):
        return None
    return checkpoint, int(match.group(1))


def train_and_test(name: str, cfg: Config, config_hash: str, iters: int,
                   metric_keys: Sequence[str], log=print, checkpoint: Optional[str] = None,
                   **extra) -> Dict[str, object]:
    """Train ``cfg`` (from :func:`prepare_config`), test it, store the metrics as JSON in its
    work dir; skipped when that JSON holds the same config hash. With ``checkpoint`` (e.g. a
    released teacher) nothing is trained: the checkpoint is tested and recorded as the result.

    A checkpoint is written every fifth of the run; a stage interrupted before its result was
    stored resumes from the last one when run again with the same config (its train time is
    then extrapolated from the iterations it ran, and ``resumed_from`` records where).
    """
    from mmengine.runner import Runner
    result = cached_result(cfg.work_dir, config_hash)
    if result is not None:
        log(f'{name}: already trained with this config ({cfg.work_dir}), skipping')
        return result
    if checkpoint is not None:
        return _test_checkpoint(name, cfg, config_hash, checkpoint, metric_keys, log, **extra)
    # neither changes the result, so both are set after the hash: checkpoints, and no
    # validation at the last iteration (mmengine runs one whatever val_interval; the test
    # below evaluates the same data)
    cfg.default_hooks.checkpoint.update(interval=max(1, iters // 5), max_keep_ckpts=1)
    cfg.train_cfg.val_begin = iters + 1
    resumed = resume_point(cfg.work_dir, config_hash)
    if resumed is None:
        log(f'{name}: training for {iters} iterations -> {cfg.work_dir}')
        os.makedirs(cfg.work_dir, exist_ok=True)
        with open(osp.join(cfg.work_dir, 'stage.json'), 'w') as f:
            json.dump(dict(name=name, config_hash=config_hash), f)
    else:
        cfg.resume, cfg.load_from = True, resumed[0]
        log(f'{name}: resuming from {resumed[0]} ({resumed[1]}/{iters} iterations done)')
    start = time.time()
    from ..engine import add_dataset_model_check_hook, use_atomic_checkpoints
    add_dataset_model_check_hook(cfg)  # data vs model before the first iteration, as the tools
    use_atomic_checkpoints(cfg)  # a stage killed mid-write resumes from its last checkpoint
    runner = Runner.from_cfg(cfg)
    runner.train()
    done_before = 0 if resumed is None else resumed[1]
    train_s = (time.time() - start) * iters / max(1, iters - done_before)
    return _store_result(name, cfg, config_hash, runner.test(), metric_keys, log, iters=iters,
                         train_seconds=round(train_s, 1),
                         checkpoint=osp.join(cfg.work_dir, f'iter_{iters}.pth'),
                         **({} if resumed is None else dict(resumed_from=done_before)), **extra)


def _test_checkpoint(name: str, cfg: Config, config_hash: str, checkpoint: str,
                     metric_keys: Sequence[str], log, **extra) -> Dict[str, object]:
    from mmengine.runner import Runner
    log(f'{name}: testing the released checkpoint {checkpoint}')
    cfg.load_from = checkpoint
    return _store_result(name, cfg, config_hash, Runner.from_cfg(cfg).test(), metric_keys, log,
                         iters=0, train_seconds=0.0, checkpoint=checkpoint, **extra)


def _store_result(name: str, cfg: Config, config_hash: str, metrics: dict,
                  metric_keys: Sequence[str], log, **fields) -> Dict[str, object]:
    missing = [key for key in metric_keys if key not in metrics]
    if missing:  # e.g. mmdet's CocoMetric returns nothing when the model detects nothing
        log(f'{name}: the evaluation returned no {missing} (no detections?); counted as 0')
    result = dict(name=name, config_hash=config_hash, **fields,
                  **{key: float(metrics.get(key, 0.0)) for key in metric_keys})
    os.makedirs(cfg.work_dir, exist_ok=True)
    with open(osp.join(cfg.work_dir, 'demo_result.json'), 'w') as f:
        json.dump(result, f, indent=2)
    return result
