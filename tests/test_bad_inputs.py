"""Every bad input of the README's table raises, before training, a message naming value and fix.

Run with ``-s`` to print the messages (the README's table quotes them).
"""
import subprocess
import sys

import pytest
import torch
from mmdet.registry import MODELS

from ld_plugin.models.detectors.teacher_loading import TeacherCheckpointError
from ld_plugin.models.distill.compatibility import IncompatibleTeacherError

from conftest import REPO_ROOT, tiny_distill, tiny_gfl


def build(cfg):
    return MODELS.build(cfg)


def teacher_ckpt_case(kind):
    def make(tmp_path):
        cfg = tiny_distill()
        if kind == 'missing':
            cfg['teacher_ckpt'] = str(tmp_path / 'teacher.pth')
        elif kind == 'truncated':
            good = tmp_path / 'good.pth'
            torch.save({'state_dict': build(tiny_gfl(width=16, channels=16)).state_dict()}, good)
            data = good.read_bytes()
            (tmp_path / 'teacher.pth').write_bytes(data[:len(data) // 2])
            cfg['teacher_ckpt'] = str(tmp_path / 'teacher.pth')
        else:  # another architecture: ResNet at width 8 instead of 16, no FPN
            other = build(tiny_gfl(width=8)).state_dict()
            other = {k: v for k, v in other.items() if not k.startswith('neck')}
            torch.save({'state_dict': other}, tmp_path / 'teacher.pth')
            cfg['teacher_ckpt'] = str(tmp_path / 'teacher.pth')
        return cfg
    return make


def teacher_change(**change):
    def make(tmp_path):
        teacher = tiny_gfl(width=16, channels=16, **change)
        return tiny_distill(teacher=teacher)
    return make


def term_change(terms):
    def make(tmp_path):
        return tiny_distill(terms=terms)
    return make


def teacher_config_missing(tmp_path):
    cfg = tiny_distill()
    cfg['teacher_config'] = 'teachers/gfl_r101_teacher.py'
    return cfg


def feature_term_without_teacher_neck(tmp_path):
    teacher = tiny_gfl(width=16)
    teacher['neck'] = None
    teacher['bbox_head']['in_channels'] = 128
    return tiny_distill(teacher=teacher, terms=dict(loss_pfi=dict(loss=dict(
        type='PredictionGuidedFeatureImitationLoss', student_channels=16,
        teacher_channels=128))))


CASES = {
    'teacher config path does not exist': (
        teacher_config_missing, FileNotFoundError,
        r"teacher_config 'teachers/gfl_r101_teacher.py' not found; looked in: .*Use an "
        r'absolute path'),
    'teacher checkpoint missing': (
        teacher_ckpt_case('missing'), TeacherCheckpointError, r'teacher\.pth.*does not exist'),
    'teacher checkpoint truncated': (
        teacher_ckpt_case('truncated'), TeacherCheckpointError, r'could not be read'),
    'teacher checkpoint of another architecture': (
        teacher_ckpt_case('other'), TeacherCheckpointError,
        r"does not match the teacher_config architecture: \d+ teacher keys missing \(e\.g\. "
        r"\['neck.*shape mismatches \(e\.g\. \['backbone.bn1.bias: checkpoint \(8,\) vs model "
        r'\(16,\)'),
    'teacher/student classes differ': (
        teacher_change(num_classes=5), IncompatibleTeacherError,
        r'num_classes: teacher 5 vs student 3 \(train both on the same classes\)'),
    'teacher/student strides differ': (
        teacher_change(strides=(8, 16, 64)), IncompatibleTeacherError,
        r'FPN strides: teacher \[\(8, 8\), \(16, 16\), \(64, 64\)\] vs student'),
    'teacher/student reg_max differ': (
        teacher_change(reg_max=16), IncompatibleTeacherError,
        r'reg_max \(bins per edge - 1\): teacher 16 vs student 8'),
    'unknown region name': (
        term_change(dict(loss_kd=dict(pred='cls', region='mian', loss=dict(
            type='ClassificationKDLoss')))), ValueError, r"region='mian'"),
    'unknown distillation loss': (
        term_change(dict(loss_kd=dict(pred='cls', region='main', loss=dict(
            type='ClasificationKDLoss')))), KeyError, 'ClasificationKDLoss'),
    'unknown term option': (
        term_change(dict(loss_kd=dict(pred='cls', regoin='main', loss=dict(
            type='ClassificationKDLoss')))), ValueError, 'regoin'),
    'feature term, teacher without FPN': (
        feature_term_without_teacher_neck, IncompatibleTeacherError,
        r"the teacher detector GFL has no neck: \['loss_pfi'\]"),
}


@pytest.mark.parametrize('case', sorted(CASES))
def test_bad_model_input_is_refused_at_build(case, registry_scope, tmp_path, capsys):
    make, error, message = CASES[case]
    with pytest.raises(error, match=message) as raised:
        build(make(tmp_path))
    with capsys.disabled():
        print(f'\n[{case}] {type(raised.value).__name__}: {raised.value}')


def test_priors_per_location_differ(registry_scope, capsys):
    """GFL has one prior per location (mmdet asserts it): RetinaNet distribution heads, 9 vs 3
    anchors, through the same check the detector runs at build."""
    import copy

    from mmengine.config import ConfigDict

    from ld_plugin.models.distill.compatibility import check_teacher_student

    from test_distill_terms_on_heads import HEADS, build_head
    student = build_head('retina_dist', terms=dict(loss_ld=dict(
        pred='bbox_dist', region='main', loss=dict(type='LocalizationDistillationLoss'))))
    teacher_cfg = copy.deepcopy(HEADS['retina_dist'])
    teacher_cfg['type'] = 'RetinaDistributionHead'
    teacher_cfg['anchor_generator'].update(scales_per_octave=3)
    teacher = MODELS.build(ConfigDict(num_classes=student.num_classes, in_channels=16,
                                      feat_channels=16, stacked_convs=1, **teacher_cfg))
    with pytest.raises(IncompatibleTeacherError,
                       match=r'priors per location \(num_base_priors\): teacher 9 vs student 3 '
                             r'\(give both heads the same anchor scales and ratios\)') as raised:
        check_teacher_student(teacher, student, student.required_teacher_outputs())
    with capsys.disabled():
        print(f'\n[priors per location differ] {raised.value}')


def test_rotated_plugin_without_mmrotate():
    script = ('import sys; sys.modules["mmrotate"] = None\n'
              'import ld_plugin.rotated\n')
    proc = subprocess.run([sys.executable, '-c', script], capture_output=True, text=True,
                          timeout=120, cwd=REPO_ROOT)
    assert proc.returncode != 0
    assert 'ImportError' in proc.stderr and 'mmrotate' in proc.stderr
    message = proc.stderr.strip().splitlines()[-1]
    assert 'install' in message, message
    print(f'\n[rotated without mmrotate] {message}')
