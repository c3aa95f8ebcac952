"""Benchmark configs (configs/gfl, configs/ld): they load and build, agree with their metafile,
and one training step of each config family runs at toy size."""
import copy
import functools
import shutil
from pathlib import Path

import pytest
import torch
import yaml
from mmdet.registry import DATASETS, METRICS, MODELS
from mmengine.config import Config, ConfigDict
from mmengine.dataset import pseudo_collate

from ld_plugin.utils.config import resolve_teacher_config

from conftest import REAL_SAMPLES, REPO_ROOT, demo_batch

CONFIG_DIR = REPO_ROOT / 'configs'
METAFILES = sorted(p for p in CONFIG_DIR.glob('*/metafile.yml') if p.parent.name != 'rotated')
# Folders of benchmark-row configs: metafile entry, paper schedule (configs/mini, the CPU
# demo, is only loaded and built here).
BENCHMARK_DIRS = ('gfl', 'atss', 'fcos', 'retinanet', 'ld', 'bckd', 'rm_pfi', 'feature_imitation',
                  'crosskd')


def benchmark_configs():
    return sorted(p for d in BENCHMARK_DIRS for p in (CONFIG_DIR / d).rglob('*.py')
                  if '_base_' not in p.relative_to(CONFIG_DIR).parts)


def all_configs():
    """The mmdet configs (configs/rotated/ is tested in test_rotated_configs.py)."""
    return sorted(p for p in CONFIG_DIR.rglob('*.py')
                  if not {'_base_', 'rotated'} & set(p.relative_to(CONFIG_DIR).parts))


def config_id(path: Path) -> str:
    return str(path.relative_to(CONFIG_DIR))


@functools.lru_cache(maxsize=None)
def _load(path: Path) -> Config:
    return Config.fromfile(str(path))


def load(path) -> Config:
    """A config by path (absolute or relative to configs/); parsed once per session."""
    return copy.deepcopy(_load((CONFIG_DIR / path).resolve()))


def without_teacher_ckpt(model_cfg: ConfigDict) -> dict:
    """The checkpoints are URLs or files trained first: build with a random teacher."""
    model_cfg = copy.deepcopy(model_cfg)
    if 'teacher_ckpt' in model_cfg:
        model_cfg['teacher_ckpt'] = None
        model_cfg['allow_random_teacher'] = True
    return model_cfg


# ------------------------------------------------------------------------- load and build
# Full-size models (R-101 teachers included) build in 0.5-2 s each on a CPU, about 25 s for
# all configs: not marked slow. init_weights() is not called, so nothing is downloaded.
@pytest.mark.parametrize('path', all_configs(), ids=config_id)
def test_config_builds(path, registry_scope):
    cfg = load(path)
    assert cfg.custom_imports['imports'] == ['ld_plugin']
    model = MODELS.build(without_teacher_ckpt(cfg.model))
    if 'teacher_config' in cfg.model:
        assert model.teacher is not None and not model.teacher.training


@pytest.mark.parametrize('path', benchmark_configs(), ids=config_id)
def test_lr_follows_the_batch(path):
    """lr = batch / 16 * 0.01 (LD README) at the stated batch; a whole number of GPUs."""
    cfg = load(path)
    base = cfg.auto_scale_lr['base_batch_size']
    assert cfg.auto_scale_lr['enable'] is False
    assert cfg.optim_wrapper['optimizer']['lr'] == pytest.approx(base / 16 * 0.01)
    assert base % cfg.train_dataloader['batch_size'] == 0
    # the official LD terms are per image, not batch-normalised: at most 3 img/GPU (README)
    assert cfg.train_dataloader['batch_size'] <= 3


# ----------------------------------------------------------------------------- metafile
def term_label(term: dict) -> str:
    """The name a metafile uses for a distillation term."""
    loss, region = term['loss']['type'].split('.')[-1], term.get('region')
    if term.get('source') == 'cross_head':
        return f"CrossKD {'cls' if term['pred'] == 'cls' else 'reg'}"
    fixed = {'BinaryClassificationKDLoss': 'BCKD cls',
             'IoULocalizationDistillationLoss': 'BCKD box',
             'RankMimickingLoss': 'RM', 'PredictionGuidedFeatureImitationLoss': 'PFI'}
    if loss in fixed:
        return fixed[loss]
    if loss == 'PKDLoss':
        return 'PKD'
    if loss == 'FeatureImitationLoss':
        return f'Imitation ({region})'
    kind = {'LocalizationDistillationLoss': 'LD', 'ClassificationKDLoss': 'KD'}[loss]
    return f"{'Main' if region == 'main' else 'VLR'} {kind}"


def metafile_models():
    return [m for path in METAFILES for m in yaml.safe_load(path.read_text())['Models']]


def test_metafile_and_configs_match():
    models = metafile_models()
    names = [m['Name'] for m in models]
    assert len(names) == len(set(names)), 'duplicate metafile names'
    listed = {m['Config'] for m in models}
    for m in models:
        assert (REPO_ROOT / m['Config']).is_file(), f"{m['Name']}: {m['Config']} does not exist"
        assert Path(m['Config']).stem == m['Name']
    missing = [str(p.relative_to(REPO_ROOT)) for p in benchmark_configs()
               if str(p.relative_to(REPO_ROOT)) not in listed]
    assert not missing, f'configs without a metafile entry: {missing}'


@pytest.mark.parametrize('entry', metafile_models(), ids=lambda m: m['Name'])
def test_metafile_entry_describes_its_config(entry):
    cfg = load(REPO_ROOT / entry['Config'])
    meta = entry['Metadata']
    voc = 'voc' in entry['Name']
    for result in entry.get('Results', []):
        assert result['Task'] == 'Object Detection'
        assert result['Dataset'] == ('PASCAL VOC' if voc else 'COCO')
        metrics = result['Metrics']
        assert 0 < metrics['box AP'] < 100
        assert metrics.get('AP50', 100) >= metrics['box AP']
        assert metrics.get('AP75', 0) <= metrics.get('AP50', 100)
    assert meta['Batch Size'] == cfg.auto_scale_lr['base_batch_size']
    assert str(meta['Epochs']).split()[0] == str(cfg.train_cfg['max_epochs'])
    model = cfg.model
    if 'teacher_config' not in model:
        assert 'Teacher Config' not in meta
        return
    assert meta['Teacher Config'] == model['teacher_config']
    assert meta['Teacher Checkpoint'].split()[0] == model['teacher_ckpt']
    terms = {term_label(t) for t in model['bbox_head']['distill_terms'].values() if t is not None}
    assert terms == set(meta['Distillation Terms'])
    needs_vlr = any(t is not None and t.get('region') == 'vlr'
                    for t in model['bbox_head']['distill_terms'].values())
    assigner = ((model.get('train_cfg') or {}).get('assigner') or {}).get('type')
    if 'FCOS' in model['bbox_head']['type']:  # FCOS's VLR needs no assigner
        assert assigner is None
    else:
        assert (assigner in ('ld_plugin.VLRATSSAssigner', 'ld_plugin.VLRMaxIoUAssigner',
                             'ld_plugin.VLRDynamicSoftLabelAssigner')) == needs_vlr


# ----------------------------------------------------------- one training step at toy size
def shrink_model(model_cfg: ConfigDict, width: int = 8, channels: int = 16) -> dict:
    """The config's detector at toy size: ResNet-18 at 1/``width`` base channels, FPN and head
    with ``channels`` channels and one conv per branch; classes, priors, reg_max, losses,
    distillation terms and assigner are the config's. A teacher is built from its own config
    (so the teacher config is checked too), shrunk the same way, passed inline, no checkpoint.
    """
    # one conv per branch; CrossKD's cross head needs the teacher's conv after the reused one
    cross_head = model_cfg['bbox_head'].get('cross_head')
    convs = 1 if cross_head is None else cross_head['reused_conv'] + 1

    def shrink(cfg: dict) -> dict:
        cfg['backbone'] = dict(type='ResNet', depth=18, base_channels=width, num_stages=4,
                               out_indices=(0, 1, 2, 3), norm_cfg=dict(type='BN'),
                               norm_eval=False, init_cfg=None)
        cfg['neck'].update(in_channels=[width, width * 2, width * 4, width * 8],
                           out_channels=channels)
        cfg['bbox_head'].update(in_channels=channels, feat_channels=channels, stacked_convs=convs,
                                norm_cfg=dict(type='GN', num_groups=4, requires_grad=True))
        for term in (cfg['bbox_head'].get('distill_terms') or {}).values():
            if term is not None and 'student_channels' in term['loss']:
                term['loss'].update(student_channels=channels, teacher_channels=channels)
        return cfg

    model = shrink(copy.deepcopy(model_cfg).to_dict())
    if model['bbox_head'].get('cross_head', {}).get('teacher_channels') is not None:
        model['bbox_head']['cross_head']['teacher_channels'] = channels  # both heads shrunk
    if 'teacher_config' in model:
        teacher = resolve_teacher_config(model['teacher_config']).to_dict()
        model['teacher_config'] = dict(model=shrink(teacher))
        model['teacher_ckpt'] = None
        model['allow_random_teacher'] = True
    return model


def check_losses(losses: dict, cfg: Config) -> None:
    terms = {k: v for k, v in cfg.model['bbox_head']['distill_terms'].items() if v is not None}
    assert set(terms) <= set(losses) and {'loss_cls', 'loss_bbox'} <= set(losses) - set(terms)
    total = 0
    for key, value in losses.items():
        value = sum(value) if isinstance(value, (list, tuple)) else value
        assert torch.isfinite(value).all(), f'{key} = {value}'
        total = total + value
    # random teacher != random student: a term over the (never empty) positives is > 0
    assert all(losses[k].item() > 0 for k, t in terms.items() if t.get('region') == 'main')
    total.backward()


# One config per family; the loss keys expected are the config's own terms.
FAMILIES = [
    'ld/ld_r18-gflv1-r101_fpn_1x_coco.py',               # COCO, full recipe
    'ld/ld-vlrkd_r50-gflv1-r101_fpn_1x_coco.py',         # ablation family (all four terms)
    'ld/ld-main_r101-gflv1-r101-dcn_fpn_2x_coco.py',     # DCN teacher, Main LD only
    'ld/ld-main_r18-gflv1-r18_fpn_1x_coco.py',           # self-LD, teacher = our config
    'ld/voc/ld-main_r34-gflv1-r101-dcn_fpn_1x_voc0712.py',  # VOC, 20 classes, our teacher
    'bckd/bckd_r18-gflv1-r101_fpn_1x_coco.py',           # BCKD, both terms
    'rm_pfi/rm-pfi_r50-retinanet-r101_fpn_2x_coco.py',   # RM + PFI on a RetinaNet student
    'feature_imitation/fi-gibox_r50-gflv1-r101_fpn_1x_coco.py',  # imitation baselines
    'feature_imitation/ld-gibox_r50-gflv1-r101_fpn_1x_coco.py',  # LD + GI
    'mini/rm-pfi_gfl_r34_r18w16_synthetic.py',           # mini, adaptation layer 64 -> 128
    'mini/rm-pfi_rtmdet_r34_r18w16_synthetic.py',        # RM + PFI on RTMDet (SepBN)
    'mini/fi-gibox_rtmdet_r34_r18w16_synthetic.py',      # GI imitation on RTMDet
    'mini/crosskd-pkd_rtmdet_r34_r18w16_synthetic.py',   # CrossKD + PKD on RTMDet
    'ld/ld_r50-atss-dist-r101_fpn_1x_coco.py',           # distribution ATSS, VLR assigner
    'ld/ld_r50-retinanet-dist-r101_fpn_1x_coco.py',      # distribution RetinaNet, max-IoU VLR
    'ld/ld_r50-fcos-dist-r101_fpn_gn-head-center-normbbox-centeronreg-giou_1x_coco.py',  # FCOS
    'crosskd/crosskd-pkd_r50-gflv1-r101-ms-2x_fpn_1x_coco.py',   # CrossKD + PKD, GFL
    'crosskd/crosskd-vlr-ld_r50-gflv1-r101-ms-2x_fpn_1x_coco.py',  # CrossKD + VLR LD
    'crosskd/crosskd-bckd-box_r50-gflv1-r101-ms-2x_fpn_1x_coco.py',  # CrossKD + BCKD box
    'crosskd/crosskd-ld_r50-gflv1-r101-ms-2x_fpn_1x_coco.py',    # CrossKD + Main LD
    'crosskd/crosskd-pkd_r50-retinanet-r101_fpn_2x_coco.py',     # CrossKD on a plain head
    'crosskd/crosskd-pkd_r50-atss-r101_fpn_1x_coco.py',
    'crosskd/crosskd-pkd_r50-fcos-r101-caffe-ms-2x_fpn_gn-head_ms-2x_coco.py',  # conv 2, points
]


@pytest.mark.parametrize('path', FAMILIES)
def test_one_distillation_step(path, registry_scope):
    cfg = load(path)
    model = MODELS.build(shrink_model(cfg.model))
    model.train()
    num_classes = cfg.model['bbox_head']['num_classes']
    inputs, samples = demo_batch(model, num_classes=num_classes)
    check_losses(model.loss(inputs, samples), cfg)
    assert all(p.grad is None for p in model.teacher.parameters())


# ------------------------------------------------------------------- VOC on the real sample
VOC_STUDENT = 'ld/voc/ld-main_r18-gflv1-r101_fpn_1x_voc0712.py'


def with_data_root(dataset_cfg: dict, data_root: str) -> dict:
    """Set ``data_root`` of every VOCDataset inside Repeat/Concat wrappers."""
    dataset_cfg = copy.deepcopy(dataset_cfg)
    if 'dataset' in dataset_cfg:
        dataset_cfg['dataset'] = with_data_root(dataset_cfg['dataset'], data_root)
    elif 'datasets' in dataset_cfg:
        dataset_cfg['datasets'] = [with_data_root(d, data_root) for d in dataset_cfg['datasets']]
    else:
        dataset_cfg['data_root'] = data_root
    return dataset_cfg


@pytest.fixture
def voc_copy(tmp_path):
    src = REAL_SAMPLES / 'VOCdevkit'
    if not src.is_dir():
        pytest.skip(f'real VOC sample missing: {src}')
    dst = tmp_path / 'VOCdevkit'
    shutil.copytree(src, dst)
    return str(dst) + '/'


def test_voc_data_settings_load_the_real_sample(voc_copy, registry_scope):
    cfg = load(VOC_STUDENT)
    train = DATASETS.build(with_data_root(cfg.train_dataloader['dataset'], voc_copy))
    # RepeatDataset x3 of VOC2007 + VOC2012 trainval, one image each
    assert len(train) == 6
    assert len(train.metainfo['classes']) == 20 == cfg.model['bbox_head']['num_classes']
    item = train[0]
    assert item['inputs'].shape[0] == 3 and max(item['inputs'].shape[1:]) <= 1333
    labels = item['data_samples'].gt_instances.labels
    assert len(labels) > 0 and int(labels.max()) < 20

    test = DATASETS.build(with_data_root(cfg.test_dataloader['dataset'], voc_copy))
    assert len(test) == 1 and test.metainfo['dataset_type'] == 'VOC2007'
    # VOCMetric on ground-truth predictions: mAP 1
    metric = METRICS.build(cfg.test_evaluator)
    metric.dataset_meta = test.metainfo
    sample = test[0]['data_samples']
    gt = sample.gt_instances
    pred = dict(bboxes=gt.bboxes.clone(), labels=gt.labels.clone(),
                scores=torch.ones(len(gt.labels)))
    metric.process({}, [dict(gt_instances=gt.to_dict(),
                             ignored_instances=sample.ignored_instances.to_dict(),
                             ori_shape=sample.ori_shape, img_id=sample.img_id,
                             pred_instances=pred)])
    assert metric.evaluate(1)['pascal_voc/mAP'] == pytest.approx(1.0)


@pytest.mark.slow
def test_voc_distillation_step_on_the_real_sample(voc_copy, registry_scope):
    cfg = load(VOC_STUDENT)
    train = DATASETS.build(with_data_root(cfg.train_dataloader['dataset'], voc_copy))
    model = MODELS.build(shrink_model(cfg.model))
    model.train()
    batch = pseudo_collate([train[0], train[3]])  # the VOC2007 and the VOC2012 image
    data = model.data_preprocessor(batch, training=True)
    check_losses(model.loss(data['inputs'], data['data_samples']), cfg)
