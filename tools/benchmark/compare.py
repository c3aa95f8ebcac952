"""Which distillation method helps on my data? One teacher, then plain and distilled students.

    python tools/benchmark/compare.py [--data DIR] [--family gfl|rotated-fcos|...]
        [--methods ld bckd rm-pfi] [--seeds 0 1] [--img-size 320]
        [--teacher-iters 1000] [--student-iters 600] [--jobs 2] [--threads 1]
        [--work-dir work_dirs/compare] [--out docs/benchmarks/mine.md]

``--data`` is a dataset folder written by ``tools/convert_dataset.py`` (your YOLO / VOC / COCO /
DOTA / YOLO-OBB labels; its ``meta.json`` gives the classes and the format). Without it, the
synthetic shapes data is generated (the mini-benchmark, ``tools/benchmark/mini.py``).

The family's mini configs (``ld_plugin/utils/families.py``: e.g. GFL with a ResNet-34 FPN 128
teacher and a ResNet-18 at 1/4 width FPN 64 student, from scratch) are pointed at the data,
its classes and the image size; no config is edited per dataset. The teacher is trained once
and cached under a hash of its config and of the data's labels; every student stage is cached
the same way, and a stage killed half-way resumes from its last checkpoint. Students run
``--jobs`` at a time, each a subprocess with its share of the CPU threads; progress lines give
the iterations and an ETA. Evaluation on the validation split: COCO AP (axis-aligned) or the
DOTA mAP at IoU 0.5 and its mean over IoU 0.5:0.95 (oriented). Writes a markdown table (mean ±
half the spread over seeds, the teacher-student gap recovered, train time) and a bar chart.
"""
import argparse
import json
import os
import os.path as osp
import re
import shlex
import signal
import subprocess
import sys
import time
from typing import Dict, List, Optional, Sequence

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, ROOT)

from ld_plugin.utils.families import DEFAULT_FAMILY, FAMILIES, LABELS, METHODS, RECOMMENDED_LD  # noqa: E402

#: the teacher must lead the plain student by this much (main metric, percent), or nothing is
#: measured
MIN_GAP = 5.0


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--data', default=None,
                        help='dataset folder from tools/convert_dataset.py (default: generate '
                        'the synthetic shapes data)')
    parser.add_argument('--family', default=None, choices=sorted(FAMILIES),
                        help='detector family (default: gfl for axis-aligned data, '
                        'rotated-fcos for oriented data)')
    parser.add_argument('--methods', nargs='+', default=None, choices=METHODS,
                        help="distilled students (default: ld ld-dense-kd bckd rm-pfi, those the "
                        "family has)")
    parser.add_argument('--method', action='append', default=[], metavar='NAME=CONFIG',
                        help='also compare a distilled config of your own (a student of the '
                        "family's teacher; repeatable), e.g. --method kd-only=configs/my_kd.py")
    parser.add_argument('--teacher-config', default=None,
                        help="teacher config (default: the family's ResNet-34 FPN 128)")
    parser.add_argument('--teacher-ckpt', default=None,
                        help='a trained teacher checkpoint for --teacher-config (e.g. a released '
                        'one): tested, not trained')
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1])
    parser.add_argument('--teacher-seeds', type=int, nargs='+', default=[0],
                        help='train the teacher once per seed (the first is --teacher-ckpt when '
                        'given); with two or more, every method is also trained from each other '
                        'teacher alone and from all of them at once (terms averaged)')
    parser.add_argument('--teacher-iters', type=int, default=1000)
    parser.add_argument('--student-iters', type=int, default=600)
    parser.add_argument('--img-size', '--image-size', dest='image_size', type=int, default=None,
                        help='longest image side for training and testing (default: 192 on the '
                        'synthetic data, 320 with --data)')
    parser.add_argument('--num-train', type=int, default=1500, help='synthetic data only')
    parser.add_argument('--num-val', type=int, default=200, help='synthetic data only')
    parser.add_argument('--data-seed', type=int, default=0, help='synthetic data only')
    parser.add_argument('--jobs', type=int, default=2, help='student stages run in parallel')
    parser.add_argument('--threads', type=int, default=None,
                        help='CPU threads per stage (default: cores / jobs; all for the teacher)')
    parser.add_argument('--work-dir', default='work_dirs/compare')
    parser.add_argument('--data-root', default=None,
                        help='where the synthetic data is generated (default: '
                        'data/synthetic_<image size>px_<num train>[_dota])')
    parser.add_argument('--out', default=None, help='markdown report (default: none)')
    parser.add_argument('--credit', default=None,
                        help='dataset attribution written under the table (licences such as '
                        'CC BY 4.0 require it)')
    parser.add_argument('--progress-interval', type=float, default=60.0,
                        help='seconds between progress lines (default: 60)')
    parser.add_argument('--teacher-only', action='store_true',
                        help='train (or find cached) the teacher and stop')
    parser.add_argument('--worker', help=argparse.SUPPRESS)  # internal: run one stage
    args = parser.parse_args(argv)
    if args.worker is not None:
        return args
    for name in ('data', 'work_dir', 'data_root', 'teacher_config', 'teacher_ckpt', 'out'):
        setattr(args, name, from_user(getattr(args, name)))
    args.method = [f'{n}={from_user(c)}' for n, _, c in (m.partition('=') for m in args.method)]
    os.chdir(ROOT)  # every path is now relative to the root (or absolute), as the workers' are
    for name in ('teacher_iters', 'student_iters', 'num_train', 'num_val', 'jobs'):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be >= 1")
    try:
        resolve_data(args)
    except (FileNotFoundError, ValueError) as err:
        parser.error(str(err))
    family = FAMILIES[args.family]
    args.configs = dict(family['methods'])
    for item in args.method:
        name, _, config = item.partition('=')
        if not name or not config or not osp.isfile(osp.join(ROOT, config)):
            parser.error(f'--method {item!r}: give NAME=CONFIG with an existing config file')
        args.configs[name] = config
    if args.methods is None:  # the defaults unless only --method is given
        defaults = ('ld', RECOMMENDED_LD, 'bckd', 'rm-pfi')
        args.methods = [] if args.method else [m for m in defaults if m in family['methods']]
    args.methods += [item.partition('=')[0] for item in args.method]
    unsupported = sorted(set(args.methods) - set(args.configs))
    if unsupported:
        parser.error(f'--family {args.family} has no mini config for {unsupported}; choose from '
                     f"{sorted(family['methods'])}")
    if args.image_size < 32:
        parser.error(f'--img-size {args.image_size} must be >= 32')
    if args.teacher_ckpt is not None and not osp.isfile(args.teacher_ckpt):
        parser.error(f'--teacher-ckpt {args.teacher_ckpt} does not exist')
    if args.teacher_ckpt is not None and args.teacher_config is None:
        parser.error('--teacher-ckpt needs the --teacher-config it was trained with')
    if len(set(args.teacher_seeds)) != len(args.teacher_seeds):
        parser.error(f'--teacher-seeds {args.teacher_seeds}: give each seed once')
    return args


def from_user(path: Optional[str]) -> Optional[str]:
    """A path the user typed (relative to their working directory) as the stage workers, which
    run in the repository root, read it: relative to the root when inside it (so that caches
    and reports do not depend on where the repository is), else absolute."""
    if not path:
        return path
    path = osp.abspath(osp.expanduser(path))
    relative = osp.relpath(path, ROOT)
    return path if relative.startswith('..') else relative


def resolve_data(args: argparse.Namespace) -> None:
    """Fill ``args.format``, ``args.classes``, ``args.family``, ``args.data_root`` and the
    image size from ``--data`` (or the synthetic defaults)."""
    if args.data is not None:
        from ld_plugin.datasets.folder import read_dataset_folder
        folder = read_dataset_folder(args.data)
        args.format, args.classes, args.data_root = folder.format, list(folder.classes), args.data
        args.img_suffix = folder.img_suffix
        args.data_name = f'{folder.name}_{folder.fingerprint}'
        args.family = args.family or DEFAULT_FAMILY[folder.format]
        if FAMILIES[args.family]['format'] != folder.format:
            raise ValueError(f'--family {args.family} trains on {FAMILIES[args.family]["format"]} '
                             f'data but --data {args.data} is {folder.format}; choose one of '
                             + str(sorted(f for f, c in FAMILIES.items()
                                          if c['format'] == folder.format)))
        args.image_size = args.image_size or 320
        return
    args.family = args.family or 'gfl'
    args.format, args.classes, args.img_suffix = FAMILIES[args.family]['format'], None, None
    args.image_size = args.image_size or 192
    suffix = '' if args.format == 'coco' else '_dota'
    args.data_root = (args.data_root or
                      f'data/synthetic_{args.image_size}px_{args.num_train}{suffix}')
    args.data_name = osp.basename(args.data_root.rstrip('/'))


def log(message: str) -> None:
    print(f'[compare {time.strftime("%H:%M:%S")}] {message}', flush=True)


# ----------------------------------------------------------------------------- one stage
def metric_keys(data_format: str) -> List[str]:
    from ld_plugin.utils.experiment import METRICS
    return [key for _, key in METRICS[data_format]]


def stage_spec(name: str, config: str, iters: int, seed: int, args,
               overrides: Optional[dict] = None, checkpoint: Optional[str] = None) -> dict:
    """What a worker needs to train and test one stage (or only test ``checkpoint``);
    ``hash`` identifies its config."""
    if checkpoint is not None:
        overrides = dict(overrides or {}, load_from=checkpoint)
    spec = dict(name=name, config=config, iters=iters, seed=seed, data_root=args.data_root,
                format=args.format, classes=args.classes, img_suffix=args.img_suffix,
                image_size=args.image_size,
                overrides=overrides or {}, checkpoint=checkpoint,
                work_dir=osp.join(args.work_dir, args.data_name, args.family, name))
    spec = json.loads(json.dumps(spec))  # the worker reads it back from JSON: same hash
    spec['hash'] = prepare(spec)[1]
    return spec


def adapter_overrides(config: str, teacher_cfg) -> Dict[str, int]:
    """Point the feature adapters of a distilled config at the teacher's FPN width.

    The family's distilled configs name the family teacher's width (e.g. a PFI or imitation
    loss with ``teacher_channels=128``); with another ``--teacher-config`` every
    ``teacher_channels`` set in the student head's distillation terms takes that teacher's
    ``neck.out_channels`` instead.

    Returns:
        ``Config.merge_from_dict`` options (empty when the widths already match or the teacher
        has no single FPN width).
    """
    from mmengine.config import Config
    width = teacher_cfg.model.get('neck', {}).get('out_channels')
    if not isinstance(width, int):
        return {}
    found = {}

    def walk(node, path: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == 'teacher_channels' and isinstance(value, int) and value != width:
                    found[f'{path}.{key}'] = width
                else:
                    walk(value, f'{path}.{key}')

    walk(Config.fromfile(osp.join(ROOT, config)).model.get('bbox_head', {}).get(
        'distill_terms', {}), 'model.bbox_head.distill_terms')
    return found


def teacher_stage_spec(config: str, seed: int, args, checkpoint: Optional[str]) -> dict:
    """The teacher stage of ``seed`` (tested only with ``checkpoint``); its work dir is named
    by the hash of its config, so a changed teacher is retrained."""
    probe = stage_spec('teacher', config, args.teacher_iters, seed, args, checkpoint=checkpoint)
    return stage_spec(f"teacher_{probe['hash']}", config, args.teacher_iters, seed, args,
                      checkpoint=checkpoint)


def student_variants(method: str, teachers: Dict[int, tuple], args) -> List[tuple]:
    """``(stage name, row label, config overrides)`` of a distilled method: from the first
    teacher; with several teacher seeds also from each other one alone and from all at once
    (:func:`ld_plugin.utils.teacher_ensemble.ensemble_overrides`).

    Args:
        teachers: teacher seed -> (stage result with ``checkpoint``, model config dict).
    """
    from mmengine.config import Config

    from ld_plugin.utils.teacher_ensemble import ensemble_overrides
    config = args.configs[method]
    label = LABELS.get(method, method)
    (first, (_, model)), *others = teachers.items()
    widths = adapter_overrides(config, Config(dict(model=model)))

    def alone(seed: int) -> dict:
        return {'model.teacher_ckpt': teachers[seed][0]['checkpoint'],
                'model.teacher_config': dict(teachers[seed][1], _delete_=True), **widths}

    variants = [(method, label, alone(first))]
    if not others:
        return variants
    variants += [(f'{method}_tseed{seed}', f'{label}, teacher seed {seed} alone', alone(seed))
                 for seed, _ in others]
    cfg = Config.fromfile(osp.join(ROOT, config))
    cfg.merge_from_dict(widths)
    try:
        ensemble = ensemble_overrides(cfg.model.to_dict(), {
            f'seed{seed}': (model, result['checkpoint'])
            for seed, (result, model) in teachers.items()})
    except ValueError as err:
        log(f'{method}: not trained from several teachers ({err})')
        return variants
    seeds = ' + '.join(map(str, teachers))
    variants.append((f'{method}_{len(teachers)}teachers',
                     f'{label}, teachers {seeds} averaged', ensemble))
    return variants


def prepare(spec: dict):
    from ld_plugin.utils.experiment import prepare_config
    return prepare_config(osp.join(ROOT, spec['config']), spec['iters'], spec['work_dir'],
                          spec['data_root'], spec['seed'], spec['format'],
                          image_size=spec['image_size'], overrides=spec['overrides'],
                          classes=spec['classes'], img_suffix=spec['img_suffix'])


def run_worker(spec_file: str) -> None:
    """Worker mode: train and test the stage described in ``spec_file``."""
    import ld_plugin  # noqa: F401
    from ld_plugin.utils.experiment import train_and_test
    with open(spec_file) as f:
        spec = json.load(f)
    cfg, config_hash = prepare(spec)
    train_and_test(spec['name'], cfg, config_hash, spec['iters'], metric_keys(spec['format']),
                   checkpoint=spec['checkpoint'], config=spec['config'], seed=spec['seed'])


def format_duration(seconds: float) -> str:
    seconds = int(round(seconds))
    return f'{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}'


class Stage:
    """A worker subprocess training one stage, its log file and progress."""

    def __init__(self, spec: dict, args, threads: int) -> None:
        self.spec = spec
        os.makedirs(osp.dirname(spec['work_dir']), exist_ok=True)
        self.log_file = spec['work_dir'] + '.log'
        spec_file = spec['work_dir'] + '.spec.json'
        with open(spec_file, 'w') as f:
            json.dump(spec, f, indent=2)
        env = dict(os.environ, OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
        self.start = time.time()
        self.log_handle = open(self.log_file, 'w')
        self.process = subprocess.Popen(
            [sys.executable, osp.abspath(__file__), '--worker', spec_file], cwd=ROOT, env=env,
            stdout=self.log_handle, stderr=subprocess.STDOUT)

    def iterations(self) -> tuple:
        """(iterations done, seconds per iteration or None) read from the stage's log."""
        try:
            with open(self.log_file, errors='replace') as f:
                text = f.read()
        except OSError:
            return 0, None
        matches = re.findall(r'Iter\(train\) \[\s*(\d+)/\d+\].*?\btime: ([\d.]+)', text)
        return (int(matches[-1][0]), float(matches[-1][1])) if matches else (0, None)

    def remaining(self) -> Optional[float]:
        done, per_iter = self.iterations()
        return None if per_iter is None else (self.spec['iters'] - done) * per_iter

    def progress(self) -> str:
        done, per_iter = self.iterations()
        eta = '' if per_iter is None else f', {per_iter:.2f} s/it, ETA ' + format_duration(
            (self.spec['iters'] - done) * per_iter)
        return (f"{self.spec['name']} {done}/{self.spec['iters']} it "
                f'({time.time() - self.start:.0f} s{eta})')

    def finish(self) -> Optional[dict]:
        self.log_handle.close()
        result = cached(self.spec)
        if self.process.returncode != 0 or result is None:
            with open(self.log_file, errors='replace') as f:
                tail = f.read()[-3000:]
            log(f"{self.spec['name']} FAILED (exit {self.process.returncode}); log "
                f'{self.log_file}:\n{tail}')
            return None
        key = metric_keys(self.spec['format'])[0]
        log(f"{self.spec['name']} done in {time.time() - self.start:.0f} s: "
            f'{key} {100 * result[key]:.1f}')
        return result


def cached(spec: dict) -> Optional[dict]:
    from ld_plugin.utils.experiment import cached_result
    return cached_result(spec['work_dir'], spec['hash'])


def overall_eta(running: List[Stage], pending: List[dict], jobs: int) -> Optional[float]:
    """Seconds left: the running stages' own ETAs plus the waiting stages at the mean speed of
    the running ones (per iteration), shared over ``jobs`` slots."""
    speeds = [s.iterations()[1] for s in running]
    speeds = [v for v in speeds if v is not None]
    if not speeds:
        return None
    left = sum(s.remaining() or 0.0 for s in running)
    left += sum(spec['iters'] for spec in pending) * sum(speeds) / len(speeds)
    return left / max(1, min(jobs, len(running) + len(pending)))


def _exit_on_signal(signum, frame) -> None:
    raise SystemExit(128 + signum)


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
    previous = signal.signal(signal.SIGTERM, _exit_on_signal)
    try:
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
                eta = overall_eta(running, pending, args.jobs)
                log('running: ' + '; '.join(s.progress() for s in running) +
                    f'; {len(pending)} waiting' +
                    ('' if eta is None else f'; all done in about {format_duration(eta)}'))
    finally:  # interrupted or killed: stop the workers too (a rerun resumes their checkpoints)
        signal.signal(signal.SIGTERM, previous)
        for stage in running:
            stage.process.terminate()
        for stage in running:
            stage.process.wait()
            stage.log_handle.close()
            log(f"{stage.spec['name']}: stopped at {stage.iterations()[0]}/{stage.spec['iters']}"
                ' iterations; run the same command again to resume from its last checkpoint')
    return results


# ----------------------------------------------------------------------------- report
def summarise(values: List[float]) -> str:
    mean = sum(values) / len(values)
    spread = (max(values) - min(values)) / 2
    return f'{mean:.1f} ± {spread:.1f}' if len(values) > 1 else f'{mean:.1f}'


def mean(values: Sequence[float]) -> float:
    return sum(values) / len(values)


def report_rows(teacher: dict, students: Dict[str, List[dict]], key: str = 'coco/bbox_mAP',
                teacher_label: str = 'teacher (R-34, FPN 128)',
                labels: Optional[Dict[str, str]] = None) -> List[dict]:
    """One row per model: runs (per seed), the gap recovered on metric ``key`` (percent)."""
    labels = LABELS if labels is None else labels
    plain = mean([100 * r[key] for r in students['plain']])
    gap = 100 * teacher[key] - plain
    rows = [dict(key='teacher', label=teacher_label, runs=[teacher], recovered=None)]
    for method, runs in students.items():
        value = mean([100 * r[key] for r in runs])
        rows.append(dict(key=method, label=labels.get(method, method), runs=runs,
                         recovered=None if method == 'plain' or gap <= 0
                         else 100 * (value - plain) / gap))
    return rows


def describe_data(args) -> str:
    if args.data is None:
        return (f'{args.num_train} training / {args.num_val} validation images of '
                f'{args.image_size} px (synthetic shapes, data seed {args.data_seed})')
    with open(osp.join(args.data, 'meta.json')) as f:
        splits = json.load(f).get('splits', {})
    counts = ' / '.join(f'{splits[s]} {s}' for s in ('train', 'val') if s in splits)
    return (f'`{args.data}` ({counts} images; {len(args.classes)} classes: '
            f"{', '.join(args.classes)}), longest side {args.image_size} px")


def markdown(rows: List[dict], gap: float, args, command: str, wall_s: float) -> str:
    from ld_plugin.utils.experiment import METRICS
    titles, keys = zip(*METRICS[args.format])
    family = FAMILIES[args.family]
    lines = [
        f'<!-- written by tools/benchmark/compare.py; regenerate with: {command} -->',
        f'# {args.family} distillation on `{args.data_name}`', '',
        f'Command: `{command}`', '',
        f'Data: {describe_data(args)}.',
        f"Teacher: `{args.teacher_config or family['teacher']}` "
        + (f'(released checkpoint `{args.teacher_ckpt}`)' if args.teacher_ckpt else
           f'({args.teacher_iters} iterations, seed {args.teacher_seeds[0]})')
        + (f' and the same config trained with seeds '
           f"{', '.join(map(str, args.teacher_seeds[1:]))} ({args.teacher_iters} iterations)"
           if len(args.teacher_seeds) > 1 else '')
        + f"; students: `{family['student']}` and the distilled configs of "
        f'the family ({args.student_iters} iterations, batch 8, seeds '
        f"{' '.join(map(str, args.seeds))}), all from scratch. Metrics on the validation "
        'split; mean ± half the spread over the seeds.', '',
        f"| model | {' | '.join(titles)} | gap recovered | train time (s) |",
        '|---' * (len(titles) + 3) + '|']
    for row in rows:
        cells = [summarise([100 * r[key] for r in row['runs']]) for key in keys]
        recovered = '—' if row['recovered'] is None else f"{row['recovered']:+.0f} %"
        train = mean([r['train_seconds'] for r in row['runs']])
        lines.append(f"| {row['label']} | {' | '.join(cells)} | {recovered} | {train:.0f} |")
    lines += ['', f'Teacher - plain student gap: {gap:.1f} {titles[0]}'
              + ('' if gap >= MIN_GAP else f' (below {MIN_GAP:.0f}: this run measures '
                 'nothing; train the teacher longer)') + '.',
              f'Gap recovered = ({titles[0]}(method) - {titles[0]}(plain)) / '
              f'({titles[0]}(teacher) - {titles[0]}(plain)). '
              'Train time includes the teacher forward of the distilled students, as measured '
              'when each stage ran (stages trained by this command ran '
              f'{args.jobs} at a time on a shared CPU; cached ones keep the time of their own '
              f'run). This command took {wall_s / 60:.0f} min (cached stages not counted).', '']
    if args.credit:
        lines += [f'Data credit: {args.credit}', '']
    lines += [f'![{args.data_name}]({osp.splitext(osp.basename(args.out or "compare.md"))[0]}'
              '.png)', '']
    return '\n'.join(lines)


def bar_chart(rows: List[dict], path: str, key: str, title: str) -> None:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(7, 3.6))
    for i, row in enumerate(rows):
        values = [100 * r[key] for r in row['runs']]
        ax.bar(i, mean(values), color='gray' if row['key'] in ('teacher', 'plain') else 'C0')
        ax.plot([i] * len(values), values, 'k.', markersize=6)
    plain = next(row for row in rows if row['key'] == 'plain')
    ax.axhline(mean([100 * r[key] for r in plain['runs']]), color='C3', linestyle='--',
               linewidth=1, label='plain student')
    ax.set_xticks(range(len(rows)))
    ax.set_xticklabels([row['label'] for row in rows], rotation=20, ha='right', fontsize=8)
    ax.set_ylabel(f'{title} (dots: seeds)')
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def prepare_data(args) -> None:
    """Generate the synthetic data when no ``--data`` is given (kept when already there)."""
    if args.data is None:
        from ld_plugin.datasets.synthetic import generate_dataset
        generate_dataset(args.data_root, num_train=args.num_train, num_val=args.num_val,
                         img_size=args.image_size, seed=args.data_seed, fmt=args.format)


def run(args, command: str) -> Optional[List[dict]]:
    """Train (or find cached) the teacher and every student, print and write the report.

    Returns:
        the report rows (teacher, plain, methods; see :func:`report_rows`), or None when the
        teacher or every plain student failed (or with ``--teacher-only``).
    """
    from ld_plugin.utils.experiment import METRICS
    start = time.time()
    cores = os.cpu_count() or 1
    threads = args.threads or max(1, cores // args.jobs)
    prepare_data(args)
    family = FAMILIES[args.family]
    teacher_config = args.teacher_config or family['teacher']
    teacher_specs = [teacher_stage_spec(teacher_config, seed, args,
                                        args.teacher_ckpt if i == 0 else None)
                     for i, seed in enumerate(args.teacher_seeds)]
    parallel = min(args.jobs, len(teacher_specs))
    trained = run_stages(teacher_specs, args, args.threads or max(1, cores // parallel))
    args.failed = sorted(name for name, result in trained.items() if result is None)
    if args.failed:
        return None
    title, key = METRICS[args.format][0]
    # the students read a trained teacher: its checkpoint and its (dataset-adapted) config
    teachers = {}  # teacher seed -> (result, model config)
    for seed, spec in zip(args.teacher_seeds, teacher_specs):
        result = trained[spec['name']]
        teachers[seed] = (result, prepare(spec)[0].model.to_dict())
        log(f"teacher (seed {seed}) {title} {100 * result[key]:.1f} ({result['checkpoint']})")
    if args.teacher_only:
        return None
    specs = [stage_spec(f'plain_seed{seed}', family['student'], args.student_iters, seed, args)
             for seed in args.seeds]
    labels = dict(LABELS)
    for method in args.methods:
        for name, label, overrides in student_variants(method, teachers, args):
            labels[name] = label
            specs += [stage_spec(f'{name}_seed{seed}', args.configs[method], args.student_iters,
                                 seed, args, overrides) for seed in args.seeds]
    results = run_stages(specs, args, threads)
    args.failed = sorted(name for name, result in results.items() if result is None)
    students = {}
    for spec in specs:
        if results.get(spec['name']) is not None:
            students.setdefault(spec['name'].rpartition('_seed')[0], []).append(
                results[spec['name']])
    if 'plain' not in students:
        log('no plain student finished; nothing to compare')
        return None
    teacher_label = 'teacher (' + osp.splitext(osp.basename(teacher_config))[0] + ')'
    first, *others = args.teacher_seeds
    rows = report_rows(teachers[first][0], students, key, teacher_label
                       + (f', seed {first}' if others else ''), labels)
    rows[1:1] = [dict(key='teacher', label=f'{teacher_label}, seed {seed}',
                      runs=[teachers[seed][0]], recovered=None) for seed in others]
    teacher = teachers[first][0]
    gap = 100 * teacher[key] - mean([100 * r[key] for r in students['plain']])
    text = markdown(rows, gap, args, command, time.time() - start)
    print('\n' + text)
    if gap < MIN_GAP:
        log(f'WARNING: the teacher leads the plain student by {gap:.1f} {title} only (< '
            f'{MIN_GAP:.0f}): the distilled students cannot show a gain')
    if args.out:
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        with open(args.out, 'w') as f:
            f.write(text)
        bar_chart(rows, osp.splitext(args.out)[0] + '.png', key, title)
        log(f"wrote {args.out} and {osp.splitext(args.out)[0] + '.png'}")
    if args.failed:
        log(f'failed stages: {args.failed} (their logs are in {args.work_dir})')
    return rows


def main(argv=None, program: str = 'tools/benchmark/compare.py') -> int:
    args = parse_args(argv)
    if args.worker:
        run_worker(args.worker)
        return 0
    command = f'python {program} ' + shlex.join(sys.argv[1:] if argv is None else argv)
    rows = run(args, command)
    if rows is None:
        return 0 if args.teacher_only and not args.failed else 1
    return 1 if args.failed else 0


if __name__ == '__main__':
    sys.exit(main())
