"""InProcessDOTAMetric gives DOTAMetric's numbers without spawning processes."""
import multiprocessing

import numpy as np
import pytest
import torch

pytest.importorskip('mmrotate')
from mmrotate.evaluation.metrics import DOTAMetric  # noqa: E402

from ld_plugin.rotated.evaluation import InProcessDOTAMetric  # noqa: E402

CLASSES = ('a', 'b')


def samples():
    rng = np.random.default_rng(0)
    out = []
    for img_id in range(3):
        gts = np.concatenate([rng.uniform(20, 80, (4, 2)), rng.uniform(8, 30, (4, 2)),
                              rng.uniform(-1.5, 1.5, (4, 1))], 1)
        preds = np.concatenate([gts + rng.normal(0, 2, gts.shape),
                                np.concatenate([rng.uniform(20, 80, (3, 2)),
                                                rng.uniform(8, 30, (3, 2)),
                                                rng.uniform(-1.5, 1.5, (3, 1))], 1)])
        labels = rng.integers(0, 2, 4)
        out.append(dict(
            img_id=img_id,
            gt_instances=dict(bboxes=torch.tensor(gts, dtype=torch.float),
                              labels=torch.tensor(labels)),
            ignored_instances=dict(bboxes=torch.zeros(0, 5), labels=torch.zeros(0).long()),
            pred_instances=dict(bboxes=torch.tensor(preds, dtype=torch.float),
                                scores=torch.tensor(rng.uniform(0.1, 1, 7), dtype=torch.float),
                                labels=torch.tensor(np.concatenate([labels,
                                                                    rng.integers(0, 2, 3)])))))
    return out


def evaluate(metric_cls, **kwargs) -> dict:
    metric = metric_cls(metric='mAP', **kwargs)
    metric.dataset_meta = dict(classes=CLASSES)
    metric.process([], samples())
    return metric.compute_metrics(metric.results)


@pytest.mark.slow  # DOTAMetric spawns 4 processes that import torch
def test_same_numbers_as_dotametric_without_child_processes():
    thresholds = [0.5, 0.75]
    before = len(multiprocessing.active_children())
    got = evaluate(InProcessDOTAMetric, iou_thrs=thresholds)
    assert len(multiprocessing.active_children()) == before
    expected = evaluate(DOTAMetric, iou_thrs=thresholds)
    assert set(got) == set(expected) and 0 < got['mAP'] < 1
    for key in expected:
        assert got[key] == pytest.approx(expected[key]), key
