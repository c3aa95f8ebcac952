"""Print the root mean square of a detector's FPN features per level (the scale that feature
terms such as PFI and feature imitation square: a level whose RMS is 10x the others dominates
them by 100x).

    python tools/analysis/feature_rms.py CONFIG CHECKPOINT [--images 16] [--seed 0]

The images are the seeded synthetic-shapes batch of ``loss_values.py`` (192 px), passed through
the config's data preprocessor, so the numbers are comparable across detectors and machines.
"""
import argparse
import os.path as osp
import sys
from typing import List

import torch
from mmengine.config import Config

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
from loss_values import example_batch  # noqa: E402

import ld_plugin  # noqa: E402,F401
from ld_plugin.analysis.inference import load_detector  # noqa: E402


def feature_rms(model: torch.nn.Module, data: dict) -> List[float]:
    """RMS over batch, channels and positions of each FPN level of ``model.extract_feat``."""
    with torch.no_grad():
        inputs = model.data_preprocessor(data, False)['inputs']
        return [feature.pow(2).mean().sqrt().item() for feature in model.extract_feat(inputs)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--images', type=int, default=16)
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args()
    try:  # a missing config or checkpoint: one line naming it
        if 'teacher_config' in Config.fromfile(args.config).model:
            raise SystemExit(f'{args.config} is a distillation config; give the detector\'s own '
                             'config (the teacher config or the plain student config)')
        model = load_detector(args.config, args.checkpoint)
    except FileNotFoundError as error:
        raise SystemExit(str(error)) from None
    levels = feature_rms(model, example_batch(args.seed, num_images=args.images))
    print(f'{osp.basename(args.config)}: FPN feature RMS per level '
          + ' / '.join(f'P{3 + i} {rms:.1f}' for i, rms in enumerate(levels)))


if __name__ == '__main__':
    main()
