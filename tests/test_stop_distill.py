"""StopDistillHook: from its epoch / iteration on, the teacher stops and every distillation
loss is an exact 0 that still reaches the terms' own parameters (DDP)."""
import copy
from types import SimpleNamespace

import pytest
import torch
from mmdet.registry import HOOKS, MODELS
from mmengine.config import ConfigDict

from ld_plugin.engine import StopDistillHook

from conftest import LD_TERMS, demo_batch, tiny_distill, tiny_gfl

PFI = dict(loss_pfi=dict(loss=dict(type='PredictionGuidedFeatureImitationLoss',
                                   student_channels=16, teacher_channels=32)))


def build():
    terms = dict(copy.deepcopy(LD_TERMS), **copy.deepcopy(PFI))
    model = MODELS.build(ConfigDict(tiny_distill(teacher=tiny_gfl(width=16, channels=32),
                                                 terms=terms)))
    return model.train()


def count_teacher_calls(model):
    calls = []
    model.teacher.backbone.register_forward_hook(lambda *args: calls.append(1))
    return calls


@pytest.mark.parametrize('by', ['epoch', 'iter'])
def test_terms_stop_at_the_given_epoch_or_iteration(by, registry_scope):
    model = build()
    calls = count_teacher_calls(model)
    hook = HOOKS.build(dict(type='ld_plugin.engine.StopDistillHook', **{f'stop_{by}': 3}))
    runner = SimpleNamespace(model=model, epoch=0, iter=0)
    inputs, samples = demo_batch(model)
    terms = list(model.bbox_head.distill_terms)
    for step, stopped in ((2, False), (3, True), (5, True)):
        runner.epoch = runner.iter = step
        hook.before_train_epoch(runner)
        hook.before_train_iter(runner, batch_idx=step)
        model.zero_grad()
        before = len(calls)
        losses = model.loss(inputs, samples)
        assert set(terms) <= set(losses)
        distill = [float(losses[name]) for name in terms]
        if stopped:
            assert distill == [0.0] * len(terms) and len(calls) == before
        else:
            assert all(v > 0 for v in distill) and len(calls) == before + 1
        total = sum(v.sum() if isinstance(v, torch.Tensor) else sum(v) for v in losses.values())
        total.backward()
        # every trainable parameter is in the graph (DDP needs a gradient for each) ...
        assert all(p.grad is not None for p in model.parameters() if p.requires_grad)
        adapter = model.bbox_head.distill_terms['loss_pfi'].loss.adapt.weight.grad
        # ... and the terms' own parameters learn only while distilling
        assert (adapter.abs().sum() == 0) == stopped
    # the detection losses are those of the plain student head
    runner.iter = runner.epoch = 10
    plain = model.bbox_head.loss(model.extract_feat(inputs), samples)
    stopped_losses = model.loss(inputs, samples)
    for key in ('loss_cls', 'loss_bbox', 'loss_dfl'):
        torch.testing.assert_close(sum(stopped_losses[key]), sum(plain[key]))


def test_bad_arguments_and_models_are_named(registry_scope):
    with pytest.raises(ValueError, match='exactly one of stop_epoch and stop_iter'):
        StopDistillHook()
    with pytest.raises(ValueError, match='exactly one'):
        StopDistillHook(stop_epoch=1, stop_iter=2)
    with pytest.raises(ValueError, match="int >= 0, got -1"):
        StopDistillHook(stop_epoch=-1)
    plain = MODELS.build(ConfigDict(tiny_gfl()))
    with pytest.raises(TypeError, match='needs a DistillSingleStageDetector, got GFL'):
        StopDistillHook(stop_epoch=1).before_train(SimpleNamespace(model=plain))
