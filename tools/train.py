"""Train a detector (plain or distilled) with mmengine's Runner.

    python tools/train.py CONFIG [--work-dir DIR] [--resume [CKPT]] [--amp] [--cfg-options k=v ...]
    tools/dist_train.sh CONFIG GPUS [...]        # PyTorch DDP through mmengine's launcher
"""
import argparse
import os
import os.path as osp
import sys

import torch
from mmengine.config import Config, DictAction
from mmengine.runner import Runner

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
import ld_plugin  # noqa: E402,F401  (registers the plugin, allow-lists checkpoint types)
from ld_plugin.engine import (  # noqa: E402
    IncompleteCheckpointError,
    add_dataset_model_check_hook,
    closed_process_group,
    resume_checkpoint,
    run_with_data_checks,
    use_atomic_checkpoints,
)
from ld_plugin.utils.data_model_check import DatasetModelMismatchError  # noqa: E402
from ld_plugin.utils.dataset_check import check_dataset_files  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train a detector with ld_plugin')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='directory for logs and checkpoints '
                        '(default: ./work_dirs/<config name>)')
    parser.add_argument('--amp', action='store_true', help='automatic mixed precision')
    parser.add_argument('--auto-scale-lr', action='store_true',
                        help='scale the learning rate by the actual total batch size')
    parser.add_argument('--resume', nargs='?', type=str, const='auto',
                        help='resume from CKPT, or from the latest checkpoint of the work dir '
                        'when no path is given')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config entries, e.g. model.teacher_ckpt=teacher.pth')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
                        default='none', help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def build_config(args: argparse.Namespace) -> Config:
    if not osp.isfile(args.config):
        raise SystemExit(f'config file {args.config!r} does not exist')
    try:
        cfg = Config.fromfile(args.config)
    except FileNotFoundError as error:  # e.g. a misspelt _base_ = 'ld_plugin::...' path
        raise SystemExit(f'config {args.config}: {error}') from None
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(args.config))[0])
    if args.amp:
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.loss_scale = 'dynamic'
    if args.auto_scale_lr:
        if 'auto_scale_lr' not in cfg or 'base_batch_size' not in cfg.auto_scale_lr:
            raise SystemExit('--auto-scale-lr needs auto_scale_lr=dict(enable=..., '
                             'base_batch_size=...) in the config')
        cfg.auto_scale_lr.enable = True
    if args.resume is not None:  # a truncated checkpoint is named here, not in torch.load
        try:
            cfg.load_from = resume_checkpoint(cfg.work_dir,
                                              None if args.resume == 'auto' else args.resume)
        except (FileNotFoundError, IncompleteCheckpointError) as error:
            raise SystemExit(str(error)) from None
        cfg.resume = True
    use_atomic_checkpoints(cfg)  # a kill never leaves a truncated checkpoint
    return cfg


def setup_cpu_distributed(cfg: Config) -> None:
    """mmengine's ``pytorch`` launcher assumes GPUs; without CUDA, run DDP over gloo on CPU."""
    if cfg.launcher != 'pytorch' or torch.cuda.is_available():
        return
    import torch.distributed as dist
    if not dist.is_initialized():
        dist.init_process_group(backend='gloo')
    wrapper = cfg.get('model_wrapper_cfg') or dict(type='MMDistributedDataParallel',
                                                   broadcast_buffers=False)
    wrapper['device_ids'] = None
    cfg.model_wrapper_cfg = wrapper


def main() -> None:
    args = parse_args()
    cfg = build_config(args)
    try:  # before building anything: a missing dataset otherwise surfaces minutes later
        check_dataset_files(cfg, ('train_dataloader', 'val_dataloader')
                            if cfg.get('val_cfg') else ('train_dataloader',))
    except FileNotFoundError as error:
        raise SystemExit(str(error))
    add_dataset_model_check_hook(cfg)  # built data vs built model, before the first iteration
    setup_cpu_distributed(cfg)
    runner = Runner.from_cfg(cfg)
    try:
        with closed_process_group():  # no abort of a rank at exit after a successful run
            run_with_data_checks(runner, 'train')
    except DatasetModelMismatchError as error:
        raise SystemExit('the data does not match the model, nothing was trained:\n'
                         f'{error}') from None


if __name__ == '__main__':
    main()
