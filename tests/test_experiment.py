"""ld_plugin.utils.experiment: dataset folders, classes from the data, resume after a kill."""
import json

import pytest
from mmengine.hooks import Hook
from mmengine.registry import HOOKS

from ld_plugin.datasets.folder import read_dataset_folder
from ld_plugin.datasets.synthetic import generate_dataset
from ld_plugin.utils.experiment import prepare_config, train_and_test

from conftest import REPO_ROOT

STUDENT = str(REPO_ROOT / 'configs/mini/gfl_r18w16_fpn64_synthetic.py')
LD = str(REPO_ROOT / 'configs/mini/ld_gfl_r34_r18w16_synthetic.py')
KEYS = ['coco/bbox_mAP']


@pytest.fixture(scope='module')
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp('data') / 'synthetic'
    generate_dataset(str(root), num_train=8, num_val=2, img_size=64, seed=3,
                     progress=lambda *a, **k: None)
    return root


def test_dataset_folder_gives_classes_and_a_label_fingerprint(data, tmp_path):
    folder = read_dataset_folder(data)
    meta = json.loads((data / 'meta.json').read_text())
    assert folder.format == 'coco' and folder.classes == tuple(meta['classes'])
    assert len(folder.fingerprint) == 12
    with pytest.raises(FileNotFoundError, match='tools/convert_dataset.py'):
        read_dataset_folder(tmp_path)
    (tmp_path / 'meta.json').write_text(json.dumps({'classes': ['a'], 'format': 'coco'}))
    with pytest.raises(FileNotFoundError, match='instances_train.json'):
        read_dataset_folder(tmp_path)


def test_classes_from_the_data_size_student_and_teacher(data, tmp_path):
    classes = ['cat', 'dog']
    cfg, config_hash = prepare_config(LD, 4, str(tmp_path / 'w'), str(data), 0,
                                      classes=classes)
    assert cfg.model.bbox_head.num_classes == 2
    assert cfg.model.teacher_config.bbox_head.num_classes == 2  # the file teacher, embedded
    assert cfg.model.teacher_config.backbone.depth == 34
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        assert list(cfg[loader].dataset.metainfo['classes']) == classes
    _, other_hash = prepare_config(LD, 4, str(tmp_path / 'w'), str(data), 0)
    assert other_hash != config_hash


def test_image_size_reaches_plain_and_multi_scale_resizes(data, tmp_path):
    ms_teacher = str(REPO_ROOT / 'configs/mini/gfl_r18w32_fpn128_ms_synthetic.py')
    cfg, _ = prepare_config(ms_teacher, 4, str(tmp_path / 'w'), str(data), 0, image_size=320)
    train = {step['type']: step for step in cfg.train_dataloader.dataset.pipeline}
    assert train['RandomResize']['scale'] == (320, 320)
    assert train['RandomResize']['ratio_range'] == (0.6, 1.0)  # kept: jitter around the size
    test = {step['type']: step for step in cfg.test_dataloader.dataset.pipeline}
    assert test['Resize']['scale'] == (320, 320)


@HOOKS.register_module(force=True)
class _StopAtIter(Hook):
    """Simulates a kill: raises after iteration ``at`` (after its checkpoint is written)."""
    priority = 'LOWEST'

    def __init__(self, at):
        self.at = at

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        if runner.iter + 1 == self.at:
            raise KeyboardInterrupt('simulated kill')


def test_an_interrupted_stage_resumes_from_its_last_checkpoint(data, tmp_path):
    work_dir = str(tmp_path / 'stage')
    cfg, config_hash = prepare_config(STUDENT, 5, work_dir, str(data), 0)
    cfg.custom_hooks = [dict(type='_StopAtIter', at=3)]  # after hashing, as a kill would be
    with pytest.raises(KeyboardInterrupt):
        train_and_test('student', cfg, config_hash, 5, KEYS, log=lambda m: None)
    assert (tmp_path / 'stage' / 'iter_3.pth').is_file()
    messages = []
    cfg, same_hash = prepare_config(STUDENT, 5, work_dir, str(data), 0)
    assert same_hash == config_hash
    result = train_and_test('student', cfg, config_hash, 5, KEYS, log=messages.append)
    assert result['resumed_from'] == 3 and result['iters'] == 5
    assert any('resuming from' in m and '3/5' in m for m in messages)
    assert (tmp_path / 'stage' / 'iter_5.pth').is_file()
    # another config does not resume from this stage's checkpoint
    cfg, other_hash = prepare_config(STUDENT, 6, work_dir, str(data), 0)
    cfg.custom_hooks = [dict(type='_StopAtIter', at=1)]
    messages.clear()
    with pytest.raises(KeyboardInterrupt):
        train_and_test('student', cfg, other_hash, 6, KEYS, log=messages.append)
    assert not any('resuming' in m for m in messages)
