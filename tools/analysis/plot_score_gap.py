"""Per-FPN-level maps of Σ_c |σ(teacher) - σ(student)|, before and after distillation (BCKD's
figure 3).

    python tools/analysis/plot_score_gap.py DISTILL_CONFIG CHECKPOINT IMAGE \\
        [--plain-config PLAIN.py --plain-checkpoint PLAIN.pth] [--teacher-ckpt T.pth] \\
        [--levels 3] [--out score_gap.png]

Row "after": the distilled student (CHECKPOINT) against its teacher; row "before" (with
--plain-*): a student of the same head trained without distillation against the same teacher.
Both rows of a level share one colour scale; the title gives the map's mean.
"""
import argparse
import os.path as osp
import sys

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
import ld_plugin  # noqa: E402,F401
from ld_plugin.analysis.inference import head_outputs, load_detector, preprocess  # noqa: E402
from ld_plugin.analysis.maps import score_gap_maps  # noqa: E402


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='distillation config of the student')
    parser.add_argument('checkpoint', help='distilled student checkpoint')
    parser.add_argument('image')
    parser.add_argument('--plain-config', help='plain student config (the "before" row)')
    parser.add_argument('--plain-checkpoint', help='its checkpoint')
    parser.add_argument('--teacher-ckpt', help="teacher weights (default: the config's)")
    parser.add_argument('--levels', type=int, default=3, help='FPN levels to draw (default: 3)')
    parser.add_argument('--out', default='score_gap.png')
    args = parser.parse_args(argv)
    if (args.plain_config is None) != (args.plain_checkpoint is None):
        parser.error('--plain-config and --plain-checkpoint go together')
    if args.levels < 1:
        parser.error(f'--levels {args.levels} must be >= 1')
    return args


def main(argv=None) -> dict:
    args = parse_args(argv)
    model = load_detector(args.config, args.checkpoint, args.teacher_ckpt)
    if model.__dict__.get('teacher') is None:
        raise SystemExit(f'{args.config} has no teacher; pass the distillation config of the '
                         'student')
    batch = preprocess(model, args.image)
    with torch.no_grad():
        teacher_cls = model.teacher_outputs(batch.inputs).head_outs[0]
    a = model.bbox_head.num_base_priors
    rows = {}
    if args.plain_config:
        plain = load_detector(args.plain_config, args.plain_checkpoint)
        rows['before (plain student)'] = score_gap_maps(
            head_outputs(plain, preprocess(plain, args.image).inputs)[1][0], teacher_cls, a)
    rows['after (distilled student)'] = score_gap_maps(
        head_outputs(model, batch.inputs)[1][0], teacher_cls, a)
    levels = min(args.levels, len(teacher_cls))
    strides = model.bbox_head._strides()
    fig, axes = plt.subplots(len(rows) + 1, levels, figsize=(3.6 * levels, 3.4 * (len(rows) + 1)),
                             squeeze=False)
    for level in range(levels):
        axes[0, level].imshow(batch.image_rgb.numpy())
        axes[0, level].set_title('image')
        vmax = max(float(maps[level].max()) for maps in rows.values())
        for row, (name, maps) in enumerate(rows.items(), start=1):
            ax = axes[row, level]
            shown = ax.imshow(maps[level].numpy(), cmap='magma', vmin=0, vmax=vmax)
            ax.set_title(f'{name}\nstride {strides[level]}: mean {maps[level].mean():.4f}',
                         fontsize=8)
            fig.colorbar(shown, ax=ax, fraction=0.046)
    for ax in axes.flat:
        ax.axis('off')
    fig.tight_layout()
    fig.savefig(args.out, dpi=110)
    plt.close(fig)
    print(f'wrote {args.out}')
    return {name: [float(m.mean()) for m in maps[:levels]] for name, maps in rows.items()}


if __name__ == '__main__':
    main()
