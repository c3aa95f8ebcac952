"""The teacher's and the student's edge distributions of one box, the picture LD is about.

    python tools/analysis/plot_edge_distributions.py DISTILL_CONFIG CHECKPOINT IMAGE \\
        --ann ANNOTATIONS.json [--box 0] [--teacher-ckpt T.pth] \\
        [--plain-config PLAIN.py --plain-checkpoint PLAIN.pth] [--out edges.png]

DISTILL_CONFIG is the student's distillation config (it names the teacher), CHECKPOINT the
distilled student. The box is a GT of IMAGE in the COCO file (default: the largest); the prior
drawn is the one, among priors centred inside it, whose teacher edge distributions localise it
best (expected distances nearest the GT's). Each
edge panel shows softmax(logits) over the bins (distance from the prior centre in strides) of
the teacher, the distilled student and optionally a plain (not distilled) student, with the GT
distance dashed. For heads with 4 edge distributions (GFL, ATSS/FCOS/RetinaNet distribution
heads).
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
from ld_plugin.analysis.inference import head_outputs, load_coco_boxes, load_detector, preprocess  # noqa: E402
from ld_plugin.analysis.maps import best_prior_for_box, edge_distances, level_distributions  # noqa: E402

EDGES = ('left', 'top', 'right', 'bottom')


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='distillation config of the student')
    parser.add_argument('checkpoint', help='distilled student checkpoint')
    parser.add_argument('image')
    parser.add_argument('--ann', required=True, help='COCO annotation file holding the image')
    parser.add_argument('--box', type=int, default=None,
                        help='GT index in the image (default: the largest box)')
    parser.add_argument('--teacher-ckpt', help="teacher weights (default: the config's)")
    parser.add_argument('--plain-config', help='a plain student config, to draw it too')
    parser.add_argument('--plain-checkpoint', help='its checkpoint')
    parser.add_argument('--out', default='edge_distributions.png')
    args = parser.parse_args(argv)
    if (args.plain_config is None) != (args.plain_checkpoint is None):
        parser.error('--plain-config and --plain-checkpoint go together')
    return args


def check_head(model, config: str):
    teacher = model.__dict__.get('teacher')
    if teacher is None:
        raise SystemExit(f'{config} has no teacher; pass the distillation config of the student')
    head = model.bbox_head
    if not hasattr(head, 'reg_max') or getattr(head, 'distributions_per_prior', 4) != 4:
        raise SystemExit(f'{type(head).__name__} has no 4 edge distributions; use a GFL or '
                         'distribution ATSS/FCOS/RetinaNet student')
    return head


def main(argv=None) -> str:
    args = parse_args(argv)
    model = load_detector(args.config, args.checkpoint, args.teacher_ckpt)
    head = check_head(model, args.config)
    batch = preprocess(model, args.image)
    scale = torch.tensor(batch.data_sample.metainfo['scale_factor']).repeat(2)
    gts = load_coco_boxes(args.ann, args.image) * scale
    if len(gts) == 0:
        raise SystemExit(f'{args.image} has no GT box in {args.ann}')
    areas = (gts[:, 2:] - gts[:, :2]).prod(1)
    index = int(areas.argmax()) if args.box is None else args.box
    if not 0 <= index < len(gts):
        raise SystemExit(f'--box {index}: the image has {len(gts)} GT boxes (0..{len(gts) - 1})')
    box = gts[index]

    with torch.no_grad():
        teacher_outs = model.teacher_outputs(batch.inputs).head_outs
        _, student_outs = head_outputs(model, batch.inputs)
    sizes = [c.shape[-2:] for c in student_outs[0]]
    priors = head.distill_priors(sizes, student_outs[0][0])
    strides = head._strides()
    a = head.num_base_priors
    teacher_dists = [level_distributions(t, a) for t in teacher_outs[1]]
    level, prior_index, error = best_prior_for_box(priors, strides, teacher_dists, box)
    curves = {'teacher': teacher_outs, 'distilled student': student_outs}
    if args.plain_config:
        plain = load_detector(args.plain_config, args.plain_checkpoint)
        curves['plain student'] = head_outputs(plain, preprocess(plain, args.image).inputs)[1]
    dists = {name: level_distributions(outs[1][level], a)[prior_index]
             for name, outs in curves.items()}
    target = edge_distances(priors[level][prior_index, None], box, strides[level])[0]

    fig, axes = plt.subplots(1, 5, figsize=(18, 3.6))
    image = batch.image_rgb.numpy()
    axes[0].imshow(image)
    x1, y1, x2, y2 = box.tolist()
    axes[0].add_patch(plt.Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False, color='yellow'))
    centre = ((priors[level][prior_index, :2] + priors[level][prior_index, 2:4]) / 2).tolist()
    axes[0].plot(*centre, 'r+', markersize=12)
    axes[0].set_title(f'GT {index}, prior (+) at stride {strides[level]}\n'
                      f'teacher error {error:.2f} strides', fontsize=9)
    axes[0].axis('off')
    bins = torch.arange(head.reg_max + 1)
    styles = {'teacher': 'k-o', 'distilled student': 'C0-s', 'plain student': 'C3-^'}
    for edge, ax in enumerate(axes[1:]):
        for name, dist in dists.items():
            ax.plot(bins, dist[edge].numpy(), styles[name], markersize=3, label=name)
        ax.axvline(float(target[edge]), color='gray', linestyle='--', label='GT')
        ax.set_title(f'{EDGES[edge]} edge')
        ax.set_xlabel('distance (strides)')
        ax.set_ylim(0, 1)
    axes[1].set_ylabel('probability')
    axes[1].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(args.out, dpi=110)
    plt.close(fig)
    print(f'wrote {args.out}')
    return args.out


if __name__ == '__main__':
    main()
