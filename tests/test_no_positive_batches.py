"""Terms normalised by the number of positives stay bounded on batches without positives.

A sum over every valid prior divided by max(#positives, 1) is unbounded when a batch (or a
level) has no positive; as the official BCKD code, a level without any positive in the whole
batch contributes 0 to ``avg_factor='num_pos'`` terms (see ``PriorDistillTerm``).
"""
import copy

import pytest
import torch
import torch.nn.functional as F
from mmdet.registry import MODELS

from conftest import LD_TERMS, demo_batch, tiny_distill

BCKD = dict(
    loss_bckd_cls=dict(pred='cls', region='valid', weight='region', avg_factor='num_pos',
                       loss=dict(type='BinaryClassificationKDLoss', loss_weight=1.0)),
    loss_bckd_box=dict(pred='bbox', region='valid', weight='score_diff', avg_factor='num_pos',
                       loss=dict(type='IoULocalizationDistillationLoss', loss_weight=4.0)))
ALL_TERMS = dict(copy.deepcopy(LD_TERMS), **BCKD,
                 loss_rm=dict(loss=dict(type='RankMimickingLoss', loss_weight=4.0)),
                 loss_pfi=dict(loss=dict(type='PredictionGuidedFeatureImitationLoss',
                                         student_channels=16, teacher_channels=16)),
                 loss_fitnet=dict(region='inside_gt', loss=dict(
                     type='FeatureImitationLoss', student_channels=16, teacher_channels=16)))


def flat_losses(losses: dict) -> dict:
    return {k: (sum(t.mean() for t in v) if isinstance(v, (list, tuple)) else v.mean())
            for k, v in losses.items()}


def grad_norm(model, loss) -> float:
    model.zero_grad()
    loss.backward(retain_graph=True)
    return float(torch.sqrt(sum((p.grad ** 2).sum() for p in model.parameters()
                                if p.grad is not None)))


@pytest.fixture
def model(registry_scope):
    torch.manual_seed(0)
    model = MODELS.build(tiny_distill(terms=ALL_TERMS))
    model.train()
    return model


def test_all_background_batch_gives_zero_distillation_with_a_gradient_path(model):
    """case26: the same two images without their GTs: every term 0 (BCKD was x29 before)."""
    inputs, samples = demo_batch(model, num_boxes=3)
    for sample in samples:
        sample.gt_instances = sample.gt_instances[:0]
    losses = flat_losses(model.loss(inputs, samples))
    for name in ALL_TERMS:
        if name in ('loss_pfi', ):  # PFI weights every location by the prediction gap
            continue
        assert float(losses[name]) == 0.0, (name, float(losses[name]))
        assert losses[name].requires_grad, name  # DDP sees every parameter used
    assert torch.isfinite(losses['loss_pfi'])


def test_bckd_is_not_larger_without_gt_than_with(model):
    inputs, samples = demo_batch(model, num_boxes=3)
    empty = copy.deepcopy(samples)
    for sample in empty:
        sample.gt_instances = sample.gt_instances[:0]
    with_gt, without = flat_losses(model.loss(inputs, samples)), \
        flat_losses(model.loss(inputs, empty))
    for name in BCKD:
        assert float(with_gt[name]) > 0
        assert float(without[name]) <= float(with_gt[name])
        assert grad_norm(model, without[name]) <= grad_norm(model, with_gt[name])


def test_levels_without_positives_are_skipped_as_the_official_code(model):
    """One small GT: its positives lie on the first level only; BCKD's cls term equals the
    formula summed over the levels that hold a positive, divided by the positives."""
    inputs, samples = demo_batch(model, batch_size=1, num_boxes=1)
    samples[0].gt_instances.bboxes = torch.tensor([[10., 12., 22., 26.]])
    records = {}
    head = model.bbox_head
    original = type(head).loss_distill

    def spy(self, student, teacher, recs, gts):
        # the detector passes {teacher name: outputs}; one teacher here
        records.update(outs=student.head_outs, teacher=teacher['teacher'], recs=recs)
        return original(self, student, teacher, recs, gts)

    type(head).loss_distill = spy
    try:
        losses = flat_losses(model.loss(inputs, samples))
    finally:
        type(head).loss_distill = original
    sizes = [c.shape[-2] * c.shape[-1] for c in records['outs'][0]]
    labels = records['recs'][0].labels.split(sizes)
    weights = records['recs'][0].label_weights.split(sizes)
    pos = [int(((lbl >= 0) & (lbl < 3)).sum()) for lbl in labels]
    assert pos[0] > 0 and sum(pos[1:]) == 0, pos  # the case the test is about
    expected = 0.0
    for level, (s_map, t_map) in enumerate(zip(records['outs'][0],
                                               records['teacher'].head_outs[0])):
        if pos[level] == 0:
            continue
        s = s_map.permute(0, 2, 3, 1).reshape(-1, 3)
        t = t_map.permute(0, 2, 3, 1).reshape(-1, 3)
        bce = F.binary_cross_entropy_with_logits(s, t.sigmoid(), reduction='none')
        per_prior = (bce * (t.sigmoid() - s.sigmoid()).abs()).sum(-1)
        expected = expected + (per_prior * weights[level]).sum() / sum(pos)
    torch.testing.assert_close(losses['loss_bckd_cls'], expected, rtol=1e-4, atol=1e-6)


def test_moving_average_normaliser_bounds_a_batch_with_few_positives(registry_scope):
    """``avg_factor='num_pos_ema'``: the same sum divided by 0.9 · (previous average) + 0.1 ·
    (this batch's positives), so one small GT does not multiply the term by #priors."""
    terms = {'num_pos': copy.deepcopy(BCKD), 'num_pos_ema': copy.deepcopy(BCKD)}
    for term in terms['num_pos_ema'].values():
        term['avg_factor'] = 'num_pos_ema'
    models = {}
    for key, cfg in terms.items():
        torch.manual_seed(0)
        models[key] = MODELS.build(tiny_distill(terms=cfg))
        models[key].train()
    inputs, samples = demo_batch(models['num_pos'], batch_size=2, num_boxes=4)
    few = copy.deepcopy(samples)
    few[0].gt_instances = few[0].gt_instances[:1]
    few[0].gt_instances.bboxes = torch.tensor([[10., 12., 22., 26.]])
    few[1].gt_instances = few[1].gt_instances[:0]

    def positives(model):
        return sum(int(((r.labels >= 0) & (r.labels < 3)).sum()) for r in
                   model.bbox_head._last_records)

    head_cls = type(models['num_pos'].bbox_head)
    original = head_cls.loss_distill

    def spy(self, student, teacher, recs, gts):
        self._last_records = recs
        return original(self, student, teacher, recs, gts)

    head_cls.loss_distill = spy
    try:
        normal = flat_losses(models['num_pos_ema'].loss(inputs, samples))
        n_normal = positives(models["num_pos_ema"])
        plain = flat_losses(models['num_pos'].loss(inputs, few))
        n_few = positives(models["num_pos"])
        ema = flat_losses(models['num_pos_ema'].loss(inputs, few))
    finally:
        head_cls.loss_distill = original
    assert n_few < n_normal / 4
    average = 0.9 * n_normal + 0.1 * n_few
    for name in BCKD:
        torch.testing.assert_close(ema[name], plain[name] * n_few / average, rtol=1e-4,
                                   atol=1e-6)
        assert float(ema[name]) < float(plain[name])
    assert float(normal['loss_bckd_cls']) > 0
