"""Draw LD's distillation regions for the GT boxes of one image: Main (positives) and VLR.

    python tools/analysis/plot_regions.py CONFIG IMAGE --ann ANNOTATIONS.json [--out regions.png]

The regions depend only on the student head's priors and ``train_cfg.assigner`` (a
``VLRATSSAssigner``, or ``VLRMaxIoUAssigner`` for RetinaNet), not on weights, so no checkpoint
is needed. One panel per FPN level shows each prior centre: green = Main region (positive), red
with opacity = VLR weight (IoU); several anchors per location share a centre.
"""
import argparse
import os.path as osp
import sys

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from mmengine.config import Config  # noqa: E402
from mmengine.structures import InstanceData  # noqa: E402
from PIL import Image  # noqa: E402

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
from mmdet.registry import TASK_UTILS  # noqa: E402

import ld_plugin  # noqa: E402,F401
from ld_plugin.analysis.inference import load_coco_boxes  # noqa: E402


def compute_regions(cfg: Config, height: int, width: int, gt_bboxes: torch.Tensor):
    head_cfg = cfg.model.bbox_head
    prior_generator = TASK_UTILS.build(head_cfg.anchor_generator)
    assigner_cfg = (cfg.model.get('train_cfg') or {}).get('assigner')
    if assigner_cfg is None or 'anchor_generator' not in head_cfg:
        raise SystemExit(f'{head_cfg.type} assigns without an assigner and anchors (FCOS: its '
                         'VLR is every point inside a GT box that is not positive); use an '
                         'anchor-based config with a VLR assigner')
    assigner = TASK_UTILS.build(assigner_cfg)
    if not getattr(assigner, 'provides_vlr_weights', False):
        raise SystemExit(f'{type(assigner).__name__} gives no VLR; use a config with '
                         "train_cfg.assigner=dict(type='VLRATSSAssigner') (or "
                         "'VLRMaxIoUAssigner' for RetinaNet)")
    strides = [s[0] for s in prior_generator.strides]
    sizes = [(int(np.ceil(height / s)), int(np.ceil(width / s))) for s in strides]
    priors = prior_generator.grid_priors(sizes, device='cpu')
    gts = InstanceData(bboxes=gt_bboxes, labels=torch.zeros(len(gt_bboxes), dtype=torch.long))
    levels = [len(p) for p in priors]
    if getattr(assigner, 'needs_num_level_priors', False):  # VLRMaxIoUAssigner
        result = assigner.assign(InstanceData(priors=torch.cat(priors)), gts,
                                 num_level_priors=levels)
    else:
        result = assigner.assign(InstanceData(priors=torch.cat(priors)), levels, gts)
    pos = (result.gt_inds > 0).float()
    vlr = result.get_extra_property('vlr_weights')
    return strides, priors, pos.split([len(p) for p in priors]), vlr.split(
        [len(p) for p in priors])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('image')
    parser.add_argument('--ann', required=True, help='COCO annotation file holding the image')
    parser.add_argument('--out', default='regions.png')
    parser.add_argument('--levels', type=int, default=3, help='number of FPN levels to draw')
    args = parser.parse_args()
    cfg = Config.fromfile(args.config)
    image = np.asarray(Image.open(args.image).convert('RGB'))
    try:
        gt = load_coco_boxes(args.ann, args.image)
    except ValueError as error:
        raise SystemExit(str(error))
    strides, priors, pos, vlr = compute_regions(cfg, image.shape[0], image.shape[1], gt)
    levels = min(args.levels, len(strides))
    fig, axes = plt.subplots(1, levels, figsize=(4 * levels, 4.3))
    for level, ax in enumerate(np.atleast_1d(axes)):
        ax.imshow(image)
        for x1, y1, x2, y2 in gt.tolist():
            ax.add_patch(plt.Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False, color='yellow',
                                       lw=1.5))
        centres = (priors[level][:, :2] + priors[level][:, 2:]) / 2
        w = vlr[level].numpy()
        in_vlr = w > 0
        if in_vlr.any():
            ax.scatter(centres[in_vlr, 0], centres[in_vlr, 1], s=18, c='red',
                       alpha=0.3 + 0.7 * w[in_vlr], edgecolors='white', linewidths=0.4,
                       label='VLR (opacity grows with IoU)')
        main = pos[level].numpy() > 0
        if main.any():
            ax.scatter(centres[main, 0], centres[main, 1], s=22, c='lime', marker='s',
                       label='Main (positives)')
        ax.set_title(f'stride {strides[level]}: {int(main.sum())} Main, {int(in_vlr.sum())} VLR')
        ax.set_xlim(0, image.shape[1])
        ax.set_ylim(image.shape[0], 0)
        ax.axis('off')
    np.atleast_1d(axes)[0].legend(loc='lower left', fontsize=7)
    fig.tight_layout()
    fig.savefig(args.out, dpi=110)
    print(f'wrote {args.out}')


if __name__ == '__main__':
    main()
