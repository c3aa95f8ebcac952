"""Speed of distillation, as ratios measured in one run (CPU here, GPU when there is one).

    python tools/benchmark/speed.py [--size 800 1333] [--batch 2] [--reps 3] [--device cpu]
                                    [--out docs/benchmarks/speed.md]

1. Training step of the GFL R-50 student with the R-101 teacher (COCO configs, random
   weights, random images and boxes): (a) the plain student step, (b) the teacher forward
   alone, (c) the distillation step of each method; reports (c) / ((a) + (b)), whose excess
   over 1 is what the distillation terms and the VLR assignment cost (target <= 1.05). A
   method with n teachers (the LD recipe averaged over two copies of the teacher) is divided
   by (a) + n (b). (d), the student step with the teacher forward inside it and no term,
   separates what running both networks in one step costs from what the distillation adds:
   (c) / (d).
2. The Main LD loss of ``DistillGFLHead`` against mmdet's ``LDHead`` on identical inputs:
   same loss value, time ratio of ``loss`` forward + backward.
3. ``VLRATSSAssigner`` against mmdet's ``ATSSAssigner`` on the priors of one image, with 10 and
   100 ground-truth boxes.
Every comparison is timed round-robin (each round times all its items once, ``--reps`` rounds
after a warm-up round); times are medians, each ratio is the median of the per-round ratios.
"""
import argparse
import os.path as osp
import platform
import shlex
import statistics
import sys
import time
from typing import Callable, Dict, List, Optional

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, ROOT)

import torch  # noqa: E402
from mmdet.registry import MODELS, TASK_UTILS  # noqa: E402
from mmdet.structures import DetDataSample  # noqa: E402
from mmdet.utils import register_all_modules  # noqa: E402
from mmengine.config import Config, ConfigDict  # noqa: E402
from mmengine.hub import get_config  # noqa: E402
from mmengine.structures import InstanceData  # noqa: E402

import ld_plugin  # noqa: E402,F401
from ld_plugin.models.distill import DistillOutputs  # noqa: E402

KD_TERMS = Config.fromfile(osp.join(ROOT, 'configs/_base_/distill/kd_terms.py'))
LD_TERMS = Config.fromfile(osp.join(ROOT, 'configs/_base_/distill/ld_terms.py'))
STUDENT = 'mmdet::gfl/gfl_r50_fpn_1x_coco.py'
#: method -> (config, distill_terms override or None[, number of teachers averaged])
METHODS = {
    'LD (full recipe)': ('configs/ld/ld_r50-gflv1-r101_fpn_1x_coco.py', None),
    'BCKD': ('configs/bckd/bckd_r50-gflv1-r101_fpn_1x_coco.py', None),
    'RM + PFI': ('configs/ld/ld_r50-gflv1-r101_fpn_1x_coco.py',
                 dict(loss_rm=KD_TERMS.rank_mimicking, loss_pfi=KD_TERMS.pfi)),
    'feature imitation (GI box)': (
        'configs/feature_imitation/fi-gibox_r50-gflv1-r101_fpn_1x_coco.py', None),
    'CrossKD': ('configs/crosskd/crosskd_r50-gflv1-r101-ms-2x_fpn_1x_coco.py', None),
    'CrossKD + PKD': ('configs/crosskd/crosskd-pkd_r50-gflv1-r101-ms-2x_fpn_1x_coco.py', None),
    'LD (full recipe), two teachers': ('configs/ld/ld_r50-gflv1-r101_fpn_1x_coco.py', None, 2),
}


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--size', type=int, nargs=2, default=(800, 1333), metavar=('H', 'W'),
                        help='input size (default: 800 1333, COCO)')
    parser.add_argument('--batch', type=int, default=2, help='images per step (default: 2)')
    parser.add_argument('--gts', type=int, default=10, help='GT boxes per image (default: 10)')
    parser.add_argument('--reps', type=int, default=3, help='timed runs per item (default: 3)')
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--amp', choices=['off', 'on', 'both'], default='off',
                        help='time the training steps in mixed precision too (autocast: float16 '
                        'with a loss scaler on CUDA, bfloat16 on CPU); default off')
    parser.add_argument('--methods', nargs='+', default=list(METHODS), choices=list(METHODS),
                        metavar='METHOD', help=f'methods to time (default: all: {list(METHODS)})')
    parser.add_argument('--skip', nargs='+', default=[], choices=['steps', 'ld-head', 'assigner'],
                        help='parts to leave out')
    parser.add_argument('--out', help='write the markdown report here')
    args = parser.parse_args(argv)
    if min(args.size) < 64 or args.batch < 1 or args.reps < 1 or args.gts < 1:
        parser.error(f'--size {args.size} must be >= 64 px, --batch/--reps/--gts >= 1')
    return args


def log(message: str) -> None:
    print(f'[speed] {message}', flush=True)


def median_seconds(fn: Callable[[], None], reps: int, device: str,
                   warmup: bool = True) -> float:
    """Median wall time of ``fn`` over ``reps`` runs (after one warm-up run)."""
    def sync():
        if device.startswith('cuda'):
            torch.cuda.synchronize()

    if warmup:
        fn()
    times = []
    for _ in range(reps):
        sync()
        start = time.perf_counter()
        fn()
        sync()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def round_robin(items: Dict[str, Callable[[], None]], reps: int, device: str,
                label: Optional[str] = None) -> Dict[str, List[float]]:
    """Time every item once per round, ``reps`` rounds after a warm-up round: a change of the
    machine's load then affects all items of a round alike (ratios are taken per round)."""
    times = {name: [] for name in items}
    for round_index in range(reps + 1):
        for name, fn in items.items():
            elapsed = median_seconds(fn, 1, device, warmup=False)
            if round_index:
                times[name].append(elapsed)
        if round_index and label is not None:
            log(f'{label}round {round_index}/{reps}: ' +
                ', '.join(f'{name} {times[name][-1]:.3f} s' for name in items))
    return times


def peak_bytes(fn: Callable[[], None], device: str) -> int:
    """Peak of the tensor memory allocated during one call of ``fn``, above the level before
    it: the CUDA allocator's peak counter, or on CPU the profiler's allocation and free events
    in time order."""
    if device.startswith('cuda'):
        torch.cuda.synchronize(device)
        torch.cuda.reset_peak_memory_stats(device)
        before = torch.cuda.memory_allocated(device)
        fn()
        torch.cuda.synchronize(device)
        return torch.cuda.max_memory_allocated(device) - before
    from torch.profiler import ProfilerActivity, profile
    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
        fn()
    current = peak = 0
    for event in sorted(prof.events(), key=lambda e: e.time_range.start):
        # an operator's own allocations net of its frees; frees outside operators: [memory]
        current += event.cpu_memory_usage if event.name == '[memory]' \
            else event.self_cpu_memory_usage
        peak = max(peak, current)
    return peak


def median_ratio(numerators: List[float], denominators: List[float]) -> float:
    return statistics.median(n / d for n, d in zip(numerators, denominators))


def random_boxes(num: int, height: int, width: int, generator: torch.Generator) -> torch.Tensor:
    """``num`` boxes (x1, y1, x2, y2) of 16 px to half the image inside ``height`` x ``width``."""
    size = torch.rand(num, 2, generator=generator) * torch.tensor([width, height]) / 2 + 16
    corner = torch.rand(num, 2, generator=generator) * (
        torch.tensor([width, height]) - size).clamp(min=1)
    return torch.cat([corner, corner + size], dim=1)


def random_batch(args, num_classes: int = 80):
    generator = torch.Generator().manual_seed(0)
    height, width = args.size
    inputs = torch.randn(args.batch, 3, height, width, generator=generator)
    samples = []
    for _ in range(args.batch):
        sample = DetDataSample(metainfo=dict(img_shape=(height, width), pad_shape=(height, width),
                                             batch_input_shape=(height, width),
                                             scale_factor=(1.0, 1.0)))
        sample.gt_instances = InstanceData(
            bboxes=random_boxes(args.gts, height, width, generator),
            labels=torch.randint(0, num_classes, (args.gts,), generator=generator))
        samples.append(sample)
    return inputs.to(args.device), [s.to(args.device) for s in samples]


def load_config(spec: str) -> Config:
    """``mmdet::...`` (installed mmdet's configs) or a path relative to the repository."""
    return get_config(spec) if '::' in spec else Config.fromfile(osp.join(ROOT, spec))


def build_model(config: str, distill_terms=None, teachers: int = 1):
    """The model of ``config`` with random weights; ``teachers`` > 1 averages that many copies
    of its teacher (:func:`ld_plugin.utils.teacher_ensemble.ensemble_overrides`)."""
    cfg = load_config(config)
    model_cfg = cfg.model
    if distill_terms is not None:
        model_cfg.bbox_head.distill_terms = ConfigDict(distill_terms)
    if teachers > 1:
        from ld_plugin.utils.config import resolve_teacher_config
        from ld_plugin.utils.teacher_ensemble import ensemble_overrides
        teacher = resolve_teacher_config(model_cfg.teacher_config).to_dict()
        cfg.merge_from_dict(ensemble_overrides(
            model_cfg.to_dict(), {f'teacher{i}': (teacher, None) for i in range(teachers)}))
        model_cfg = cfg.model
        model_cfg.allow_random_teacher = True
    if 'teacher_ckpt' in model_cfg:
        model_cfg.teacher_ckpt = None  # random teacher weights: timing only, no download
        model_cfg.allow_random_teacher = True
    model_cfg.backbone.init_cfg = None
    return MODELS.build(model_cfg)


def autocast(device: str, amp: bool):
    """Mixed precision as mmengine's ``AmpOptimWrapper`` runs it: float16 on CUDA, bfloat16 on
    CPU (where float16 autocast is not supported)."""
    cuda = device.startswith('cuda')
    return torch.autocast('cuda' if cuda else 'cpu',
                          dtype=torch.float16 if cuda else torch.bfloat16, enabled=amp)


def train_step(model, loss: Callable, args, amp: bool = False) -> Callable[[], None]:
    """One training step of ``model`` on a fixed random batch: loss, backward, SGD step (the
    loss under autocast and the backward through a loss scaler with ``amp`` on CUDA)."""
    model.to(args.device).train()
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.SGD(params, lr=1e-6, momentum=0.9)
    scaler = torch.amp.GradScaler('cuda', enabled=amp and args.device.startswith('cuda'))
    inputs, samples = random_batch(args)

    def step():
        optimizer.zero_grad()
        with autocast(args.device, amp):
            losses = loss(inputs, samples)
            total = sum(v.sum() if isinstance(v, torch.Tensor) else sum(x.sum() for x in v)
                        for k, v in losses.items() if 'loss' in k)
        scaler.scale(total).backward()
        scaler.step(optimizer)
        scaler.update()

    return step


def both_networks(student, distiller) -> Callable:
    """A loss function running what a one-teacher distillation step runs, without the
    distillation: the student's features, the teacher forward of ``distiller`` (its outputs
    kept alive until the next call, through the backward as the terms keep them), the
    student's own head losses."""
    kept = []

    def loss(inputs, samples):
        kept.clear()
        x = student.extract_feat(inputs)
        kept.append(distiller.teacher_outputs(inputs))
        return student.bbox_head.loss(x, samples)

    return loss


def time_steps(args) -> List[dict]:
    """(a), (b) and each (c), timed round-robin: every round times all of them once, so that
    a change of machine load affects the numerator and the denominator of a ratio alike; once
    per precision of ``--amp``."""
    log(f'building the plain student ({STUDENT}) and the distillation models '
        f'(batch {args.batch} at {args.size[0]}x{args.size[1]})')
    student = build_model(STUDENT)
    models = {method: build_model(*METHODS[method]) for method in args.methods}
    first = models[args.methods[0]]
    inputs, _ = random_batch(args)
    rows = []
    for amp in {'off': [False], 'on': [True], 'both': [False, True]}[args.amp]:
        items = {'plain': train_step(student, student.loss, args, amp)}
        items.update({method: train_step(model, model.loss, args, amp)
                      for method, model in models.items()})

        def teacher_forward(amp=amp):
            with autocast(args.device, amp):
                first.teacher_outputs(inputs)

        items['teacher'] = teacher_forward
        items['both'] = train_step(student, both_networks(student, first), args, amp)
        precision = 'AMP' if amp else 'float32'
        times = round_robin(items, args.reps, args.device, f'training steps ({precision}): ')
        plain, teacher = (statistics.median(times[k]) for k in ('plain', 'teacher'))
        peaks = {name: peak_bytes(fn, args.device) for name, fn in items.items()}
        for method in args.methods:
            teachers = len(models[method].teachers)
            denominators = [p + teachers * t for p, t in zip(times['plain'], times['teacher'])]
            rows.append(dict(method=method, amp=amp, distill=statistics.median(times[method]),
                             plain=plain, teacher=teacher, teachers=teachers,
                             ratio=median_ratio(times[method], denominators),
                             both=statistics.median(times['both']),
                             ratio_both=median_ratio(times[method], times['both']),
                             peak=peaks[method], peak_plain=peaks['plain'],
                             peak_teacher=peaks['teacher'],
                             memory_ratio=peaks[method] / (peaks['plain']
                                                           + teachers * peaks['teacher'])))
            log(f"{method} ({precision}): {rows[-1]['distill']:.3f} s; ratio "
                f"{rows[-1]['ratio']:.3f}; peak memory {peaks[method] / 2 ** 20:.0f} MiB, "
                f"ratio {rows[-1]['memory_ratio']:.3f}")
    return rows


def gfl_head(head_type: str, **extra):
    cfg = load_config(STUDENT).model
    head = cfg.bbox_head
    head.update(type=head_type, train_cfg=cfg.train_cfg, test_cfg=cfg.test_cfg, **extra)
    return MODELS.build(head)


def time_ld_head(args) -> dict:
    """Main LD only: our DistillGFLHead and mmdet's LDHead with the same weights and inputs."""
    log("Main LD loss: DistillGFLHead vs mmdet's LDHead")
    ours = gfl_head('DistillGFLHead', distill_terms=dict(loss_ld=LD_TERMS.ld_main))
    theirs = gfl_head('LDHead', loss_ld=dict(type='KnowledgeDistillationKLDivLoss',
                                             loss_weight=0.25, T=10))
    theirs.load_state_dict(ours.state_dict())
    ours.to(args.device).train()
    theirs.to(args.device).train()
    _, samples = random_batch(args)
    generator = torch.Generator().manual_seed(1)
    height, width = args.size
    feats = tuple(torch.randn(args.batch, 256, -(-height // s), -(-width // s),
                              generator=generator).to(args.device) for s in (8, 16, 32, 64, 128))
    teacher_feats = tuple(f + 0.5 * torch.randn(f.shape, generator=generator).to(args.device)
                          for f in feats)
    with torch.no_grad():
        teacher_outs = theirs(teacher_feats)
    values = {}

    def step(name, loss):
        def run():
            losses = loss()
            values[name] = {k: float(sum(v).detach() if isinstance(v, (list, tuple))
                                     else v.detach()) for k, v in losses.items()}
            sum(sum(v) if isinstance(v, (list, tuple)) else v for v in losses.values()).backward()
        return run

    times = round_robin(
        {'ours': step('ours', lambda: ours.loss(
            feats, samples,
            teacher=DistillOutputs(feats=teacher_feats, head_outs=teacher_outs))),
         'theirs': step('theirs', lambda: theirs.loss(feats, teacher_outs, samples))},
        args.reps, args.device, 'LD head: ')
    ours_s, theirs_s = statistics.median(times['ours']), statistics.median(times['theirs'])
    result = dict(ours=ours_s, theirs=theirs_s,
                  ratio=median_ratio(times['ours'], times['theirs']),
                  values={k: (values['ours'][k], values['theirs'][k])
                          for k in ('loss_cls', 'loss_bbox', 'loss_dfl', 'loss_ld')})
    log(f'LD head: ours {ours_s:.3f} s, mmdet {theirs_s:.3f} s, ratio {result["ratio"]:.3f}')
    return result


def time_assigners(args) -> List[dict]:
    """VLRATSSAssigner vs ATSSAssigner (topk 9) on one image's GFL anchors."""
    anchor_generator = TASK_UTILS.build(dict(
        type='AnchorGenerator', ratios=[1.0], octave_base_scale=8, scales_per_octave=1,
        strides=[8, 16, 32, 64, 128]))
    height, width = args.size
    sizes = [(-(-height // s), -(-width // s)) for s in (8, 16, 32, 64, 128)]
    anchors = anchor_generator.grid_priors(sizes, device=args.device)
    priors = torch.cat(anchors)
    num_level_priors = [len(a) for a in anchors]
    atss = TASK_UTILS.build(dict(type='ATSSAssigner', topk=9))
    vlr = TASK_UTILS.build(dict(type='VLRATSSAssigner', topk=9))
    rows = []
    for num_gts in (10, 100):
        generator = torch.Generator().manual_seed(num_gts)
        gts = InstanceData(bboxes=random_boxes(num_gts, height, width, generator).to(args.device),
                           labels=torch.zeros(num_gts, dtype=torch.long, device=args.device))
        pred = InstanceData(priors=priors)
        log(f'assigners with {num_gts} GTs on {len(priors)} priors')
        times = round_robin({'atss': lambda: atss.assign(pred, num_level_priors, gts),
                             'vlr': lambda: vlr.assign(pred, num_level_priors, gts)},
                            max(args.reps, 5), args.device)
        base, ours = statistics.median(times['atss']), statistics.median(times['vlr'])
        same = torch.equal(atss.assign(pred, num_level_priors, gts).gt_inds,
                           vlr.assign(pred, num_level_priors, gts).gt_inds)
        rows.append(dict(num_gts=num_gts, priors=len(priors), atss=base, vlr=ours,
                         ratio=median_ratio(times['vlr'], times['atss']), same_positives=same))
        log(f'{num_gts} GTs: ATSS {base * 1e3:.1f} ms, VLR {ours * 1e3:.1f} ms')
    return rows


def device_name(device: str) -> str:
    if device.startswith('cuda'):
        return torch.cuda.get_device_name(torch.device(device))
    return f'{platform.processor() or platform.machine()} CPU, {torch.get_num_threads()} threads'


def report(args, steps, ld_head, assigners) -> str:
    height, width = args.size
    lines = [f'Device: {device_name(args.device)}; torch {torch.__version__}; input '
             f'{args.batch} x {height}x{width}, {args.gts} GTs per image; median of '
             f'{args.reps} runs after a warm-up.', '']
    for amp in sorted({r['amp'] for r in steps}):
        rows = [r for r in steps if r['amp'] == amp]
        plain, teacher = rows[0]['plain'], rows[0]['teacher']
        precision = f'mixed precision ({autocast(args.device, True).fast_dtype})' if amp \
            else 'float32'
        mib = 2 ** 20
        lines += [f'### Training step (GFL R-101 teacher -> GFL R-50 student), {precision}', '',
                  f'(a) plain student step: {plain:.3f} s; (b) teacher forward alone: '
                  f'{teacher:.3f} s; (a) + (b) = {plain + teacher:.3f} s. Peak tensor memory '
                  f"above the idle model: (a) {rows[0]['peak_plain'] / mib:.0f} MiB, (b) "
                  f"{rows[0]['peak_teacher'] / mib:.0f} MiB.", '',
                  f"(d) the student step with the teacher forward inside it and no distillation "
                  f"term: {rows[0]['both']:.3f} s.", '',
                  '| method | (c) distillation step (s) | (c) / ((a) + n (b)), n teachers | '
                  '(c) / (d) | peak memory of (c) (MiB) | peak (c) / ((a) + n (b)) |',
                  '|---|---|---|---|---|---|']
        lines += [f"| {r['method']} | {r['distill']:.3f} | {r['ratio']:.3f} (n = {r['teachers']}) "
                  f"| {r['ratio_both']:.3f} | {r['peak'] / mib:.0f} | {r['memory_ratio']:.3f} |"
                  for r in rows]
        lines.append('')
    if ld_head:
        lines += ["### Main LD: `DistillGFLHead` vs mmdet's `LDHead` (loss forward + backward)",
                  '', f"ours {ld_head['ours']:.3f} s, mmdet {ld_head['theirs']:.3f} s, ratio "
                  f"{ld_head['ratio']:.3f}", '', '| loss | ours | mmdet LDHead |', '|---|---|---|']
        lines += [f'| {k} | {a:.6f} | {b:.6f} |' for k, (a, b) in ld_head['values'].items()]
        lines.append('')
    if assigners:
        lines += ['### `VLRATSSAssigner` vs `ATSSAssigner` (one image)', '',
                  '| GTs | priors | ATSS (ms) | VLR ATSS (ms) | ratio | same positives |',
                  '|---|---|---|---|---|---|']
        lines += [f"| {r['num_gts']} | {r['priors']} | {r['atss'] * 1e3:.1f} | "
                  f"{r['vlr'] * 1e3:.1f} | {r['ratio']:.2f} | {r['same_positives']} |"
                  for r in assigners]
        lines.append('')
    return '\n'.join(lines)


def main(argv=None) -> Dict[str, object]:
    args = parse_args(argv)
    register_all_modules(init_default_scope=True)
    torch.manual_seed(0)
    steps = time_steps(args) if 'steps' not in args.skip else []
    ld_head = time_ld_head(args) if 'ld-head' not in args.skip else None
    assigners = time_assigners(args) if 'assigner' not in args.skip else []
    text = report(args, steps, ld_head, assigners)
    print('\n' + text)
    if args.out:
        with open(args.out, 'w') as f:
            f.write(f'<!-- written by: python tools/benchmark/speed.py '
                    f'{shlex.join(sys.argv[1:] if argv is None else argv)} -->\n' + text)
        log(f'wrote {args.out}')
    return dict(steps=steps, ld_head=ld_head, assigners=assigners)


if __name__ == '__main__':
    main()
