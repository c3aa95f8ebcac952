"""The mini-benchmark on the synthetic shapes: ``tools/benchmark/compare.py`` without ``--data``.

    python tools/benchmark/mini.py [--methods ld bckd rm-pfi] [--seeds 0 1] [--jobs 2] ...

Kept so that the commands in docs/benchmarks/mini*.md still run; every option is compare.py's.
"""
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))

from compare import main  # noqa: E402

if __name__ == '__main__':
    sys.exit(main(program='tools/benchmark/mini.py'))
