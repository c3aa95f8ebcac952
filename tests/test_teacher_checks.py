"""Teachers the terms cannot use, silent defaults and foreign teacher checkpoints.

Run with ``-s`` to print the messages (the README's reliability table quotes them).
"""
import copy

import pytest
import torch
from mmdet.registry import MODELS
from mmengine.hub import get_config
from mmengine.logging import MMLogger

from ld_plugin.models.detectors.teacher_loading import TeacherCheckpointError
from ld_plugin.models.distill.compatibility import IncompatibleTeacherError

from conftest import demo_batch, tiny_distill, tiny_gfl

MEAN, STD = [123.675, 116.28, 103.53], [58.395, 57.12, 57.375]
BCKD = dict(
    loss_bckd_cls=dict(pred='cls', region='valid', weight='region', avg_factor='num_pos',
                       loss=dict(type='BinaryClassificationKDLoss', loss_weight=1.0)),
    loss_bckd_box=dict(pred='bbox', region='valid', weight='score_diff', avg_factor='num_pos',
                       loss=dict(type='IoULocalizationDistillationLoss', loss_weight=4.0)))
FITNET = dict(loss_fitnet=dict(region='inside_gt', loss=dict(
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
                       match=r"at 2 places: 'distiller.student.', 'distiller.teacher.'.*"
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

    from ld_plugin.models.distill.compatibility import check_teacher_student

    def head(values):
        return SimpleNamespace(num_classes=3, cls_out_channels=3, num_base_priors=1, reg_max=8,
                               prior_generator=SimpleNamespace(strides=[(8, 8), (16, 16)]),
                               distribution_supports=None, distributions_per_prior=values)
    check_teacher_student(head(5), head(5), {'bbox_dist'})
    with pytest.raises(IncompatibleTeacherError,
                       match=r'distributions per prior .*: teacher 4 vs student 5'):
        check_teacher_student(head(4), head(5), {'bbox_dist'})


def test_feature_terms_compare_the_measured_fpn_strides(registry_scope, capsys):
    """Faster R-CNN's FPN starts at stride 4 (5 levels to 64): a 5-level single-stage student
    (8 to 128) cannot pair its levels, whatever both ``num_outs`` say."""
    teacher = mmdet_teacher('mmdet::faster_rcnn/faster-rcnn_r50_fpn_1x_coco.py',
                            'roi_head', 'bbox_head', 'num_classes')
    teacher['backbone'].update(depth=18, base_channels=8)
    teacher['neck'].update(in_channels=[8, 16, 32, 64], out_channels=256)
    with pytest.raises(IncompatibleTeacherError,
                       match=r'FPN strides \(measured\): teacher \[4, 8, 16, 32, 64\] vs student '
                             r'\[8, 16, 32, 64, 128\]') as raised:
        MODELS.build(tiny_distill(teacher=teacher, terms=FITNET, strides=(8, 16, 32, 64, 128)))
    report(capsys, 'two-stage teacher FPN from stride 4', raised.value)


def retina(octave_base_scale: int, ratios=(0.5, 1.0, 2.0), head_type='RetinaHead') -> dict:
    cfg = tiny_gfl(head_type=head_type, width=16 if head_type == 'RetinaHead' else 8)
    head = cfg['bbox_head']
    for key in ('reg_max', 'loss_dfl'):
        head.pop(key)
    head.update(anchor_generator=dict(type='AnchorGenerator', octave_base_scale=octave_base_scale,
                                      scales_per_octave=1, ratios=list(ratios),
                                      strides=[8, 16, 32]),
                bbox_coder=dict(type='DeltaXYWHBBoxCoder', target_means=[.0, .0, .0, .0],
                                target_stds=[1.0, 1.0, 1.0, 1.0]),
                loss_cls=dict(type='FocalLoss', use_sigmoid=True, gamma=2.0, alpha=0.25,
                              loss_weight=1.0),
                loss_bbox=dict(type='L1Loss', loss_weight=1.0))
    cfg['train_cfg'] = dict(assigner=dict(type='MaxIoUAssigner', pos_iou_thr=0.5,
                                          neg_iou_thr=0.4, min_pos_iou=0, ignore_iof_thr=-1),
                            sampler=dict(type='PseudoSampler'), allowed_border=-1,
                            pos_weight=-1, debug=False)
    return cfg


@pytest.mark.parametrize('teacher_kwargs,message', [
    (dict(octave_base_scale=8), r'anchor boxes at stride 8: teacher \[\['),
    (dict(octave_base_scale=4, ratios=(2.0, 1.0, 0.5)), r'anchor boxes at stride 8'),
])
def test_anchor_shapes_are_compared(teacher_kwargs, message, registry_scope, capsys):
    """Same strides and 3 anchors per location, other scales or ratio order: the teacher's
    deltas would be decoded on other anchors."""
    student = retina(4, head_type='DistillRetinaHead')
    student['bbox_head']['distill_terms'] = copy.deepcopy(BCKD)
    student.update(type='DistillSingleStageDetector', allow_random_teacher=True,
                   teacher_config=dict(model=retina(**teacher_kwargs)))
    with pytest.raises(IncompatibleTeacherError, match=message) as raised:
        MODELS.build(student)
    report(capsys, 'anchor shapes differ', raised.value)
    student['teacher_config'] = dict(model=retina(4))
    MODELS.build(student)  # the same anchors: accepted


def test_prior_centre_offsets_are_compared(registry_scope, capsys):
    """An FCOS distribution teacher (points at offset 0.5) for a GFL student (anchor centres
    at offset 0): LD would teach distances measured from other centres."""
    from test_distribution_heads import mini_model
    teacher = mini_model('fcos-dist_r34_fpn128_synthetic.py')
    student = mini_model('ld_gfl_r34_r18w16_synthetic.py')
    student['teacher_config'] = dict(model=teacher)
    student['bbox_head']['num_classes'] = teacher['bbox_head']['num_classes']
    with pytest.raises(IncompatibleTeacherError, match=r'prior centres at the first location '
                                                       r'of stride 8: teacher \[4.0, 4.0\] vs '
                                                       r'student \[0.0, 0.0\]') as raised:
        MODELS.build(student)
    report(capsys, 'prior centre offsets differ', raised.value)


def test_yolox_teacher_is_refused_for_its_scores(registry_scope):
    teacher = mmdet_teacher('mmdet::yolox/yolox_s_8xb8-300e_coco.py', 'bbox_head', 'num_classes')
    with pytest.raises(IncompatibleTeacherError, match=r'class x objectness'):
        MODELS.build(tiny_distill(teacher=teacher, terms=BCKD))


def test_teacher_under_a_prefix_beside_a_top_level_student_of_other_shapes(registry_scope,
                                                                           tmp_path):
    """mmdet-KD-like layout: the student at the top level (same key names, other shapes), the
    teacher under ``teacher_model.``; and an mmdet 2.x ``meta.CLASSES``."""
    torch.manual_seed(3)
    student = MODELS.build(tiny_gfl(width=8, channels=16)).state_dict()
    teacher = teacher_state(1)
    state = dict(student, **{'teacher_model.' + k: v for k, v in teacher.items()})
    torch.save({'state_dict': state, 'meta': {'CLASSES': ('a', 'b', 'c')}},
               tmp_path / 'kd.pth')
    cfg = tiny_distill()
    cfg['teacher_ckpt'] = str(tmp_path / 'kd.pth')
    model = MODELS.build(cfg)
    for key, value in model.teacher.state_dict().items():
        torch.testing.assert_close(value, teacher[key])
    assert model.teacher.dataset_meta == {'classes': ('a', 'b', 'c')}


def test_top_level_and_prefix_both_matching_is_ambiguous(registry_scope, tmp_path):
    teacher, other = teacher_state(1), teacher_state(2)
    state = dict(other, **{'module.distiller.teacher.' + k: v for k, v in teacher.items()})
    torch.save({'state_dict': state}, tmp_path / 'both.pth')
    cfg = tiny_distill()
    cfg['teacher_ckpt'] = str(tmp_path / 'both.pth')
    with pytest.raises(TeacherCheckpointError,
                       match=r"at 2 places: '' \(the top level\), 'distiller.teacher.'"):
        MODELS.build(cfg)
    for prefix, expected in (('', other), ('module.distiller.teacher.', teacher)):
        cfg['teacher_ckpt_prefix'] = prefix  # as written in the file, DDP's module. included
        model = MODELS.build(cfg)
        for key, value in model.teacher.state_dict().items():
            torch.testing.assert_close(value, expected[key])


def test_box_distillation_loss_refuses_an_inner_weight_it_would_ignore(registry_scope):
    with pytest.raises(ValueError, match=r'box_loss.loss_weight=15 would be ignored.*'
                                         r'BoxDistillationLoss\(loss_weight=15\)'):
        MODELS.build(dict(type='BoxDistillationLoss',
                          box_loss=dict(type='GIoULoss', loss_weight=15)))
    MODELS.build(dict(type='BoxDistillationLoss', box_loss=dict(type='GIoULoss'),
                      loss_weight=15))
