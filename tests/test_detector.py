"""Teacher-student detector: hidden frozen teacher, compatibility checks, checkpoint loading."""
import copy

import pytest
import torch
from mmdet.registry import MODELS
from mmengine.config import ConfigDict
from mmengine.optim import build_optim_wrapper

from ld_plugin.models.detectors import IncompatibleTeacherError, TeacherCheckpointError

from conftest import demo_batch, tiny_distill, tiny_gfl


def build(cfg):
    return MODELS.build(ConfigDict(copy.deepcopy(cfg)))


def test_teacher_hidden_from_state_dict_parameters_and_optimizer(registry_scope):
    model = build(tiny_distill())
    teacher_params = {id(p) for p in model.teacher.parameters()}
    assert teacher_params and not teacher_params & {id(p) for p in model.parameters()}
    assert not any(k.startswith('teacher') for k in model.state_dict())
    assert all(not isinstance(m, type(model.teacher)) for m in model.modules() if m is not model)
    optim = build_optim_wrapper(model, dict(optimizer=dict(type='SGD', lr=0.01)))
    optim_params = {id(p) for g in optim.optimizer.param_groups for p in g['params']}
    assert not optim_params & teacher_params
    assert all(not p.requires_grad for p in model.teacher.parameters())


def test_teacher_stays_in_eval_and_follows_dtype(registry_scope):
    model = build(tiny_distill())
    model.train()
    assert model.training and not model.teacher.training
    model.to(torch.float64)
    assert next(model.teacher.parameters()).dtype == torch.float64
    model.float()
    assert next(model.teacher.parameters()).dtype == torch.float32


def test_loss_keys_and_gradients_reach_only_the_student(registry_scope):
    model = build(tiny_distill())
    model.train()
    inputs, samples = demo_batch(model)
    losses = model.loss(inputs, samples)
    for key in ('loss_cls', 'loss_bbox', 'loss_dfl', 'loss_ld', 'loss_vlr_ld', 'loss_kd'):
        assert key in losses, key
    total = sum(v.sum() if isinstance(v, torch.Tensor) else sum(v) for v in losses.values())
    assert torch.isfinite(total)
    total.backward()
    assert all(p.grad is None for p in model.teacher.parameters())
    assert model.bbox_head.gfl_reg.weight.grad.abs().sum() > 0
    assert losses['loss_ld'].item() > 0 and losses['loss_kd'].item() > 0


def test_teacher_bn_statistics_do_not_change_in_training(registry_scope):
    model = build(tiny_distill())
    model.train()
    before = {k: v.clone() for k, v in model.teacher.state_dict().items()}
    inputs, samples = demo_batch(model)
    model.loss(inputs, samples)
    for k, v in model.teacher.state_dict().items():
        torch.testing.assert_close(v, before[k])


def test_distill_terms_can_be_switched_off(registry_scope):
    terms = dict(loss_ld=dict(pred='bbox_dist', region='main', weight='student_score',
                              avg_factor=4.0, loss=dict(type='LocalizationDistillationLoss')),
                 loss_kd=None)
    model = build(tiny_distill(terms=terms))
    inputs, samples = demo_batch(model)
    losses = model.loss(inputs, samples)
    assert 'loss_ld' in losses and 'loss_kd' not in losses and 'loss_vlr_ld' not in losses


def test_predict_runs_student_only(registry_scope):
    model = build(tiny_distill())
    model.eval()
    inputs, samples = demo_batch(model)
    with torch.no_grad():
        results = model.predict(inputs, samples)
    assert len(results) == 2 and hasattr(results[0], 'pred_instances')


@pytest.mark.parametrize('change, message', [
    (dict(num_classes=5), 'num_classes: teacher 5 vs student 3'),
    (dict(strides=(8, 16, 64)), 'FPN strides'),
    (dict(reg_max=16), 'reg_max'),
])
def test_incompatible_teacher_is_rejected_at_build(registry_scope, change, message):
    teacher = tiny_gfl(width=16, **change)
    with pytest.raises(IncompatibleTeacherError, match=message):
        build(tiny_distill(teacher=teacher))


def test_plain_teacher_head_rejected_for_ld(registry_scope):
    teacher = tiny_gfl(width=16)
    head = teacher['bbox_head']
    teacher['bbox_head'] = dict(type='ATSSHead', num_classes=3, in_channels=head['in_channels'],
                                stacked_convs=1, feat_channels=16, norm_cfg=head['norm_cfg'],
                                anchor_generator=head['anchor_generator'])
    teacher['type'] = 'ATSS'
    with pytest.raises(IncompatibleTeacherError, match='no edge distribution'):
        build(tiny_distill(teacher=teacher))


def test_plain_student_head_rejected(registry_scope):
    cfg = tiny_distill()
    cfg['bbox_head']['type'] = 'GFLHead'
    cfg['bbox_head'].pop('distill_terms')
    with pytest.raises(TypeError, match='DistillGFLHead'):
        build(cfg)


def test_vlr_term_without_vlr_assigner(registry_scope):
    cfg = tiny_distill()
    cfg['train_cfg']['assigner'] = dict(type='ATSSAssigner', topk=9)
    with pytest.raises(ValueError, match='VLRATSSAssigner'):
        build(cfg)


def test_preprocessor_mismatch(registry_scope):
    teacher = tiny_gfl(width=16)
    teacher['data_preprocessor']['mean'] = [103.53, 116.28, 123.675]
    teacher['data_preprocessor']['bgr_to_rgb'] = False
    with pytest.raises(IncompatibleTeacherError, match='bgr_to_rgb.*mean'):
        build(tiny_distill(teacher=teacher))


def test_missing_and_wrong_checkpoints(registry_scope, tmp_path):
    cfg = tiny_distill()
    cfg['teacher_ckpt'] = str(tmp_path / 'nope.pth')
    with pytest.raises(TeacherCheckpointError, match='nope.pth.*does not exist'):
        build(cfg)
    truncated = tmp_path / 'truncated.pth'
    truncated.write_bytes(b'PK\x03\x04garbage')
    cfg['teacher_ckpt'] = str(truncated)
    with pytest.raises(TeacherCheckpointError, match='could not be read'):
        build(cfg)
    other = build(tiny_gfl(width=8))  # another architecture than the teacher (width 16)
    wrong = tmp_path / 'wrong.pth'
    torch.save({'state_dict': other.state_dict()}, wrong)
    cfg['teacher_ckpt'] = str(wrong)
    with pytest.raises(TeacherCheckpointError, match='shape mismatches'):
        build(cfg)


def test_teacher_checkpoint_is_loaded(registry_scope, tmp_path):
    teacher = build(tiny_gfl(width=16))
    for p in teacher.parameters():
        torch.nn.init.normal_(p)
    path = tmp_path / 'teacher.pth'
    torch.save({'state_dict': teacher.state_dict(), 'meta': {}}, path)
    cfg = tiny_distill()
    cfg['teacher_ckpt'] = str(path)
    model = build(cfg)
    for (k, v), (_, w) in zip(model.teacher.state_dict().items(), teacher.state_dict().items()):
        torch.testing.assert_close(v, w, msg=k)


def test_teacher_config_paths(registry_scope, tmp_path):
    from ld_plugin.utils import resolve_teacher_config
    cfg = resolve_teacher_config('mmdet::gfl/gfl_r101_fpn_ms-2x_coco.py')
    assert cfg.type == 'GFL' and cfg.backbone.depth == 101
    cfg = resolve_teacher_config('ld_plugin::mini/gfl_r34_fpn128_synthetic.py')
    assert cfg.backbone.depth == 34
    cfg = resolve_teacher_config('mini/gfl_r34_fpn128_synthetic.py')  # relative to configs/
    assert cfg.backbone.depth == 34
    path = tmp_path / 'teacher.py'
    path.write_text("model = dict(type='GFL', backbone=dict(depth=7))\n")
    assert resolve_teacher_config(str(path)).backbone.depth == 7
    # a student config that names its teacher relative to itself
    student = tmp_path / 'student.py'
    student.write_text("model = dict(teacher_config='{{ fileDirname }}/teacher.py')\n")
    from mmengine.config import Config
    spec = Config.fromfile(str(student)).model.teacher_config
    assert resolve_teacher_config(spec).backbone.depth == 7
    with pytest.raises(FileNotFoundError, match='missing_teacher.py.*looked in'):
        resolve_teacher_config('missing_teacher.py')
    with pytest.raises(FileNotFoundError, match='mmdet::gfl/nope.py'):
        resolve_teacher_config('mmdet::gfl/nope.py')


def pfi_terms(student_channels=16, teacher_channels=16):
    return dict(loss_pfi=dict(loss=dict(type='PredictionGuidedFeatureImitationLoss',
                                        student_channels=student_channels,
                                        teacher_channels=teacher_channels)))


def test_feature_terms_need_a_teacher_neck_with_as_many_levels(registry_scope):
    teacher = tiny_gfl(width=16)
    teacher['neck']['num_outs'] = 4
    teacher['bbox_head']['anchor_generator']['strides'] = [8, 16, 32]
    with pytest.raises(IncompatibleTeacherError,
                       match=r'FPN strides \(measured\): teacher \[8, 16, 32, 64\] '
                             r'vs student \[8, 16, 32\]'):
        build(tiny_distill(teacher=teacher, terms=pfi_terms()))
    teacher = tiny_gfl(width=16)
    teacher['neck'] = None
    teacher['bbox_head']['in_channels'] = 128
    with pytest.raises(IncompatibleTeacherError, match="the teacher detector GFL has no neck: "
                                                       r"\['loss_pfi'\]"):
        build(tiny_distill(teacher=teacher, terms=pfi_terms()))
