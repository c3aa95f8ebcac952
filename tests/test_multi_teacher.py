"""Several teachers: each term reads its own, all hidden from state_dict / parameters /
optimizer, moved and frozen, and bad names are build-time errors."""
import copy

import pytest
import torch
from mmdet.registry import MODELS
from mmengine.config import ConfigDict
from mmengine.optim import build_optim_wrapper

from ld_plugin.models.detectors import TeacherCheckpointError

from conftest import LD_TERMS, demo_batch, tiny_distill, tiny_gfl

KD = dict(pred='cls', region='main', weight='region', avg_factor='num_pos',
          loss=dict(type='BinaryClassificationKDLoss', loss_weight=1.0))
LD = copy.deepcopy(LD_TERMS['loss_ld'])


def two_teachers(terms, **kwargs):
    cfg = tiny_distill(terms=terms)
    cfg.pop('teacher_config')
    cfg['teachers'] = dict(gfl=dict(config=dict(model=tiny_gfl(width=16, channels=16))),
                           wide=dict(config=dict(model=tiny_gfl(width=16, channels=16))))
    cfg.update(kwargs)
    return MODELS.build(ConfigDict(cfg))


def test_each_term_reads_its_teacher(registry_scope):
    model = two_teachers(dict(loss_kd_gfl=dict(KD, teacher='gfl'),
                              loss_kd_wide=dict(KD, teacher='wide'),
                              loss_ld_wide=dict(LD, teacher='wide'))).train()
    torch.manual_seed(0)
    for p in model.teachers['wide'].parameters():  # make the two teachers differ
        p.data.add_(0.1 * torch.randn_like(p))
    inputs, samples = demo_batch(model)
    losses = model.loss(inputs, samples)
    assert float(losses['loss_kd_gfl']) != float(losses['loss_kd_wide'])
    # the same terms given one teacher's outputs only
    x = model.extract_feat(inputs)
    for name, term in (('gfl', 'loss_kd_gfl'), ('wide', 'loss_kd_wide'), ('wide', 'loss_ld_wide')):
        alone = model.bbox_head.loss(x, samples, teacher=model.teacher_outputs(inputs, name))
        torch.testing.assert_close(losses[term], alone[term])


def test_teachers_are_hidden_frozen_and_moved(registry_scope):
    model = two_teachers(dict(loss_kd=dict(KD, teacher='gfl'), loss_ld=dict(LD, teacher='wide')))
    assert set(model.teachers) == {'gfl', 'wide'} and model.teacher is model.teachers['gfl']
    teacher_ids = {id(p) for t in model.teachers.values() for p in t.parameters()}
    assert teacher_ids and not teacher_ids & {id(p) for p in model.parameters()}
    assert not any(k.startswith('teacher') for k in model.state_dict())
    optim = build_optim_wrapper(model, dict(optimizer=dict(type='SGD', lr=0.01)))
    assert not teacher_ids & {id(p) for g in optim.optimizer.param_groups for p in g['params']}
    model.train()
    assert all(not t.training for t in model.teachers.values())
    model.to(torch.float64)
    assert all(next(t.parameters()).dtype == torch.float64 for t in model.teachers.values())
    assert all(not p.requires_grad for t in model.teachers.values() for p in t.parameters())


def test_bad_teacher_names_are_build_errors(registry_scope):
    with pytest.raises(ValueError, match=r"teacher='atss'.*not one of the detector's teachers "
                                         r"\['gfl', 'wide'\]"):
        two_teachers(dict(loss_kd=dict(KD, teacher='atss')))
    with pytest.raises(ValueError, match=r"'loss_kd' names no teacher, but the detector has 2.*"
                                         r"teacher='gfl'"):
        two_teachers(dict(loss_kd=KD))
    with pytest.raises(ValueError, match='not both'):
        two_teachers(dict(loss_kd=dict(KD, teacher='gfl')),
                     teacher_config=dict(model=tiny_gfl(width=16, channels=16)))
    with pytest.raises(ValueError, match=r"teachers: 'teacher' cannot name a teacher"):
        cfg = tiny_distill(terms=dict(loss_kd=KD))
        cfg.pop('teacher_config')
        cfg['teachers'] = dict(teacher=dict(config=dict(model=tiny_gfl(width=16, channels=16))))
        MODELS.build(ConfigDict(cfg))
    with pytest.raises(ValueError, match=r"teachers.gfl: unknown keys \['checkpoint'\]"):
        cfg = tiny_distill(terms=dict(loss_kd=KD))
        cfg.pop('teacher_config')
        cfg['teachers'] = dict(gfl=dict(config=dict(model=tiny_gfl()), checkpoint='x.pth'))
        MODELS.build(ConfigDict(cfg))


def test_a_random_teacher_names_its_checkpoint_key(registry_scope):
    model = two_teachers(dict(loss_kd=dict(KD, teacher='gfl')), allow_random_teacher=False)
    with pytest.raises(TeacherCheckpointError,
                       match=r'model.teachers.gfl.ckpt, model.teachers.wide.ckpt are not set'):
        model.check_teacher_trained()


def test_only_the_read_teachers_heads_run(registry_scope):
    feats_only = dict(loss_pfi=dict(teacher='wide', loss=dict(
        type='PredictionGuidedFeatureImitationLoss', student_channels=16, teacher_channels=16)))
    model = two_teachers(dict(loss_kd=dict(KD, teacher='gfl'), **feats_only))
    # PFI reads the teacher's class scores too, so both heads run; KD alone needs only 'gfl'
    assert model.teacher_heads_needed == {'gfl': True, 'wide': True}
    fi = dict(loss_fi=dict(teacher='wide', region='everywhere', loss=dict(
        type='FeatureImitationLoss', student_channels=16, teacher_channels=16)))
    model = two_teachers(dict(loss_kd=dict(KD, teacher='gfl'), **fi))
    assert model.teacher_heads_needed == {'gfl': True, 'wide': False}
    inputs, samples = demo_batch(model.train())
    assert model.teacher_outputs(inputs, 'wide').head_outs is None
    losses = model.loss(inputs, samples)
    assert float(losses['loss_fi']) > 0 and float(losses['loss_kd']) > 0
