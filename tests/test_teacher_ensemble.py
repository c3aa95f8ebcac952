"""A one-teacher config turned into an averaged several-teacher one (compare.py --teacher-seeds)."""
import copy

import pytest
import torch
from mmdet.registry import MODELS
from mmengine.config import Config, ConfigDict

from ld_plugin.utils.teacher_ensemble import averaged_terms, ensemble_overrides

from conftest import LD_TERMS, demo_batch, tiny_distill, tiny_gfl

BCKD_CLS = dict(pred='cls', region='all', weight='region', avg_factor='num_pos',
                loss=dict(type='BinaryClassificationKDLoss', loss_weight=1.0))


def test_terms_are_repeated_per_teacher_with_weights_divided():
    terms = dict(copy.deepcopy(LD_TERMS), loss_off=None)
    averaged = averaged_terms(terms, ('a', 'b', 'c'))
    assert set(averaged) == {f'{k}_{t}' for k in LD_TERMS for t in 'abc'}
    for key, term in LD_TERMS.items():
        for name in 'abc':
            copied = averaged[f'{key}_{name}']
            assert copied['teacher'] == name
            assert copied['loss']['loss_weight'] == pytest.approx(term['loss']['loss_weight'] / 3)
            assert {k: v for k, v in copied.items() if k not in ('teacher', 'loss')} == \
                {k: v for k, v in term.items() if k != 'loss'}
    assert LD_TERMS['loss_ld']['loss']['loss_weight'] == 0.25  # the input is not changed


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError, match="loss_kd already reads teacher='gfl'"):
        averaged_terms(dict(loss_kd=dict(BCKD_CLS, teacher='gfl')), ('a', 'b'))
    model = tiny_distill(terms=dict(loss_kd=BCKD_CLS))
    with pytest.raises(ValueError, match='at least two teachers'):
        ensemble_overrides(model, dict(a=(tiny_gfl(), None)))
    model['bbox_head']['cross_head'] = dict(reused_conv=0)
    with pytest.raises(ValueError, match='CrossKD cross head'):
        ensemble_overrides(model, dict(a=(tiny_gfl(), None), b=(tiny_gfl(), None)))


def test_two_identical_teachers_give_the_one_teacher_losses(registry_scope):
    """Averaging N copies of one teacher is that teacher: per-term sums equal the single-teacher
    losses (an independent check of the weights, the names and the teacher wiring)."""
    terms = dict(copy.deepcopy(LD_TERMS), loss_bckd_cls=BCKD_CLS)
    single_cfg = tiny_distill(terms=terms, teacher=tiny_gfl(width=16, channels=16))
    teacher_model = single_cfg['teacher_config']['model']
    overrides = ensemble_overrides(single_cfg, dict(s0=(teacher_model, None),
                                                    s1=(teacher_model, None)))
    cfg = Config(dict(model=copy.deepcopy(single_cfg)))
    cfg.merge_from_dict(overrides)
    assert cfg.model.teacher_config is None and set(cfg.model.teachers) == {'s0', 's1'}
    single = MODELS.build(ConfigDict(single_cfg)).train()
    several = MODELS.build(cfg.model).train()
    several.load_state_dict(single.state_dict())  # the student (teachers are not in it)
    for teacher in several.teachers.values():
        teacher.load_state_dict(single.teacher.state_dict())
    inputs, samples = demo_batch(single)
    torch.manual_seed(1)
    expected = single.loss(inputs, samples)
    torch.manual_seed(1)
    losses = several.loss(inputs, samples)
    for key in terms:
        assert key not in losses
        torch.testing.assert_close(losses[f'{key}_s0'] + losses[f'{key}_s1'], expected[key])
        assert float(expected[key]) > 0
    torch.testing.assert_close(losses['loss_cls'], expected['loss_cls'])
