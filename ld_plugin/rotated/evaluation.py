"""DOTA mAP computed in the evaluating process.

mmrotate's ``eval_rbbox_map`` opens a pool of 4 *spawned* processes for every IoU threshold
and never closes it; each process re-imports torch and mmrotate. On a small CPU machine one
evaluation at the 10 COCO-style thresholds then takes minutes and leaves 40 processes
behind. :class:`InProcessDOTAMetric` gives the same numbers with the per-image TP/FP
computed by a thread pool inside the process (closed after each threshold).
"""
from contextlib import contextmanager
from multiprocessing.pool import ThreadPool
from typing import Iterator
from unittest import mock

from mmrotate.evaluation.functional import mean_ap
from mmrotate.evaluation.metrics import DOTAMetric
from mmrotate.registry import METRICS


class _ThreadPoolContext:
    """Stands in for ``multiprocessing.get_context('spawn')``: ``Pool`` is a thread pool."""

    def __init__(self) -> None:
        self.pools = []

    def Pool(self, processes: int) -> ThreadPool:  # noqa: N802 (multiprocessing's name)
        pool = ThreadPool(processes)
        self.pools.append(pool)
        return pool


@contextmanager
def in_process_rbbox_map() -> Iterator[None]:
    """Within this block, ``mmrotate``'s DOTA evaluation uses threads, not processes."""
    context = _ThreadPoolContext()
    with mock.patch.object(mean_ap, 'get_context', lambda method: context):
        try:
            yield
        finally:
            for pool in context.pools:
                pool.close()
                pool.join()


@METRICS.register_module()
class InProcessDOTAMetric(DOTAMetric):
    """:class:`DOTAMetric` (same arguments and results) evaluated in the calling process."""

    def compute_metrics(self, results: list) -> dict:
        with in_process_rbbox_map():
            return super().compute_metrics(results)
