"""Where a distillation step's time goes beyond the student step and the teacher forward.

    python tools/benchmark/profile_step.py [--methods 'LD (full recipe)' BCKD ...]
        [--size 800 1333] [--batch 2] [--device cpu] [--top 12] [--out docs/benchmarks/profile.md]

Profiles (torch profiler) one training step of the plain student, the teacher forward alone and
the distillation step of each method, on the models and batch of ``speed.py``, after one
warm-up call of each. Reports per method: the time inside ld_plugin's labelled phases
(``ld_plugin:teacher_forward``, ``ld_plugin:base_losses_and_recording``, one
``ld_plugin:term:<name>`` per term) and the operators whose self time grew most against the
student step plus the teacher forward (their excess), so that the cost beyond
``(a) + (b)`` is attributed to operators and phases.
"""
import argparse
import os.path as osp
import shlex
import sys
from typing import Callable, Dict, List, Tuple

import torch
from torch.profiler import ProfilerActivity, profile

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
import speed  # noqa: E402  (models, batch and step of the speed benchmark)

#: op name -> (self time in ms, calls)
OpTimes = Dict[str, Tuple[float, int]]
LABEL = 'ld_plugin:'


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--methods', nargs='+', default=['LD (full recipe)'],
                        choices=list(speed.METHODS), metavar='METHOD',
                        help=f'methods to profile (default: LD); any of {list(speed.METHODS)}')
    parser.add_argument('--size', type=int, nargs=2, default=(800, 1333), metavar=('H', 'W'))
    parser.add_argument('--batch', type=int, default=2)
    parser.add_argument('--gts', type=int, default=10)
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--top', type=int, default=12, help='operators listed per method')
    parser.add_argument('--out', help='write the markdown report here')
    args = parser.parse_args(argv)
    if min(args.size) < 64 or args.batch < 1 or args.top < 1:
        parser.error(f'--size {args.size} must be >= 64 px, --batch/--top >= 1')
    return args


def profiled(fn: Callable[[], None], device: str) -> Tuple[OpTimes, OpTimes, float]:
    """Self time per operator, inclusive time per ld_plugin label (ms) and the wall time (ms)
    of one call of ``fn`` (after a warm-up call)."""
    import time
    cuda = device.startswith('cuda')
    fn()
    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if cuda else [])
    with profile(activities=activities) as prof:
        start = time.perf_counter()
        fn()
        if cuda:
            torch.cuda.synchronize(device)
        wall = (time.perf_counter() - start) * 1e3
    ops, labels = {}, {}
    for event in prof.key_averages():
        self_us = event.self_device_time_total if cuda else event.self_cpu_time_total
        if event.key.startswith(LABEL):
            total = event.device_time_total if cuda else event.cpu_time_total
            labels[event.key] = (total / 1e3, event.count)
        else:
            ops[event.key] = (self_us / 1e3, event.count)
    return ops, labels, wall


def excess(step: OpTimes, *parts: OpTimes) -> List[Tuple[str, float, float, int, int]]:
    """(op, excess ms, step ms, step calls, calls of the parts) sorted by excess."""
    rows = []
    for op, (ms, calls) in step.items():
        base_ms = sum(p.get(op, (0.0, 0))[0] for p in parts)
        base_calls = sum(p.get(op, (0.0, 0))[1] for p in parts)
        rows.append((op, ms - base_ms, ms, calls, base_calls))
    return sorted(rows, key=lambda r: -r[1])


def main(argv=None) -> Dict[str, object]:
    from mmdet.utils import register_all_modules
    args = parse_args(argv)
    args.reps = 1
    register_all_modules(init_default_scope=True)
    torch.manual_seed(0)
    student = speed.build_model(speed.STUDENT)
    plain_ops, _, plain_wall = profiled(speed.train_step(student, student.loss, args),
                                        args.device)
    speed.log(f'plain student step: {plain_wall:.0f} ms')
    lines = [f'Device: {speed.device_name(args.device)}; torch {torch.__version__}; input '
             f'{args.batch} x {args.size[0]}x{args.size[1]}, {args.gts} GTs per image; one '
             'profiled call after a warm-up.', '']
    results = {}
    for method in args.methods:
        model = speed.build_model(*speed.METHODS[method])
        inputs, _ = speed.random_batch(args)
        teacher_ops, _, teacher_wall = profiled(lambda: model.teacher_outputs(inputs),
                                                args.device)
        step_ops, labels, step_wall = profiled(speed.train_step(model, model.loss, args),
                                               args.device)
        n = len(model.teachers)
        base = plain_wall + n * teacher_wall
        speed.log(f'{method}: step {step_wall:.0f} ms vs (a) + {n} (b) {base:.0f} ms')
        teacher_parts = [teacher_ops] * n
        rows = excess(step_ops, plain_ops, *teacher_parts)
        results[method] = dict(step=step_wall, plain=plain_wall, teacher=teacher_wall,
                               teachers=n, labels=labels, excess=rows[:args.top])
        lines += [f'### {method}', '',
                  f'step {step_wall:.0f} ms; (a) plain step {plain_wall:.0f} ms + {n} x (b) '
                  f'teacher forward {teacher_wall:.0f} ms = {base:.0f} ms; ratio '
                  f'{step_wall / base:.3f} (one profiled call: noisier than speed.py)', '',
                  '| phase (ld_plugin label) | ms (inclusive) | calls |', '|---|---|---|']
        lines += [f'| `{k}` | {ms:.0f} | {c} |' for k, (ms, c) in sorted(labels.items())]
        lines += ['', f'| operator | excess ms | ms in the step | calls (step / (a) + {n} (b)) |',
                  '|---|---|---|---|']
        lines += [f'| `{op}` | {d:+.0f} | {ms:.0f} | {c} / {bc} |'
                  for op, d, ms, c, bc in rows[:args.top]]
        lines.append('')
    text = '\n'.join(lines)
    print('\n' + text)
    if args.out:
        with open(args.out, 'w') as f:
            f.write('<!-- written by: python tools/benchmark/profile_step.py '
                    f'{shlex.join(sys.argv[1:] if argv is None else argv)} -->\n' + text)
        speed.log(f'wrote {args.out}')
    return results


if __name__ == '__main__':
    main()
