"""Shared helpers: tiny models and batches that run in a fraction of a second on a CPU."""
import copy
from pathlib import Path

import pytest
import torch
from mmengine.config import Config

import ld_plugin  # noqa: F401  (registers the plugin)

REPO_ROOT = Path(__file__).resolve().parents[1]
REAL_SAMPLES = REPO_ROOT.parent / 'shared' / 'data' / 'real_samples'

# The full LD recipe exactly as the configs use it.
LD_TERMS = Config.fromfile(
    str(REPO_ROOT / 'configs/_base_/distill/ld_terms.py')).ld_full_recipe.to_dict()


def load_script(relative_path: str):
    """Import a tool script of the repository (e.g. ``tools/run_demo.py``) as a module."""
    import importlib.util
    path = REPO_ROOT / relative_path
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def tiny_gfl(num_classes: int = 3, width: int = 8, channels: int = 16, reg_max: int = 8,
             strides=(8, 16, 32), head_type: str = 'GFLHead', **head_kwargs) -> dict:
    """A GFL detector config small enough for unit tests (ResNet-18 at 1/8 width)."""
    return dict(
        type='GFL',
        data_preprocessor=dict(type='DetDataPreprocessor', mean=[123.675, 116.28, 103.53],
                               std=[58.395, 57.12, 57.375], bgr_to_rgb=True,
                               pad_size_divisor=32),
        backbone=dict(type='ResNet', depth=18, base_channels=width, num_stages=4,
                      out_indices=(1, 2, 3), norm_cfg=dict(type='BN'), norm_eval=False,
                      init_cfg=None),
        neck=dict(type='FPN', in_channels=[width * 2, width * 4, width * 8],
                  out_channels=channels, start_level=0, add_extra_convs='on_output',
                  num_outs=len(strides)),
        bbox_head=dict(
            type=head_type, num_classes=num_classes, in_channels=channels, stacked_convs=1,
            feat_channels=channels, reg_max=reg_max,
            norm_cfg=dict(type='GN', num_groups=4, requires_grad=True),
            anchor_generator=dict(type='AnchorGenerator', ratios=[1.0], octave_base_scale=8,
                                  scales_per_octave=1, strides=list(strides)),
            loss_cls=dict(type='QualityFocalLoss', use_sigmoid=True, beta=2.0, loss_weight=1.0),
            loss_dfl=dict(type='DistributionFocalLoss', loss_weight=0.25),
            loss_bbox=dict(type='GIoULoss', loss_weight=2.0), **head_kwargs),
        train_cfg=dict(assigner=dict(type='ATSSAssigner', topk=9), allowed_border=-1,
                       pos_weight=-1, debug=False),
        test_cfg=dict(nms_pre=100, min_bbox_size=0, score_thr=0.05,
                      nms=dict(type='nms', iou_threshold=0.6), max_per_img=20))


def tiny_distill(teacher: dict = None, terms: dict = None, **student_kwargs) -> dict:
    """A DistillSingleStageDetector config: tiny GFL student + tiny GFL teacher (inline dict)."""
    student = tiny_gfl(head_type='DistillGFLHead',
                       distill_terms=copy.deepcopy(LD_TERMS if terms is None else terms),
                       **student_kwargs)
    student['type'] = 'DistillSingleStageDetector'
    student['teacher_config'] = dict(model=teacher or tiny_gfl(width=16, channels=16))
    student['train_cfg']['assigner'] = dict(type='VLRATSSAssigner', topk=9)
    student['allow_random_teacher'] = True
    return student


def demo_batch(model, batch_size: int = 2, size: int = 64, num_classes: int = 3, seed: int = 0,
               num_boxes: int = 3):
    """A preprocessed batch with random boxes, ready for ``model.loss``."""
    from mmdet.testing import demo_mm_inputs
    torch.manual_seed(seed)
    packed = demo_mm_inputs(batch_size=batch_size, image_shapes=[(3, size, size)] * batch_size,
                            num_items=[num_boxes] * batch_size, num_classes=num_classes,
                            with_mask=False)
    data = model.data_preprocessor(packed, training=True)
    return data['inputs'], data['data_samples']


@pytest.fixture
def registry_scope():
    from mmengine.registry import DefaultScope
    scope = DefaultScope.get_instance('ld_plugin_tests', scope_name='mmdet')
    yield scope
