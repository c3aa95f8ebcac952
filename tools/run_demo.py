"""The demo: a released teacher -> plain and LD students over two seeds -> COCO mAP.

    python tools/run_demo.py [--family gfl|atss|retinanet|fcos|rtmdet|rtmdet-dist|rotated-...]
                             [--methods ld-dense-kd ld bckd rm-pfi fi-gibox] [--seeds 0 1]
                             [--student-iters 600] [--retrain-teacher] [--teacher-iters 2000]
                             [--work-dir work_dirs/demo]

GFL (default) starts from the released synthetic-data teacher in ``checkpoints/`` (checked
against its SHA-256; ``docs/model_zoo.md`` gives the command that regenerates it), as users
start from a released teacher: only the students are trained (about 10 minutes on 2 CPU
cores). The LD student is the recommended recipe ``ld-dense-kd`` (LD's localisation terms with
dense binary class KD, docs/benchmarks/ld_recipe.md); ``--methods ld`` gives the paper's recipe.
``--retrain-teacher`` trains that teacher first (the full path); the other families
always train theirs. The rotated families (MMRotate) run on the DOTA-format synthetic data and
report the DOTA mAP (IoU 0.5) and its mean over IoU 0.5:0.95.

Every stage runs through ``tools/benchmark/compare.py`` (cached per stage, resumed after a
kill, progress lines with an ETA); the demo ends with the gain of each method over the plain
student next to the spread of the seeds.
"""
import argparse
import hashlib
import os.path as osp
import shlex
import sys
from typing import List, Optional

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, osp.join(ROOT, 'tools', 'benchmark'))

import compare  # noqa: E402

from ld_plugin.utils.families import FAMILIES, METHODS, RECOMMENDED_LD, RELEASED_TEACHERS  # noqa: E402


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--family', default='gfl', choices=sorted(FAMILIES),
                        help='detector family (default: gfl)')
    parser.add_argument('--methods', nargs='+', default=None, choices=METHODS,
                        help='distilled students to train (default: the recommended LD recipe, '
                        'ld-dense-kd, where the family has it, else ld, else the first')
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1])
    parser.add_argument('--student-iters', type=int, default=600)
    parser.add_argument('--retrain-teacher', action='store_true',
                        help='train the teacher instead of using the released checkpoint')
    parser.add_argument('--teacher-iters', type=int, default=None,
                        help='teacher iterations when it is trained (default: those of the '
                        'released teacher, else 1500)')
    parser.add_argument('--work-dir', default='work_dirs/demo')
    parser.add_argument('--jobs', type=int, default=2, help='student stages run in parallel')
    args = parser.parse_args(argv)
    if args.methods is None:
        methods = FAMILIES[args.family]['methods']
        args.methods = [next(m for m in (RECOMMENDED_LD, 'ld', *methods) if m in methods)]
    return args


def sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()


def check_released(teacher: dict) -> str:
    """Path of the released teacher checkpoint, checked against its SHA-256.

    Raises:
        FileNotFoundError / ValueError: missing or altered file (with the fix).
    """
    path = osp.join(ROOT, teacher['checkpoint'])
    fix = ('restore it with `git checkout -- {0}`, or train the teacher with '
           '`python tools/run_demo.py --retrain-teacher`').format(teacher['checkpoint'])
    if not osp.isfile(path):
        raise FileNotFoundError(f'the released teacher {path} is missing; {fix}')
    found = sha256(path)
    if found != teacher['sha256']:
        raise ValueError(f'the released teacher {path} has SHA-256 {found[:16]}..., expected '
                         f"{teacher['sha256'][:16]}... (a Git LFS pointer or a partial "
                         f'download?); {fix}')
    return path


def compare_argv(args) -> List[str]:
    """The ``tools/benchmark/compare.py`` command line of this demo."""
    argv = ['--family', args.family, '--methods', *args.methods,
            '--seeds', *map(str, args.seeds), '--student-iters', str(args.student_iters),
            '--work-dir', args.work_dir, '--jobs', str(args.jobs)]
    released = RELEASED_TEACHERS.get(args.family)
    if released is not None:
        argv += ['--teacher-config', released['config']]
        if not args.retrain_teacher:
            return argv + ['--teacher-ckpt', check_released(released)]
    iters = args.teacher_iters or (released or {}).get('iters', 1500)
    return argv + ['--teacher-iters', str(iters)]


def verdict(rows: List[dict], key: str, title: str) -> List[str]:
    """One line per method: its gain over the plain student and the seeds' spreads."""
    def values(row):
        return [100 * r[key] for r in row['runs']]

    plain = next(row for row in rows if row['key'] == 'plain')
    lines = []
    for row in rows:
        if row['key'] in ('teacher', 'plain'):
            continue
        gain = compare.mean(values(row)) - compare.mean(values(plain))
        spread = max(max(values(r)) - min(values(r)) for r in (row, plain))
        clear = min(values(row)) > max(values(plain))
        lines.append(
            f"[demo] {row['label']}: {gain:+.1f} {title} over the plain student; largest "
            f'spread over the seeds {spread:.1f}; every seed above every plain seed: '
            f"{'yes' if clear else 'no'}")
    return lines


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        forwarded = compare_argv(args)
    except (FileNotFoundError, ValueError) as err:
        print(f'[demo] {err}', file=sys.stderr)
        return 2
    compare_args = compare.parse_args(forwarded)
    command = 'python tools/run_demo.py ' + shlex.join(sys.argv[1:] if argv is None else argv)
    rows: Optional[List[dict]] = compare.run(compare_args, command)
    if rows is None:
        return 1
    from ld_plugin.utils.experiment import METRICS
    title, key = METRICS[compare_args.format][0]
    print('\n'.join(verdict(rows, key, title)))
    return 1 if compare_args.failed else 0


if __name__ == '__main__':
    sys.exit(main())
