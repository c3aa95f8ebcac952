"""Publish a trained checkpoint as a release: weights only, optionally float16, named by hash.

    python tools/publish_checkpoint.py work_dirs/.../iter_2000.pth checkpoints/NAME [--fp16]

Like mmdet's ``tools/model_converters/publish_model.py``: keeps ``state_dict`` and ``meta``
(dataset classes, versions), drops the optimizer and the message hub, and names the file
``NAME-<first 8 hex digits of its SHA-256>.pth``. ``--fp16`` stores the floating tensors in
half precision (half the size; they are cast back to float32 when loaded into a model). Prints
the full SHA-256 to record next to the release (``docs/model_zoo.md``).
"""
import argparse
import hashlib
import os
import os.path as osp
import sys

import torch


def publish(in_file: str, out_stem: str, fp16: bool = False) -> tuple:
    """Write the release; returns (path, SHA-256 hex digest).

    Raises:
        FileNotFoundError: ``in_file`` missing.
        ValueError: ``in_file`` has no ``state_dict``.
    """
    if not osp.isfile(in_file):
        raise FileNotFoundError(f'{in_file} does not exist')
    checkpoint = torch.load(in_file, map_location='cpu', weights_only=False)
    if 'state_dict' not in checkpoint:
        raise ValueError(f'{in_file} has no state_dict: not an mmengine checkpoint')
    state = checkpoint['state_dict']
    if fp16:
        state = {k: v.half() if v.is_floating_point() else v for k, v in state.items()}
    release = dict(state_dict=state, meta=checkpoint.get('meta', {}))
    stem = out_stem[:-4] if out_stem.endswith('.pth') else out_stem
    os.makedirs(osp.dirname(osp.abspath(stem)), exist_ok=True)
    tmp = stem + '.tmp.pth'
    torch.save(release, tmp)
    with open(tmp, 'rb') as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    path = f'{stem}-{digest[:8]}.pth'
    os.replace(tmp, path)
    return path, digest


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('in_file', help='trained checkpoint (mmengine)')
    parser.add_argument('out_stem', help='output path without the hash suffix')
    parser.add_argument('--fp16', action='store_true', help='store floating tensors as float16')
    args = parser.parse_args(argv)
    try:
        path, digest = publish(args.in_file, args.out_stem, args.fp16)
    except (FileNotFoundError, ValueError) as err:
        print(f'error: {err}', file=sys.stderr)
        return 2
    print(f'{path}\nsha256 {digest}\nsize {osp.getsize(path) / 2**20:.1f} MiB')
    return 0


if __name__ == '__main__':
    sys.exit(main())
