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
import os.path as osp
import sys

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)

import ld_plugin  # noqa: E402,F401
from ld_plugin.datasets.synthetic import generate_dataset  # noqa: E402
from ld_plugin.utils.experiment import METRICS, prepare_config, train_and_test  # noqa: E402

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


def run_stage(name: str, config: str, iters: int, args, **overrides) -> dict:
    """Train and test one stage (cached in ``<work-dir>/<name>``)."""
    cfg, config_hash = prepare_config(
        osp.join(ROOT, config), iters, osp.join(args.work_dir, name), args.data_root,
        args.seed, args.data_format, overrides=overrides)
    return train_and_test(name, cfg, config_hash, iters,
                          [key for _, key in METRICS[args.data_format]],
                          log=lambda message: print(f'[demo] {message}'), config=config)


def main() -> None:
    args = parse_args()
    generate_dataset(args.data_root, num_train=args.num_train, num_val=args.num_val,
                     seed=args.seed, fmt=args.data_format)
    family, configs = args.family.replace('-', '_'), FAMILIES[args.family]
    teacher = run_stage(f'teacher_{family}_r34', configs['teacher'], args.teacher_iters, args)
    student = run_stage(f'student_{family}_r18w16', configs['student'], args.student_iters, args)
    distilled = [
        run_stage(f'{method.replace("-", "_")}_student_{family}_r18w16',
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
