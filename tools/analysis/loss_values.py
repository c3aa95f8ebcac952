"""Print every loss of one or more distillation configs on one shared, seeded example batch.

    python tools/analysis/loss_values.py CONFIG [CONFIG ...] [--teacher-ckpt CKPT] [--seed 0]

Student (and, without --teacher-ckpt, teacher) weights are initialised from the seed, so the
numbers are comparable across configs and machines; the batch is synthetic shapes data.
"""
import argparse
import os.path as osp
import sys

import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
from mmdet.registry import MODELS  # noqa: E402
from mmdet.structures import DetDataSample  # noqa: E402
from mmengine.structures import InstanceData  # noqa: E402

import ld_plugin  # noqa: E402,F401
from ld_plugin.datasets.synthetic import CLASSES, render_image  # noqa: E402


def example_batch(seed: int, size: int = 192, num_images: int = 2) -> dict:
    """Synthetic images with their boxes, packed like mmdet's PackDetInputs does."""
    import numpy as np
    inputs, samples = [], []
    for i in range(num_images):
        image, objects = render_image(np.random.default_rng([seed, i]), size)
        inputs.append(torch.from_numpy(image[..., ::-1].copy()).permute(2, 0, 1))
        boxes = torch.tensor([[x, y, x + w, y + h] for (x, y, w, h), _ in objects])
        sample = DetDataSample(metainfo=dict(img_shape=(size, size), ori_shape=(size, size),
                                             pad_shape=(size, size), scale_factor=(1.0, 1.0)))
        sample.gt_instances = InstanceData(
            bboxes=boxes.float(), labels=torch.tensor([c for _, c in objects]))
        samples.append(sample)
    return pseudo_collate([dict(inputs=x, data_samples=s) for x, s in zip(inputs, samples)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('configs', nargs='+')
    parser.add_argument('--teacher-ckpt', help='teacher weights (default: seeded random teacher)')
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args()
    data = example_batch(args.seed)
    rows = []
    for path in args.configs:
        cfg = Config.fromfile(path)
        cfg.model.teacher_ckpt = args.teacher_ckpt
        cfg.model.allow_random_teacher = args.teacher_ckpt is None  # documented default
        if cfg.model.bbox_head.get('num_classes') != len(CLASSES):
            raise SystemExit(f'{path}: the example batch has {len(CLASSES)} classes, the config '
                             f"{cfg.model.bbox_head.get('num_classes')}; "
                             'use a configs/mini/ config')
        torch.manual_seed(args.seed)
        model = MODELS.build(cfg.model)
        model.init_weights()
        model.train()
        batch = model.data_preprocessor(data, training=True)
        with torch.no_grad():
            losses = model.loss(batch['inputs'], batch['data_samples'])
        values = {k: float(sum(v) if isinstance(v, (list, tuple)) else v)
                  for k, v in losses.items()}
        rows.append((osp.basename(path), values))
    for name, values in rows:
        print(f'\n{name}')
        for key, value in values.items():
            print(f'  {key:<18} {value:.6f}')


if __name__ == '__main__':
    main()
