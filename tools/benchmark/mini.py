"""Mini-benchmark: one GFL teacher, then plain and distilled students over several seeds.

    python tools/benchmark/mini.py [--methods ld bckd rm-pfi] [--seeds 0 1] [--jobs 2]
        [--teacher-iters 1000] [--student-iters 600] [--image-size 192]
        [--work-dir work_dirs/benchmark_mini] [--out docs/benchmarks/mini.md]

Synthetic shapes data (generated once), the mini GFL configs of configs/mini/ (ResNet-34 FPN 128
teacher, ResNet-18 at 1/4 width FPN 64 student), COCO AP on the validation images. The teacher
is trained once and cached under a hash of its config; each student stage is cached the same
way, so an interrupted run resumes where it stopped. Students run ``--jobs`` at a time, each a
subprocess with its share of the CPU threads; progress lines report the iterations of each
running stage. Writes a markdown table (AP, AP50, AP75 as mean ± half the spread over seeds,
the teacher-student gap recovered, train time) and a bar chart next to it.
"""
import argparse
import json
import os
import os.path as osp
import re
import subprocess
import sys
import time
from typing import Dict, List, Optional

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, ROOT)

TEACHER = 'configs/mini/gfl_r34_fpn128_synthetic.py'
PLAIN = 'configs/mini/gfl_r18w16_fpn64_synthetic.py'
METHODS = {
    'ld': 'configs/mini/ld_gfl_r34_r18w16_synthetic.py',
    'bckd': 'configs/mini/bckd_gfl_r34_r18w16_synthetic.py',
    'rm-pfi': 'configs/mini/rm-pfi_gfl_r34_r18w16_synthetic.py',
    'rm-pfi-norm': 'configs/mini/rm-pfi-norm_gfl_r34_r18w16_synthetic.py',
    'fi-gibox': 'configs/mini/fi-gibox_gfl_r34_r18w16_synthetic.py',
}
LABELS = {'plain': 'plain student', 'ld': 'LD (full recipe)', 'bckd': 'BCKD',
          'rm-pfi': 'RM + PFI', 'rm-pfi-norm': 'RM + PFI (normalised features)',
          'fi-gibox': 'feature imitation (GI box)'}
METRIC_KEYS = ('coco/bbox_mAP', 'coco/bbox_mAP_50', 'coco/bbox_mAP_75')
#: the teacher must lead the plain student by this much COCO AP, or nothing is measured
MIN_GAP_AP = 5.0


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--methods', nargs='+', default=['ld', 'bckd', 'rm-pfi'],
                        choices=sorted(METHODS), help='distilled students (default: ld bckd rm-pfi)')
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1])
    parser.add_argument('--teacher-iters', type=int, default=1000)
    parser.add_argument('--student-iters', type=int, default=600)
    parser.add_argument('--image-size', type=int, default=192, help='image side (default: 192)')
    parser.add_argument('--num-train', type=int, default=1500)
    parser.add_argument('--num-val', type=int, default=200)
    parser.add_argument('--data-seed', type=int, default=0, help='seed of the synthetic data')
    parser.add_argument('--jobs', type=int, default=2, help='student stages run in parallel')
    parser.add_argument('--threads', type=int, default=None,
                        help='CPU threads per stage (default: cores / jobs; all for the teacher)')
    parser.add_argument('--work-dir', default='work_dirs/benchmark_mini')
    parser.add_argument('--data-root', default=None,
                        help='default: data/synthetic_<image size>px_<num train>')
    parser.add_argument('--out', default=None, help='markdown report (default: none)')
    parser.add_argument('--progress-interval', type=float, default=60.0,
                        help='seconds between progress lines (default: 60)')
    parser.add_argument('--teacher-only', action='store_true',
                        help='train (or find cached) the teacher and stop')
    parser.add_argument('--worker', help=argparse.SUPPRESS)  # internal: run one stage
    args = parser.parse_args(argv)
    if args.worker is None:
        for name in ('teacher_iters', 'student_iters', 'num_train', 'num_val', 'jobs'):
            if getattr(args, name) < 1:
                parser.error(f"--{name.replace('_', '-')} must be >= 1")
        if args.image_size < 32:
            parser.error(f'--image-size {args.image_size} must be >= 32')
        if args.data_root is None:
            args.data_root = f'data/synthetic_{args.image_size}px_{args.num_train}'
    return args


def log(message: str) -> None:
    print(f'[mini {time.strftime("%H:%M:%S")}] {message}', flush=True)


# ----------------------------------------------------------------------------- one stage
def stage_spec(name: str, config: str, iters: int, seed: int, args,
               overrides: Optional[dict] = None) -> dict:
    """What a worker needs to train and test one stage; ``hash`` identifies its config."""
    from ld_plugin.utils.experiment import prepare_config
    spec = dict(name=name, config=config, iters=iters, seed=seed, data_root=args.data_root,
                image_size=args.image_size, overrides=overrides or {})
    work_dir = osp.join(args.work_dir, name)
    _, spec['hash'] = prepare_config(osp.join(ROOT, config), iters, work_dir, args.data_root,
                                     seed, image_size=args.image_size, overrides=overrides)
    spec['work_dir'] = work_dir
    return spec


def run_worker(spec_file: str) -> None:
    """Worker mode: train and test the stage described in ``spec_file``."""
    import ld_plugin  # noqa: F401
    from ld_plugin.utils.experiment import prepare_config, train_and_test
    with open(spec_file) as f:
        spec = json.load(f)
    cfg, config_hash = prepare_config(
        osp.join(ROOT, spec['config']), spec['iters'], spec['work_dir'], spec['data_root'],
        spec['seed'], image_size=spec['image_size'], overrides=spec['overrides'])
    train_and_test(spec['name'], cfg, config_hash, spec['iters'], METRIC_KEYS,
                   config=spec['config'], seed=spec['seed'])


class Stage:
    """A worker subprocess training one stage, its log file and progress."""

    def __init__(self, spec: dict, args, threads: int) -> None:
        self.spec = spec
        os.makedirs(args.work_dir, exist_ok=True)
        self.log_file = osp.join(args.work_dir, f"{spec['name']}.log")
        spec_file = osp.join(args.work_dir, f"{spec['name']}.spec.json")
        with open(spec_file, 'w') as f:
            json.dump(spec, f, indent=2)
        env = dict(os.environ, OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
        self.start = time.time()
        self.log_handle = open(self.log_file, 'w')
        self.process = subprocess.Popen(
            [sys.executable, osp.abspath(__file__), '--worker', spec_file], cwd=ROOT, env=env,
            stdout=self.log_handle, stderr=subprocess.STDOUT)

    def progress(self) -> str:
        done = 'starting'
        try:
            with open(self.log_file, errors='replace') as f:
                matches = re.findall(r'Iter\(train\) \[\s*(\d+)/(\d+)\]', f.read())
            if matches:
                done = f'{matches[-1][0]}/{matches[-1][1]} it'
        except OSError:
            pass
        return f"{self.spec['name']} {done} ({time.time() - self.start:.0f} s)"

    def finish(self) -> Optional[dict]:
        self.log_handle.close()
        result = cached(self.spec)
        if self.process.returncode != 0 or result is None:
            with open(self.log_file, errors='replace') as f:
                tail = f.read()[-3000:]
            log(f"{self.spec['name']} FAILED (exit {self.process.returncode}); log "
                f'{self.log_file}:\n{tail}')
            return None
        log(f"{self.spec['name']} done in {time.time() - self.start:.0f} s: AP "
            f"{100 * result['coco/bbox_mAP']:.1f}")
        return result


def cached(spec: dict) -> Optional[dict]:
    from ld_plugin.utils.experiment import cached_result
    return cached_result(spec['work_dir'], spec['hash'])


def run_stages(specs: List[dict], args, threads: int) -> Dict[str, Optional[dict]]:
    """Run the stages ``args.jobs`` at a time; cached ones are not rerun."""
    results, pending, running = {}, [], []
    for spec in specs:
        result = cached(spec)
        if result is not None:
            log(f"{spec['name']}: cached ({spec['work_dir']})")
            results[spec['name']] = result
        else:
            pending.append(spec)
    last_report = time.time()
    while pending or running:
        while pending and len(running) < args.jobs:
            spec = pending.pop(0)
            log(f"{spec['name']}: training {spec['config']} for {spec['iters']} iterations "
                f'({threads} threads)')
            running.append(Stage(spec, args, threads))
        time.sleep(1.0)
        for stage in [s for s in running if s.process.poll() is not None]:
            running.remove(stage)
            results[stage.spec['name']] = stage.finish()
        if running and time.time() - last_report >= args.progress_interval:
            last_report = time.time()
            log('running: ' + '; '.join(s.progress() for s in running) +
                f'; {len(pending)} waiting')
    return results


# ----------------------------------------------------------------------------- report
def summarise(values: List[float]) -> str:
    mean = sum(values) / len(values)
    spread = (max(values) - min(values)) / 2
    return f'{mean:.1f} ± {spread:.1f}' if len(values) > 1 else f'{mean:.1f}'


def mean(values: List[float]) -> float:
    return sum(values) / len(values)


def report_rows(teacher: dict, students: Dict[str, List[dict]]) -> List[dict]:
    """One row per model: metrics in percent (per seed), gap recovered, mean train time."""
    plain_ap = mean([100 * r['coco/bbox_mAP'] for r in students['plain']])
    gap = 100 * teacher['coco/bbox_mAP'] - plain_ap
    rows = [dict(key='teacher', label='teacher (R-34, FPN 128)', runs=[teacher], recovered=None)]
    for method, runs in students.items():
        ap = mean([100 * r['coco/bbox_mAP'] for r in runs])
        rows.append(dict(key=method, label=LABELS[method], runs=runs,
                         recovered=None if method == 'plain' or gap <= 0
                         else 100 * (ap - plain_ap) / gap))
    return rows


def markdown(rows: List[dict], gap: float, args, command: str, wall_s: float) -> str:
    lines = [
        f'<!-- written by tools/benchmark/mini.py; regenerate with: {command} -->',
        '# Mini-benchmark (synthetic shapes, CPU)', '',
        f'Command: `{command}`', '',
        f'Data: {args.num_train} training / {args.num_val} validation images of '
        f'{args.image_size} px (synthetic shapes, 6 classes, data seed {args.data_seed}). '
        f'Teacher: `{TEACHER}` ({args.teacher_iters} iterations, seed 0); students: '
        f'ResNet-18 at 1/4 width, FPN 64 ({args.student_iters} iterations, batch 8, seeds '
        f"{' '.join(map(str, args.seeds))}). COCO AP of the validation images; "
        'mean ± half the spread over the seeds.', '',
        '| model | AP | AP50 | AP75 | gap recovered | train time (s) |',
        '|---|---|---|---|---|---|']
    for row in rows:
        cells = [summarise([100 * r[key] for r in row['runs']]) for key in METRIC_KEYS]
        recovered = '—' if row['recovered'] is None else f"{row['recovered']:+.0f} %"
        train = mean([r['train_seconds'] for r in row['runs']])
        lines.append(f"| {row['label']} | {' | '.join(cells)} | {recovered} | {train:.0f} |")
    lines += ['', f'Teacher - plain student gap: {gap:.1f} AP'
              + ('' if gap >= MIN_GAP_AP else f' (below {MIN_GAP_AP:.0f} AP: this run measures '
                 'nothing; train the teacher longer)') + '.',
              'Gap recovered = (AP(method) - AP(plain)) / (AP(teacher) - AP(plain)). '
              'Train time includes the teacher forward of the distilled students; stages ran '
              f'{args.jobs} at a time on a shared CPU. Whole run: {wall_s / 60:.0f} min '
              '(cached stages not counted).', '',
              f'![mini-benchmark]({osp.splitext(osp.basename(args.out or "mini.md"))[0]}.png)', '']
    return '\n'.join(lines)


def bar_chart(rows: List[dict], path: str) -> None:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(7, 3.6))
    labels = [row['label'] for row in rows]
    for i, row in enumerate(rows):
        values = [100 * r['coco/bbox_mAP'] for r in row['runs']]
        ax.bar(i, mean(values), color='gray' if row['key'] in ('teacher', 'plain') else 'C0')
        ax.plot([i] * len(values), values, 'k.', markersize=6)
    plain = mean([100 * r['coco/bbox_mAP'] for r in rows[1]['runs']])
    ax.axhline(plain, color='C3', linestyle='--', linewidth=1, label='plain student')
    ax.set_xticks(range(len(rows)))
    ax.set_xticklabels(labels, rotation=20, ha='right', fontsize=8)
    ax.set_ylabel('COCO AP (dots: seeds)')
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.worker:
        run_worker(args.worker)
        return 0
    from ld_plugin.datasets.synthetic import generate_dataset
    start = time.time()
    command = 'python tools/benchmark/mini.py ' + ' '.join(sys.argv[1:] if argv is None else argv)
    cores = os.cpu_count() or 1
    threads = args.threads or max(1, cores // args.jobs)
    generate_dataset(args.data_root, num_train=args.num_train, num_val=args.num_val,
                     img_size=args.image_size, seed=args.data_seed)
    # the teacher's work dir is named by the hash of its config: a changed teacher is retrained
    probe = stage_spec('teacher', TEACHER, args.teacher_iters, 0, args)
    teacher_spec = stage_spec(f"teacher_{probe['hash']}", TEACHER, args.teacher_iters, 0, args)
    teacher = run_stages([teacher_spec], args, args.threads or cores)[teacher_spec['name']]
    if teacher is None:
        return 1
    log(f"teacher AP {100 * teacher['coco/bbox_mAP']:.1f} ({teacher['checkpoint']})")
    if args.teacher_only:
        return 0
    overrides = {'model.teacher_ckpt': teacher['checkpoint']}
    specs = [stage_spec(f'plain_seed{seed}', PLAIN, args.student_iters, seed, args)
             for seed in args.seeds]
    specs += [stage_spec(f'{method}_seed{seed}', METHODS[method], args.student_iters, seed,
                         args, overrides)
              for seed in args.seeds for method in args.methods]
    results = run_stages(specs, args, threads)
    failed = sorted(name for name, result in results.items() if result is None)
    students = {method: [results[f'{method}_seed{seed}'] for seed in args.seeds
                         if results.get(f'{method}_seed{seed}') is not None]
                for method in ['plain', *args.methods]}
    if not students['plain']:
        log('no plain student finished; nothing to compare')
        return 1
    rows = report_rows(teacher, {m: runs for m, runs in students.items() if runs})
    gap = 100 * teacher['coco/bbox_mAP'] - mean([100 * r['coco/bbox_mAP']
                                                for r in students['plain']])
    text = markdown(rows, gap, args, command, time.time() - start)
    print('\n' + text)
    if gap < MIN_GAP_AP:
        log(f'WARNING: the teacher leads the plain student by {gap:.1f} AP only (< '
            f'{MIN_GAP_AP:.0f}): the distilled students cannot show a gain')
    if args.out:
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        with open(args.out, 'w') as f:
            f.write(text)
        bar_chart(rows, osp.splitext(args.out)[0] + '.png')
        log(f"wrote {args.out} and {osp.splitext(args.out)[0] + '.png'}")
    if failed:
        log(f'failed stages: {failed} (their logs are in {args.work_dir})')
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
