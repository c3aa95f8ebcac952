"""Teachers the terms cannot use, silent defaults and foreign teacher checkpoints.

Run with ``-s`` to print the messages (the README's reliability table quotes them).
"""
import copy

import pytest
import torch
from mmdet.registry import MODELS
from mmengine.hub import get_config
from mmengine.logging import MMLogger

from conftest import demo_batch, tiny_distill, tiny_gfl
from ld_plugin.models.detectors.compatibility import IncompatibleTeacherError
from ld_plugin.models.detectors.teacher_loading import TeacherCheckpointError

MEAN, STD = [123.675, 116.28, 103.53], [58.395, 57.12, 57.375]
BCKD = dict(
    loss_bckd_cls=dict(pred='cls', region='all', weight='region', avg_factor='num_pos',
                       loss=dict(type='BinaryClassificationKDLoss', loss_weight=1.0)),
    loss_bckd_box=dict(pred='bbox', region='all', weight='score_diff', avg_factor='num_pos',
                       loss=dict(type='IoULocalizationDistillationLoss', loss_weight=4.0)))
FITNET = dict(loss_fitnet=dict(region='fitnet', loss=dict(
    type='FeatureImitationLoss', student_channels=16, teacher_channels=256)))


def mmdet_teacher(spec: str, *classes_path: str) -> dict:
    """An mmdet model-zoo config with 3 classes and the student's normalisation."""
    model = get_config(spec).model
    model.data_preprocessor = dict(type='DetDataPreprocessor', mean=MEAN, std=STD,
                                   bgr_to_rgb=True, pad_size_divisor=32)
    model.backbone.init_cfg = None
    node = model
    for part in classes_path[:-1]:
        node = node[part]
    node[classes_path[-1]] = 3
    return model.to_dict()


def report(capsys, case: str, error: Exception) -> None:
    with capsys.disabled():
        print(f'\n[{case}] {type(error).__name__}: {error}')


@pytest.mark.parametrize('spec,path,message', [
    ('mmdet::faster_rcnn/faster-rcnn_r50_fpn_1x_coco.py', ('roi_head', 'bbox_head', 'num_classes'),
     r'the teacher FasterRCNN is a two-stage detector \(rpn_head \+ roi_head\).*'
     r"\['bbox', 'cls'\].*single-stage dense teacher"),
    ('mmdet::detr/detr_r50_8xb2-150e_coco.py', ('bbox_head', 'num_classes'),
     r'the teacher DETR \(DETRHead\) predicts per query'),
    ('mmdet::retinanet/retinanet_r50_fpn_1x_coco.py', ('bbox_head', 'num_classes'),
     r'priors per location \(num_base_priors\): teacher 9 vs student 1'),
])
def test_teacher_without_per_prior_predictions_is_refused(spec, path, message, registry_scope,
                                                          capsys):
    """case10: two-stage, query-based and other-prior teachers for a GFL student with BCKD."""
    with pytest.raises(IncompatibleTeacherError, match=message) as raised:
        MODELS.build(tiny_distill(teacher=mmdet_teacher(spec, *path), terms=BCKD))
    report(capsys, spec.split('/')[-1], raised.value)


def test_two_stage_teacher_serves_feature_terms(registry_scope):
    """Feature imitation needs only the teacher's FPN: a Faster R-CNN teacher works, and its
    head never runs."""
    teacher = mmdet_teacher('mmdet::faster_rcnn/faster-rcnn_r50_fpn_1x_coco.py',
                            'roi_head', 'bbox_head', 'num_classes')
    teacher['backbone'].update(depth=18, base_channels=8)
    teacher['neck'].update(in_channels=[8, 16, 32, 64], out_channels=256, num_outs=3,
                           start_level=1)
    model = MODELS.build(tiny_distill(teacher=teacher, terms=FITNET))
    assert not model.teacher_head_needed
    model.train()
    inputs, samples = demo_batch(model)
    losses = model.loss(inputs, samples)
    assert float(losses['loss_fitnet']) > 0
    losses['loss_fitnet'].backward()


def test_default_normalisation_of_the_teacher_is_compared(registry_scope, capsys):
    """A teacher config without ``bgr_to_rgb`` (default False) for a student with True."""
    teacher = tiny_gfl(width=16, channels=16)
    teacher['data_preprocessor'] = dict(type='DetDataPreprocessor', mean=MEAN, std=STD,
                                        pad_size_divisor=32)
    with pytest.raises(IncompatibleTeacherError,
                       match=r'bgr_to_rgb: teacher False vs student True') as raised:
        MODELS.build(tiny_distill(teacher=teacher))
    teacher['data_preprocessor'] = dict(type='DetDataPreprocessor', bgr_to_rgb=True)
    with pytest.raises(IncompatibleTeacherError, match=r'mean: teacher None vs student'):
        MODELS.build(tiny_distill(teacher=teacher))
    report(capsys, 'teacher normalisation left to defaults', raised.value)


def test_box_coder_settings_are_compared_for_box_terms(registry_scope, capsys):
    """BCKD's box term decodes the teacher's boxes with the student's coder: every setting of
    the built coders must agree, defaults included (ATSS: DeltaXYWH stds)."""
    def atss(stds, head_type):
        cfg = tiny_gfl(head_type=head_type, width=16 if head_type == 'ATSSHead' else 8)
        head = cfg['bbox_head']
        for key in ('reg_max', 'loss_dfl'):
            head.pop(key)
        head.update(bbox_coder=dict(type='DeltaXYWHBBoxCoder', target_means=[.0, .0, .0, .0],
                                    target_stds=stds),
                    loss_cls=dict(type='FocalLoss', use_sigmoid=True, gamma=2.0, alpha=0.25,
                                  loss_weight=1.0),
                    loss_centerness=dict(type='CrossEntropyLoss', use_sigmoid=True,
                                         loss_weight=1.0))
        return cfg
    cfg = atss([0.1, 0.1, 0.2, 0.2], 'DistillATSSHead')
    cfg['bbox_head']['distill_terms'] = copy.deepcopy(BCKD)
    cfg.update(type='DistillSingleStageDetector', allow_random_teacher=True,
               teacher_config=dict(model=atss([0.1, 0.1, 0.1, 0.1], 'ATSSHead')))
    with pytest.raises(IncompatibleTeacherError,
                       match=r'box coder DeltaXYWHBBoxCoder.stds .*: '
                             r'teacher \(0.1, 0.1, 0.1, 0.1\) vs student \(0.1, 0.1, 0.2, 0.2\)'
                       ) as raised:
        MODELS.build(cfg)
    report(capsys, 'box coder settings differ', raised.value)


def test_no_distillation_term_is_refused(registry_scope):
    with pytest.raises(IncompatibleTeacherError, match='has no distill_terms'):
        MODELS.build(tiny_distill(terms=dict(loss_kd=None)))


@pytest.mark.parametrize('weight,refused', [(-1.0, True), (0.0, False), (0.5, False)])
def test_negative_loss_weight_is_refused(weight, refused, registry_scope):
    terms = copy.deepcopy(BCKD)
    terms['loss_bckd_cls']['loss']['loss_weight'] = weight
    if refused:
        with pytest.raises(ValueError, match=r"'loss_bckd_cls': loss_weight=-1.0 is negative"):
            MODELS.build(tiny_distill(terms=terms))
    else:
        MODELS.build(tiny_distill(terms=terms))


# ---------------------------------------------------------------------------- random teacher
class _Records:
    def __init__(self):
        self.messages = []

    def __enter__(self):
        import logging
        self.handler = logging.Handler()
        self.handler.emit = lambda record: self.messages.append(record.getMessage())
        MMLogger.get_current_instance().addHandler(self.handler)
        return self

    def __exit__(self, *exc):
        MMLogger.get_current_instance().removeHandler(self.handler)


def test_random_teacher_warns_at_build_and_stops_training(registry_scope, capsys):
    """case24: ``teacher_ckpt`` left out. Building (configs, tests of student checkpoints)
    warns; training refuses before its first step unless ``allow_random_teacher=True``."""
    cfg = tiny_distill()
    cfg.pop('allow_random_teacher')
    with _Records() as records:
        model = MODELS.build(cfg)
    assert any('teacher_ckpt is None' in m and 'random' in m for m in records.messages)
    with pytest.raises(TeacherCheckpointError,
                       match=r'teacher_ckpt is not set.*allow_random_teacher=True') as raised:
        model.init_weights()  # what mmengine's runner calls before training, DDP included
    with pytest.raises(TeacherCheckpointError):
        model.train_step({}, optim_wrapper=None)
    report(capsys, 'teacher_ckpt not set', raised.value)
    allowed = MODELS.build(tiny_distill())
    allowed.init_weights()


# -------------------------------------------------------------------- foreign checkpoints
def teacher_state(seed: int) -> dict:
    torch.manual_seed(seed)
    return MODELS.build(tiny_gfl(width=16, channels=16)).state_dict()


@pytest.mark.parametrize('prefix', ['distiller.teacher.', 'architecture.teacher.'])
def test_teacher_under_a_unique_prefix_is_loaded(prefix, registry_scope, tmp_path):
    """A checkpoint of another distillation framework: the teacher's weights under a prefix
    beside other weights (the student, of another architecture)."""
    state = {prefix + k: v for k, v in teacher_state(1).items()}
    state.update({'architecture.backbone.conv1.weight': torch.zeros(8, 3, 7, 7)})
    torch.save({'state_dict': state}, tmp_path / 'foreign.pth')
    cfg = tiny_distill()
    cfg['teacher_ckpt'] = str(tmp_path / 'foreign.pth')
    model = MODELS.build(cfg)
    for key, value in model.teacher.state_dict().items():
        torch.testing.assert_close(value, state[prefix + key])


def test_ambiguous_prefixes_name_the_option(registry_scope, tmp_path, capsys):
    teacher, other = teacher_state(1), teacher_state(2)
    state = {**{'distiller.teacher.' + k: v for k, v in teacher.items()},
             **{'distiller.student.' + k: v for k, v in other.items()}}
    torch.save({'state_dict': state}, tmp_path / 'two.pth')
    cfg = tiny_distill()
    cfg['teacher_ckpt'] = str(tmp_path / 'two.pth')
    with pytest.raises(TeacherCheckpointError,
                       match=r"under 2 prefixes \['distiller.student.', 'distiller.teacher.'\].*"
                             r"teacher_ckpt_prefix") as raised:
        MODELS.build(cfg)
    report(capsys, 'teacher weights under several prefixes', raised.value)
    cfg['teacher_ckpt_prefix'] = 'distiller.teacher.'
    model = MODELS.build(cfg)
    for key, value in model.teacher.state_dict().items():
        torch.testing.assert_close(value, teacher[key])


def test_distributions_per_prior_are_compared():
    """A 2D distribution teacher (4 edges) for a rotated student (5 deltas) with LD."""
    from types import SimpleNamespace

    from ld_plugin.models.detectors.compatibility import check_teacher_student

    def head(values):
        return SimpleNamespace(num_classes=3, cls_out_channels=3, num_base_priors=1, reg_max=8,
                               prior_generator=SimpleNamespace(strides=[(8, 8), (16, 16)]),
                               distribution_supports=None, num_values=values)
    check_teacher_student(head(5), head(5), {'bbox_dist'})
    with pytest.raises(IncompatibleTeacherError,
                       match=r'distributions per prior .*: teacher 4 vs student 5'):
        check_teacher_student(head(4), head(5), {'bbox_dist'})
