"""The analysis plots: their maps on hand-built cases, and the tools on tiny checkpoints."""
import subprocess
import sys

import pytest
import torch
from mmdet.registry import MODELS
from mmengine.config import Config

from ld_plugin.analysis.maps import (
    best_prior_for_box,
    edge_distances,
    level_distributions,
    score_gap_maps,
)
from ld_plugin.datasets.synthetic import generate_dataset

from conftest import REPO_ROOT


def test_score_gap_sums_classes_and_averages_anchors():
    student = torch.zeros(1, 2 * 3, 2, 2)  # A = 2 anchors x C = 3 classes
    teacher = torch.zeros(1, 6, 2, 2)
    teacher[0, 0, 0, 0] = 10.0   # anchor 0 class 0: |σ(10) - 0.5|
    teacher[0, 5, 1, 1] = -10.0  # anchor 1 class 2: |σ(-10) - 0.5|
    gap = score_gap_maps([student], [teacher], num_base_priors=2)[0]
    expected = torch.zeros(2, 2)
    expected[0, 0] = (torch.sigmoid(torch.tensor(10.0)) - 0.5) / 2
    expected[1, 1] = (0.5 - torch.sigmoid(torch.tensor(-10.0))) / 2
    torch.testing.assert_close(gap, expected)
    with pytest.raises(ValueError, match='level 0: student logits'):
        score_gap_maps([student], [teacher[:, :3]], 2)


def test_distributions_follow_the_prior_order():
    bins, height, width = 5, 2, 3
    logits = torch.full((1, 4 * bins, height, width), -30.0)
    for y in range(height):
        for x in range(width):
            for edge in range(4):  # peak of edge e at prior (y, x): bin (x + y + e) % 5
                logits[0, edge * bins + (x + y + edge) % bins, y, x] = 30.0
    dists = level_distributions(logits, num_base_priors=1)
    assert dists.shape == (height * width, 4, bins)
    for index in range(height * width):
        y, x = divmod(index, width)
        assert dists[index].argmax(-1).tolist() == [(x + y + e) % bins for e in range(4)]
    torch.testing.assert_close(dists.sum(-1), torch.ones(height * width, 4))


def test_best_prior_is_the_teacher_that_localises_the_box():
    priors = torch.tensor([[0., 0., 8., 8.], [8., 8., 16., 16.], [40., 40., 48., 48.]])
    box = torch.tensor([2., 4., 30., 20.])  # centres (4, 4) and (12, 12) inside, (44, 44) not
    torch.testing.assert_close(edge_distances(priors[:2], box, 8),
                               torch.tensor([[0.25, 0.0, 3.25, 2.0], [1.25, 1.0, 2.25, 1.0]]))
    dists = torch.zeros(3, 4, 5)
    dists[:, :, 0] = 1.0                   # prior 0 predicts a point: far off
    dists[1, :, 1] = 0.5                   # prior 1: E[d] = 0.5 on every edge
    dists[1, :, 0] = 0.5
    dists[2, :, 1] = 1.0                   # prior 2 would fit better but lies outside
    dists[2, :, 0] = 0.0
    level, index, error = best_prior_for_box([priors], [8], [dists], box)
    assert (level, index) == (0, 1)
    assert error == pytest.approx(abs(0.5 - 1.25) + abs(0.5 - 1.0) + abs(0.5 - 2.25)
                                  + abs(0.5 - 1.0))
    with pytest.raises(ValueError, match='no prior has its centre inside'):
        best_prior_for_box([priors[2:]], [8], [dists[2:]], box)


@pytest.fixture(scope='module')
def tiny_checkpoints(tmp_path_factory):
    """Seeded random weights of the mini GFL teacher, plain student and LD student."""
    root = tmp_path_factory.mktemp('analysis')
    generate_dataset(str(root / 'data'), num_train=1, num_val=1, img_size=96, seed=5,
                     progress=None)
    paths = {}
    for name, config in (('teacher', 'gfl_r34_fpn128_synthetic.py'),
                         ('plain', 'gfl_r18w16_fpn64_synthetic.py'),
                         ('ld', 'ld_gfl_r34_r18w16_synthetic.py')):
        cfg = Config.fromfile(str(REPO_ROOT / 'configs/mini' / config))
        cfg.model.pop('teacher_ckpt', None)
        if 'teacher_config' in cfg.model:
            cfg.model.allow_random_teacher = True
        torch.manual_seed(len(name))
        model = MODELS.build(cfg.model)
        paths[name] = str(root / f'{name}.pth')
        torch.save({'state_dict': model.state_dict()}, paths[name])
    return root, paths


def run_tool(script, *args):
    return subprocess.run([sys.executable, str(REPO_ROOT / 'tools/analysis' / script), *args],
                          capture_output=True, text=True, timeout=300, cwd=REPO_ROOT)


@pytest.mark.parametrize('script, extra', [
    ('plot_edge_distributions.py', ['--ann', 'ANN']),
    ('plot_score_gap.py', []),
])
def test_plot_tools_write_png(script, extra, tiny_checkpoints, tmp_path):
    root, paths = tiny_checkpoints
    extra = [str(root / 'data/annotations/instances_val.json') if a == 'ANN' else a
             for a in extra]
    out = tmp_path / 'plot.png'
    proc = run_tool(script, 'configs/mini/ld_gfl_r34_r18w16_synthetic.py', paths['ld'],
                    str(root / 'data/val/000000.png'), '--teacher-ckpt', paths['teacher'],
                    '--plain-config', 'configs/mini/gfl_r18w16_fpn64_synthetic.py',
                    '--plain-checkpoint', paths['plain'], '--out', str(out), *extra)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert out.read_bytes()[:4] == b'\x89PNG' and out.stat().st_size > 5000


def test_plot_tools_need_a_distillation_config(tiny_checkpoints, tmp_path):
    root, paths = tiny_checkpoints
    proc = run_tool('plot_score_gap.py', 'configs/mini/gfl_r18w16_fpn64_synthetic.py',
                    paths['plain'], str(root / 'data/val/000000.png'))
    assert proc.returncode != 0
    assert 'has no teacher; pass the distillation config of the student' in proc.stderr
    proc = run_tool('plot_edge_distributions.py', 'configs/mini/ld_gfl_r34_r18w16_synthetic.py',
                    paths['ld'], str(root / 'data/val/000000.png'), '--ann',
                    str(root / 'data/annotations/instances_val.json'), '--box', '99',
                    '--teacher-ckpt', paths['teacher'])
    assert proc.returncode != 0 and '--box 99: the image has' in proc.stderr
