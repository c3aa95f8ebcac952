"""Rotated configs (configs/rotated/): they build in mmrotate's scope, agree with their
metafile, take a distillation step at toy size, and run end to end on synthetic DOTA-format
data and on the real DOTA sample (train a few iterations, evaluate with DOTAMetric)."""
import copy
import os.path as osp
import shutil
from pathlib import Path

import pytest
import torch
import yaml

pytest.importorskip('mmrotate')
from mmengine.config import Config  # noqa: E402
from mmengine.registry import DefaultScope  # noqa: E402
from mmengine.runner import Runner  # noqa: E402
from mmrotate.registry import MODELS  # noqa: E402
from test_rotated_distill import rotated_batch  # noqa: E402

import ld_plugin.rotated  # noqa: E402,F401
from ld_plugin.datasets.synthetic import generate_dataset  # noqa: E402
from ld_plugin.utils.config import resolve_teacher_config  # noqa: E402
from ld_plugin.utils.schedule import set_max_iters  # noqa: E402

from conftest import REAL_SAMPLES, REPO_ROOT  # noqa: E402

ROTATED_DIR = REPO_ROOT / 'configs' / 'rotated'
CONFIGS = sorted(p for p in ROTATED_DIR.rglob('*.py') if '_base_' not in p.parts)
BENCHMARK = [p for p in CONFIGS if p.parent == ROTATED_DIR]


#: mmcv kernels with no CPU implementation (mmrotate's RotatedIoULoss, ConvexGIoULoss, the
#: convex / polygon assigners use them). No rotated config may reach them on a CPU.
CUDA_ONLY_KERNELS = ('diff_iou_rotated_sort_vertices_forward', 'convex_iou', 'convex_giou',
                     'min_area_polygons', 'points_in_polygons_forward',
                     'riroi_align_rotated_forward', 'chamfer_distance_forward')


@pytest.fixture(autouse=True)
def rotated_scope():
    with DefaultScope.overwrite_default_scope('mmrotate'):  # restored afterwards
        yield


@pytest.fixture(autouse=True)
def cuda_only_kernels_forbidden(monkeypatch):
    """Every test of this module fails if a CUDA-only mmcv kernel is called."""
    import mmcv._ext as ext

    def forbidden(name):
        def call(*args, **kwargs):
            raise AssertionError(f'CUDA-only kernel mmcv._ext.{name} called on a CPU path')
        return call

    for name in CUDA_ONLY_KERNELS:
        monkeypatch.setattr(ext, name, forbidden(name))


def test_the_cuda_only_guard_intercepts_mmcv():
    from mmcv.ops import diff_iou_rotated_2d
    boxes = torch.tensor([[[10., 10., 4., 2., 0.3]]])
    with pytest.raises(AssertionError, match='diff_iou_rotated_sort_vertices_forward'):
        diff_iou_rotated_2d(boxes, boxes)


def config_id(path: Path) -> str:
    return str(path.relative_to(ROTATED_DIR))


def model_without_ckpt(cfg: Config) -> dict:
    model = copy.deepcopy(cfg.model).to_dict()
    if 'teacher_ckpt' in model:
        model['teacher_ckpt'] = None
        model['allow_random_teacher'] = True
    return model


@pytest.mark.parametrize('path', CONFIGS, ids=config_id)
def test_rotated_config_builds(path):
    cfg = Config.fromfile(str(path))
    assert cfg.default_scope == 'mmrotate'
    assert cfg.custom_imports['imports'] == ['ld_plugin.rotated']
    model = MODELS.build(model_without_ckpt(cfg))
    assert type(model.bbox_head).__name__.endswith(('RotatedRetinaDistributionHead',
                                                    'RotatedFCOSDistributionHead'))
    if 'teacher_config' in cfg.model:
        assert model.teacher is not None and not model.teacher.training


def test_metafile_lists_every_config_with_its_teacher_and_terms():
    models = yaml.safe_load((ROTATED_DIR / 'metafile.yml').read_text())['Models']
    assert {m['Config'] for m in models} == {str(p.relative_to(REPO_ROOT)) for p in BENCHMARK}
    names = {'LocalizationDistillationLoss': 'LD', 'ClassificationKDLoss': 'KD',
             'BinaryClassificationKDLoss': 'BCKD cls', 'BoxDistillationLoss': 'BCKD box'}

    def label(term: dict) -> str:
        name = names[term['loss']['type'].split('.')[-1]]
        if name in ('LD', 'KD'):  # Rotated-LD's merged region is 'vlr' with region weights
            region = {'main': 'Main', 'vlr': 'VLR'}[term['region']]
            if 'Assigner' in str(cfg.model.train_cfg) and 'RotatedLDRegion' in str(
                    cfg.model.train_cfg):
                region = 'Region'
            return f'{region} {name}'
        return name
    for entry in models:
        cfg = Config.fromfile(str(REPO_ROOT / entry['Config']))
        assert Path(entry['Config']).stem == entry['Name']
        assert entry['Metadata']['Batch Size'] == cfg.auto_scale_lr['base_batch_size'] == \
            cfg.train_dataloader['batch_size']
        assert entry['Metadata']['Epochs'] == cfg.train_cfg['max_epochs']
        for result in entry.get('Results', []):
            metrics = result['Metrics']
            assert result['Dataset'] == 'DOTA-v1.0' and metrics['AP50'] > metrics['box AP']
        if 'teacher_config' not in cfg.model:
            assert 'Teacher Config' not in entry['Metadata']
            continue
        assert entry['Metadata']['Teacher Config'] == cfg.model['teacher_config']
        assert entry['Metadata']['Teacher Checkpoint'].split()[0] == cfg.model['teacher_ckpt']
        terms = {label(t) for t in cfg.model.bbox_head.distill_terms.values()}
        assert terms == set(entry['Metadata']['Distillation Terms'])


def shrink(model: dict) -> dict:
    """The config's detector at toy size (ResNet-18 at 1/8 width, 16 channels, 1 conv)."""
    model = copy.deepcopy(model)
    model['backbone'].update(depth=18, base_channels=8, init_cfg=None, frozen_stages=-1,
                             norm_eval=False)
    model['neck'].update(in_channels=[8, 16, 32, 64], out_channels=16)
    model['bbox_head'].update(in_channels=16, feat_channels=16, stacked_convs=1,
                              norm_cfg=dict(type='GN', num_groups=4, requires_grad=True))
    if 'teacher_config' in model:
        model['teacher_config'] = dict(
            model=shrink(resolve_teacher_config(model['teacher_config']).to_dict()))
        model['teacher_ckpt'] = None
        model['allow_random_teacher'] = True
    return model


@pytest.mark.parametrize('path', [p for p in BENCHMARK if 'teacher_config' in p.read_text()],
                         ids=config_id)
def test_one_rotated_distillation_step(path):
    cfg = Config.fromfile(str(path))
    model = MODELS.build(shrink(model_without_ckpt(cfg)))
    model.train()
    inputs, samples = rotated_batch()
    losses = model.loss(inputs, samples)
    terms = list(cfg.model.bbox_head.distill_terms)
    for name in terms:
        assert torch.isfinite(losses[name]) and losses[name].item() > 0, name
    sum(losses[name] for name in terms).backward()
    assert all(p.grad is None for p in model.teacher.parameters())


# ------------------------------------------------------------------------ real runs (slow)
def configure(config: str, data_root: str, work_dir: str, iters: int, train_split='train',
              val_split='val', ann_dir='labelTxt') -> Config:
    cfg = Config.fromfile(str(ROTATED_DIR / config))
    if cfg.train_cfg.get('type') != 'IterBasedTrainLoop':  # a DOTA config: epochs -> iters
        cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=iters)
        cfg.param_scheduler = []
        cfg.default_hooks.checkpoint = dict(type='CheckpointHook', by_epoch=False)
        cfg.log_processor = dict(by_epoch=False)
    set_max_iters(cfg, iters)
    for name, split in (('train_dataloader', train_split), ('val_dataloader', val_split),
                        ('test_dataloader', val_split)):
        loader = cfg[name]
        loader.dataset.update(data_root=data_root, ann_file=f'{split}/{ann_dir}/',
                              data_prefix=dict(img_path=f'{split}/images/'))
        loader.update(batch_size=2, num_workers=0, persistent_workers=False)
    for evaluator in cfg.val_evaluator:  # same numbers, no process spawned per threshold
        evaluator['type'] = 'InProcessDOTAMetric'
    cfg.test_evaluator = cfg.val_evaluator
    cfg.work_dir = work_dir
    cfg.randomness = dict(seed=0)
    cfg.default_hooks.logger.interval = 1
    # keep the low scores of a few iterations, but few boxes: rotated NMS and the DOTA
    # evaluation on a CPU are quadratic in the number of boxes
    cfg.model.test_cfg.update(score_thr=0.0, nms_pre=100, max_per_img=50)
    return cfg


@pytest.mark.slow
@pytest.mark.parametrize('teacher, student', [
    ('rotated-retinanet-dist-kld_r34_fpn128_synthetic-dota.py',
     'rld_rotated-retinanet-dist-kld_r34_r18w16_synthetic-dota.py'),
    ('rotated-fcos-dist_r34_fpn128_synthetic-dota.py',
     'ld_rotated-fcos-dist_r34_r18w16_synthetic-dota.py'),
], ids=['retinanet', 'fcos'])
def test_synthetic_rotated_teacher_then_ld_student_evaluate(teacher, student, tmp_path):
    root = str(tmp_path / 'dota') + '/'
    generate_dataset(root, num_train=8, num_val=4, img_size=96, seed=2, fmt='dota',
                     progress=None)
    teacher_dir = str(tmp_path / 'teacher')
    Runner.from_cfg(configure(f'mini/{teacher}', root, teacher_dir, 2)).train()
    cfg = configure(f'mini/{student}', root, str(tmp_path / 'student'), 2)
    cfg.model.teacher_ckpt = osp.join(teacher_dir, 'iter_2.pth')
    runner = Runner.from_cfg(cfg)
    runner.train()
    logged = runner.message_hub.log_scalars
    assert {'train/loss_ld', 'train/loss_kd'} <= set(logged)
    metrics = runner.test()
    assert 0.0 <= metrics['dota/mAP'] <= 1.0 and 0.0 <= metrics['dota_coco/mAP'] <= 1.0


@pytest.mark.slow
def test_real_dota_sample_trains_a_scaled_down_student_and_evaluates(tmp_path):
    src = REAL_SAMPLES / 'dota'
    if not src.is_dir():
        pytest.skip(f'real DOTA sample missing: {src}')
    root = tmp_path / 'real'
    shutil.copytree(src / 'images', root / 'trainval' / 'images')
    shutil.copytree(src / 'labelTxt', root / 'trainval' / 'annfiles')
    cfg = configure('rld_r18-rotated-retinanet-dist-hbox-oc-r34_fpn_kld_1x_dota.py',
                    str(root) + '/', str(tmp_path / 'work'), 1, 'trainval', 'trainval',
                    'annfiles')
    cfg.model = shrink(model_without_ckpt(cfg))
    for name in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        for step in cfg[name].dataset.pipeline:  # scaled down: 1024 -> 256
            if step['type'] == 'mmdet.Resize':
                step['scale'] = (256, 256)
        cfg[name].sampler = dict(type='DefaultSampler', shuffle=False)
        cfg[name].batch_size = 1
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert torch.isfinite(torch.tensor(runner.message_hub.get_scalar('train/loss_ld').current()))
    metrics = runner.test()
    assert {'dota/mAP', 'dota/AP50', 'dota_coco/mAP'} <= set(metrics)
