#!/usr/bin/env python
"""Generate the deterministic synthetic shapes dataset (COCO, or DOTA with rotated shapes).

Examples (from the repository root)::

    python tools/make_synthetic_dataset.py --out data/synthetic
    python tools/make_synthetic_dataset.py --format dota --out data/synthetic_dota

Needs only numpy and Pillow: ``ld_plugin/datasets/synthetic.py`` is loaded
directly from its file, so neither ``ld_plugin`` nor torch/mmdet is imported.
"""
import argparse
import importlib.util
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
MODULE_FILE = REPO_ROOT / 'ld_plugin' / 'datasets' / 'synthetic.py'


def _load_synthetic():
    """Load the generator module without importing the ``ld_plugin`` package."""
    if MODULE_FILE.is_file():
        spec = importlib.util.spec_from_file_location('_ld_plugin_synthetic',
                                                      MODULE_FILE)
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
        return module
    if str(REPO_ROOT) not in sys.path:  # fall back to a normal import
        sys.path.insert(0, str(REPO_ROOT))
    from ld_plugin.datasets import synthetic
    return synthetic


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Generate the synthetic shapes detection dataset '
        '(COCO json or DOTA labelTxt + PNG images).')
    parser.add_argument('--format', default='coco', choices=('coco', 'dota'),
                        help='coco: axis-aligned shapes, COCO json; dota: rotated shapes, '
                        'DOTA labelTxt (default: %(default)s)')
    parser.add_argument('--out', default=None,
                        help='output folder (default: data/synthetic, or '
                        'data/synthetic_dota with --format dota)')
    parser.add_argument('--num-train', type=int, default=1500,
                        help='training images (default: %(default)s)')
    parser.add_argument('--num-val', type=int, default=200,
                        help='validation images (default: %(default)s)')
    parser.add_argument('--img-size', type=int, default=192,
                        help='square image side in pixels, >= 32 '
                        '(default: %(default)s)')
    parser.add_argument('--min-objects', type=int, default=1,
                        help='min objects per image (default: %(default)s)')
    parser.add_argument('--max-objects', type=int, default=6,
                        help='max objects per image (default: %(default)s)')
    parser.add_argument('--seed', type=int, default=0,
                        help='random seed (default: %(default)s)')
    parser.add_argument('--force', action='store_true',
                        help='regenerate even if --out already matches')
    parser.add_argument('--quiet', action='store_true',
                        help='only print the final summary line')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    synthetic = _load_synthetic()

    def log(msg: str) -> None:
        if not (args.quiet and msg.startswith('[synthetic]')):
            print(msg, flush=True)

    params = dict(num_train=args.num_train, num_val=args.num_val,
                  img_size=args.img_size, seed=args.seed,
                  min_objects=args.min_objects, max_objects=args.max_objects)
    try:
        synthetic.validate_params(**params)
    except ValueError as err:
        print(f'error: {err}', file=sys.stderr)
        return 2
    try:
        out = args.out or ('data/synthetic_dota' if args.format == 'dota'
                           else 'data/synthetic')
        summary = synthetic.generate_dataset(out, force=args.force, progress=log,
                                             fmt=args.format, **params)
    except FileExistsError as err:
        print(f'error: {err}', file=sys.stderr)
        return 2
    for split in ('train', 'val'):
        counts = ', '.join(f'{k}={v}'
                           for k, v in summary['per_class'][split].items())
        print(f'  {split} objects per class: {counts}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
