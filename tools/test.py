"""Evaluate a checkpoint with the config's test evaluator (COCO mAP, VOC mAP, ...).

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--out results.pkl] [--cfg-options ...]
"""
import argparse
import os
import os.path as osp
import sys

from mmengine.config import Config, DictAction
from mmengine.runner import Runner

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
import ld_plugin  # noqa: E402,F401
from ld_plugin.engine import (  # noqa: E402
    add_dataset_model_check_hook,
    closed_process_group,
    run_with_data_checks,
)
from ld_plugin.utils.data_model_check import DatasetModelMismatchError  # noqa: E402
from ld_plugin.utils.dataset_check import check_dataset_files  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Test (and evaluate) a detector')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='directory for the evaluation logs')
    parser.add_argument('--out', help='dump the predictions to a pickle file')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config entries')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
                        default='none')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def student_only(cfg: Config) -> None:
    """A distillation config tests its student alone: the teacher's weights are not loaded (nor
    needed on this machine)."""
    if cfg.model.get('teacher_config') is not None:
        cfg.model.teacher_ckpt = None
        cfg.model.allow_random_teacher = True


def main() -> None:
    args = parse_args()
    for path, what in ((args.config, 'config'), (args.checkpoint, 'checkpoint')):
        if not osp.isfile(path):
            raise SystemExit(f'{what} file {path!r} does not exist')
    try:
        cfg = Config.fromfile(args.config)
    except FileNotFoundError as error:  # e.g. a misspelt _base_ = 'ld_plugin::...' path
        raise SystemExit(f'config {args.config}: {error}') from None
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    cfg.work_dir = args.work_dir or cfg.get('work_dir') or osp.join(
        './work_dirs', osp.splitext(osp.basename(args.config))[0])
    cfg.load_from = args.checkpoint
    student_only(cfg)
    if args.out is not None:
        if not args.out.endswith(('.pkl', '.pickle')):
            raise SystemExit(f'--out {args.out!r} must end with .pkl or .pickle')
        cfg.test_evaluator = [*(cfg.test_evaluator if isinstance(cfg.test_evaluator, list)
                                else [cfg.test_evaluator]),
                              dict(type='DumpDetResults', out_file_path=args.out)]
    try:
        check_dataset_files(cfg, ('test_dataloader',))
    except FileNotFoundError as error:
        raise SystemExit(str(error))
    add_dataset_model_check_hook(cfg)  # data vs model and checkpoint, before testing
    runner = Runner.from_cfg(cfg)
    try:
        with closed_process_group():  # no abort of a rank at exit after a successful run
            run_with_data_checks(runner, 'test')
    except DatasetModelMismatchError as error:
        raise SystemExit('the data does not match the model, nothing was tested:\n'
                         f'{error}') from None


if __name__ == '__main__':
    main()
