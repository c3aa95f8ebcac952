"""The demo: synthetic data -> teacher -> plain student and distilled students -> mAP.

    python tools/run_demo.py [--family gfl|atss|retinanet|fcos|rotated-retinanet|rotated-fcos]
                             [--methods ld bckd rm-pfi fi-gibox]
                             [--teacher-iters 1500] [--student-iters 1500] [--work-dir work_dirs/demo]

GFL (default) supports every method; the distribution ATSS / RetinaNet / FCOS families run LD
(COCO mAP on the axis-aligned synthetic data). The rotated families (MMRotate) run on the
DOTA-format synthetic data and report the DOTA mAP (IoU 0.5) and its COCO-style mean over IoU
0.5:0.95: rotated RetinaNet with rotated LD (``ld``) and BCKD, rotated FCOS with LD.

Each stage is skipped when its result already exists in the work dir (delete it to redo).
"""
import argparse
import hashlib
import json
import os.path as osp
import sys
import time

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)

from mmengine.config import Config  # noqa: E402
from mmengine.runner import Runner  # noqa: E402

import ld_plugin  # noqa: E402,F401
from ld_plugin.datasets.synthetic import generate_dataset  # noqa: E402
from ld_plugin.utils.schedule import set_max_iters  # noqa: E402

#: per detector family: teacher, plain student and the distilled students (same teacher)
FAMILIES = {
    'gfl': dict(
        teacher='configs/mini/gfl_r34_fpn128_synthetic.py',
        student='configs/mini/gfl_r18w16_fpn64_synthetic.py',
        methods={
            'ld': 'configs/mini/ld_gfl_r34_r18w16_synthetic.py',
            'bckd': 'configs/mini/bckd_gfl_r34_r18w16_synthetic.py',
            'rm-pfi': 'configs/mini/rm-pfi_gfl_r34_r18w16_synthetic.py',
            'fi-gibox': 'configs/mini/fi-gibox_gfl_r34_r18w16_synthetic.py',
        }),
    **{family: dict(
        teacher=f'configs/mini/{family}-dist_r34_fpn128_synthetic.py',
        student=f'configs/mini/{family}-dist_r18w16_fpn64_synthetic.py',
        methods={'ld': f'configs/mini/ld_{family}-dist_r34_r18w16_synthetic.py'})
       for family in ('atss', 'retinanet', 'fcos')},
    'rotated-retinanet': dict(
        teacher='configs/rotated/mini/rotated-retinanet-dist-kld_r34_fpn128_synthetic-dota.py',
        student='configs/rotated/mini/rotated-retinanet-dist-kld_r18w16_fpn64_synthetic-dota.py',
        methods={
            'ld': 'configs/rotated/mini/rld_rotated-retinanet-dist-kld_r34_r18w16_synthetic-dota.py',
            'bckd': 'configs/rotated/mini/bckd_rotated-retinanet-dist-kld_r34_r18w16_synthetic-dota.py',
        },
        data_format='dota'),
    'rotated-fcos': dict(
        teacher='configs/rotated/mini/rotated-fcos-dist_r34_fpn128_synthetic-dota.py',
        student='configs/rotated/mini/rotated-fcos-dist_r18w16_fpn64_synthetic-dota.py',
        methods={'ld': 'configs/rotated/mini/ld_rotated-fcos-dist_r34_r18w16_synthetic-dota.py'},
        data_format='dota'),
}
METHODS = sorted({m for f in FAMILIES.values() for m in f['methods']})
#: metrics reported per data format: (column title, metric key) for mAP, AP50, AP75
METRICS = {
    'coco': (('COCO mAP', 'coco/bbox_mAP'), ('AP50', 'coco/bbox_mAP_50'),
             ('AP75', 'coco/bbox_mAP_75')),
    'dota': (('DOTA mAP (IoU 0.5)', 'dota/mAP'), ('mAP 0.5:0.95', 'dota_coco/mAP'),
             ('AP75', 'dota_coco/AP75')),
}
DEFAULT_DATA_ROOTS = {'coco': 'data/synthetic', 'dota': 'data/synthetic_dota'}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--teacher-iters', type=int, default=1500)
    parser.add_argument('--student-iters', type=int, default=1500)
    parser.add_argument('--work-dir', default='work_dirs/demo')
    parser.add_argument('--data-root', default=None,
                        help='synthetic data folder (default: data/synthetic, or '
                        'data/synthetic_dota for the rotated families)')
    parser.add_argument('--num-train', type=int, default=1500)
    parser.add_argument('--num-val', type=int, default=200)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--family', default='gfl', choices=sorted(FAMILIES),
                        help='detector family (default: gfl)')
    parser.add_argument('--methods', nargs='+', default=['ld'], choices=METHODS,
                        help='distilled students to train (default: ld)')
    args = parser.parse_args()
    unsupported = sorted(set(args.methods) - set(FAMILIES[args.family]['methods']))
    if unsupported:
        parser.error(f'--family {args.family} has no mini config for {unsupported}; choose from '
                     f"{sorted(FAMILIES[args.family]['methods'])}")
    args.data_format = FAMILIES[args.family].get('data_format', 'coco')
    if args.data_root is None:
        args.data_root = DEFAULT_DATA_ROOTS[args.data_format]
    return args


def prepare_config(name: str, config: str, iters: int, args, **overrides):
    """The config a stage trains, and a hash of it (a stage is redone when its config changes)."""
    cfg = Config.fromfile(osp.join(ROOT, config))
    set_max_iters(cfg, iters)
    data_root = args.data_root.rstrip('/') + '/'
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[loader].dataset.data_root = data_root
    if args.data_format == 'coco':
        cfg.test_evaluator.ann_file = data_root + 'annotations/instances_val.json'
    cfg.val_evaluator = cfg.test_evaluator
    cfg.work_dir = osp.join(args.work_dir, name)
    cfg.randomness = dict(seed=args.seed)
    cfg.merge_from_dict(overrides)
    return cfg, hashlib.sha1(cfg.pretty_text.encode()).hexdigest()[:12]


def train_and_test(name: str, config: str, iters: int, args, **overrides) -> dict:
    """Train ``config`` for ``iters`` iterations, evaluate, cache the metrics as JSON."""
    cfg, config_hash = prepare_config(name, config, iters, args, **overrides)
    work_dir = cfg.work_dir
    result_file = osp.join(work_dir, 'demo_result.json')
    if osp.isfile(result_file):
        with open(result_file) as f:
            result = json.load(f)
        if result.get('config_hash') == config_hash:
            print(f'[demo] {name}: already trained with this config ({result_file}), skipping')
            return result
    print(f'[demo] {name}: training {config} for {iters} iterations -> {work_dir}')
    start = time.time()
    runner = Runner.from_cfg(cfg)
    runner.train()
    train_s = time.time() - start
    metrics = runner.test()
    result = dict(name=name, config=config, iters=iters, config_hash=config_hash,
                  train_seconds=round(train_s, 1),
                  checkpoint=osp.join(work_dir, f'iter_{iters}.pth'),
                  **{key: float(metrics[key]) for _, key in METRICS[args.data_format]})
    with open(result_file, 'w') as f:
        json.dump(result, f, indent=2)
    return result


def main() -> None:
    args = parse_args()
    generate_dataset(args.data_root, num_train=args.num_train, num_val=args.num_val,
                     seed=args.seed, fmt=args.data_format)
    family, configs = args.family.replace('-', '_'), FAMILIES[args.family]
    teacher = train_and_test(f'teacher_{family}_r34', configs['teacher'], args.teacher_iters, args)
    student = train_and_test(f'student_{family}_r18w16', configs['student'], args.student_iters,
                             args)
    distilled = [
        train_and_test(f'{method.replace("-", "_")}_student_{family}_r18w16',
                       configs['methods'][method], args.student_iters, args,
                       **{'model.teacher_ckpt': teacher['checkpoint']})
        for method in args.methods
    ]
    metrics = METRICS[args.data_format]
    print('\n| model | ' + ' | '.join(title for title, _ in metrics) + ' | train time (s) |')
    print('|---' * (len(metrics) + 2) + '|')
    for row in (teacher, student, *distilled):
        print(f"| {row['name']} | " + ' | '.join(f'{row[key]:.3f}' for _, key in metrics) +
              f" | {row['train_seconds']:.0f} |")
    main_title, main_key = metrics[0]
    gap = teacher[main_key] - student[main_key]
    for method, row in zip(args.methods, distilled):
        gain = row[main_key] - student[main_key]
        print(f'[demo] {method} gain over the plain student: {gain * 100:+.1f} {main_title} '
              f'(teacher-student gap {gap * 100:.1f})')


if __name__ == '__main__':
    main()
