"""Degenerate data never crashes a distillation term or makes it non-finite.

Property-based (hypothesis): every term of every method on images with no GT, only ignored GTs,
zero-area or out-of-image boxes, one box covering the image, or hundreds of boxes, with the
teacher's logits scaled up to saturation; values and gradients must be finite. Also under bf16
autocast on the CPU.
"""
import copy

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mmdet.registry import MODELS
from mmdet.structures import DetDataSample
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmengine.structures import InstanceData

from ld_plugin.models.distill import DistillOutputs

from conftest import LD_TERMS, REPO_ROOT, tiny_distill

SIZE = 64
NUM_CLASSES = 3
KD = Config.fromfile(str(REPO_ROOT / 'configs/_base_/distill/kd_terms.py'))
LD = Config.fromfile(str(REPO_ROOT / 'configs/_base_/distill/ld_terms.py'))
TERM_SETS = {
    'ld': LD_TERMS,
    'ld+vlr-kd': dict(loss_ld=LD.ld_main, loss_vlr_ld=LD.ld_vlr, loss_kd=LD.kd_main,
                      loss_vlr_kd=LD.kd_vlr),
    'bckd': KD.bckd,
    'rm+pfi': dict(loss_rm=KD.rank_mimicking,
                   loss_pfi=dict(loss=dict(KD.pfi.loss, student_channels=16,
                                           teacher_channels=16))),
    'imitation': dict(
        loss_fi_gt=dict(region='inside_gt', loss=dict(type='FeatureImitationLoss',
                                                   student_channels=16, teacher_channels=16)),
        loss_fi_fg=dict(region='finegrained', loss=dict(type='FeatureImitationLoss',
                                                        student_channels=16, teacher_channels=16)),
        loss_fi_gi=dict(region='gibox', loss=dict(type='FeatureImitationLoss',
                                                  student_channels=16, teacher_channels=16))),
}
_MODELS = {}


def model_for(term_set: str):
    if term_set not in _MODELS:
        terms = copy.deepcopy(dict(TERM_SETS[term_set]))
        terms = Config(dict(t=terms)).t.to_dict()
        torch.manual_seed(0)
        with DefaultScope.overwrite_default_scope('mmdet'):
            _MODELS[term_set] = MODELS.build(tiny_distill(terms=terms)).train()
    return _MODELS[term_set]


coordinate = st.floats(min_value=-2 * SIZE, max_value=3 * SIZE, allow_nan=False, width=32)


@st.composite
def boxes(draw, max_boxes: int = 8):
    """x1y1x2y2 boxes of several kinds: random (also outside the image), zero-area, covering
    the image; or hundreds of random ones."""
    kind = draw(st.sampled_from(['none', 'random', 'zero_area', 'cover', 'mixed', 'many']))
    if kind == 'none':
        return torch.zeros(0, 4)
    if kind == 'cover':
        return torch.tensor([[0.0, 0.0, SIZE, SIZE]])
    if kind == 'many':
        seed = draw(st.integers(0, 2**31 - 1))
        g = torch.Generator().manual_seed(seed)
        xy = torch.rand(300, 2, generator=g) * SIZE
        wh = torch.rand(300, 2, generator=g) * SIZE / 4
        return torch.cat([xy, xy + wh], dim=1)
    n = draw(st.integers(1, max_boxes))
    rows = []
    for _ in range(n):
        x1, y1, x2, y2 = (draw(coordinate) for _ in range(4))
        x1, x2 = min(x1, x2), max(x1, x2)
        y1, y2 = min(y1, y2), max(y1, y2)
        if kind == 'zero_area' or (kind == 'mixed' and draw(st.booleans())):
            x2 = x1  # zero width
        rows.append([x1, y1, x2, y2])
    return torch.tensor(rows, dtype=torch.float32)


def sample(gt: torch.Tensor, ignored: torch.Tensor, labels_seed: int) -> DetDataSample:
    g = torch.Generator().manual_seed(labels_seed)
    data_sample = DetDataSample(metainfo=dict(img_shape=(SIZE, SIZE), pad_shape=(SIZE, SIZE),
                                              batch_input_shape=(SIZE, SIZE),
                                              scale_factor=(1.0, 1.0)))
    data_sample.gt_instances = InstanceData(
        bboxes=gt, labels=torch.randint(0, NUM_CLASSES, (len(gt),), generator=g))
    data_sample.ignored_instances = InstanceData(
        bboxes=ignored, labels=torch.zeros(len(ignored), dtype=torch.long))
    return data_sample


def check_finite(model, samples, logit_scale: float, autocast: bool = False) -> None:
    torch.manual_seed(1)
    inputs = torch.randn(len(samples), 3, SIZE, SIZE)
    model.zero_grad()
    with torch.autocast('cpu', dtype=torch.bfloat16, enabled=autocast), \
            DefaultScope.overwrite_default_scope('mmdet'):
        feats = model.extract_feat(inputs)
        teacher = model.teacher_outputs(inputs)
        # saturate the teacher: logits up to +-logit_scale (T = 10 softmax / sigmoid extremes)
        head_outs = tuple([o * logit_scale for o in outs] if i < 2 else outs
                          for i, outs in enumerate(teacher.head_outs))
        losses = model.bbox_head.loss(feats, samples,
                                      teacher=DistillOutputs(feats=teacher.feats,
                                                             head_outs=head_outs))
    total = 0
    for name, value in losses.items():
        value = sum(value) if isinstance(value, (list, tuple)) else value
        assert torch.isfinite(value).all(), (name, value)
        total = total + value.float().sum()
    total.backward()
    for name, param in model.named_parameters():
        if param.grad is not None:
            assert torch.isfinite(param.grad).all(), name


@pytest.mark.parametrize('term_set', sorted(TERM_SETS))
@settings(max_examples=30, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(gt_a=boxes(), gt_b=boxes(), ignored=boxes(max_boxes=3),
       only_ignored=st.booleans(), logit_scale=st.sampled_from([1.0, 20.0, 200.0]),
       labels_seed=st.integers(0, 1000))
def test_terms_finite_on_degenerate_boxes(term_set, gt_a, gt_b, ignored, only_ignored,
                                          logit_scale, labels_seed):
    model = model_for(term_set)
    if only_ignored:  # image 0 has only ignored GTs
        gt_a = torch.zeros(0, 4)
    samples = [sample(gt_a, ignored, labels_seed), sample(gt_b, torch.zeros(0, 4), labels_seed)]
    check_finite(model, samples, logit_scale)


@pytest.mark.parametrize('term_set', sorted(TERM_SETS))
@pytest.mark.parametrize('logit_scale', [1.0, 50.0])
def test_terms_finite_under_bf16_autocast(term_set, logit_scale):
    model = model_for(term_set)
    samples = [sample(torch.tensor([[4.0, 4.0, 40.0, 30.0], [10.0, 10.0, 10.0, 50.0]]),
                      torch.zeros(0, 4), 0),
               sample(torch.zeros(0, 4), torch.tensor([[0.0, 0.0, 64.0, 64.0]]), 1)]
    check_finite(model, samples, logit_scale, autocast=True)
