"""Missing dataset files are reported before training or testing starts, with the fix."""
import json
import subprocess
import sys
from types import SimpleNamespace

import pytest
from mmengine.config import Config

from ld_plugin.datasets.synthetic import generate_dataset
from ld_plugin.utils.data_model_check import coco_categories, leaf_datasets
from ld_plugin.utils.dataset_check import missing_dataset_files

from conftest import REPO_ROOT

MINI = REPO_ROOT / 'configs/mini/gfl_r18w16_fpn64_synthetic.py'


def with_root(root: str) -> Config:
    cfg = Config.fromfile(str(MINI))
    for split in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[split].dataset.data_root = root
    cfg.val_evaluator.ann_file = root + 'annotations/instances_val.json'
    cfg.test_evaluator.ann_file = root + 'annotations/instances_val.json'
    return cfg


def test_every_missing_file_is_named(tmp_path):
    root = str(tmp_path / 'nowhere') + '/'
    problems = missing_dataset_files(with_root(root))
    assert f"train_dataloader.dataset.ann_file: '{root}annotations/instances_train.json' " \
           'does not exist' in problems
    assert f"train_dataloader.dataset.data_prefix.img: '{root}train/' does not exist" in problems
    assert f"val_evaluator.ann_file: '{root}annotations/instances_val.json' does not exist" \
        in problems
    assert len(problems) == 8  # 3 splits x (ann_file, images) + 2 evaluators


def test_nothing_missing_on_generated_data(tmp_path):
    root = str(tmp_path / 'data') + '/'
    generate_dataset(root, num_train=1, num_val=1, img_size=64, progress=None)
    assert missing_dataset_files(with_root(root)) == []


def test_wrapped_and_rotated_datasets(tmp_path):
    cfg = Config(dict(train_dataloader=dict(dataset=dict(
        type='RepeatDataset', times=2, dataset=dict(
            type='ConcatDataset', datasets=[
                dict(data_root=str(tmp_path) + '/', ann_file='trainval/annfiles/',
                     data_prefix=dict(img_path='trainval/images/')),
                dict(data_root='s3://bucket/', ann_file='a.json')])))))
    assert missing_dataset_files(cfg, ('train_dataloader',)) == [
        f"train_dataloader.dataset.ann_file: '{tmp_path}/trainval/annfiles/' does not exist",
        f"train_dataloader.dataset.data_prefix.img_path: '{tmp_path}/trainval/images/' does "
        'not exist']


def test_train_and_test_tools_stop_before_building(tmp_path):
    root = str(tmp_path / 'nowhere') + '/'
    options = [f'{s}.dataset.data_root={root}' for s in
               ('train_dataloader', 'val_dataloader', 'test_dataloader')]
    train = subprocess.run([sys.executable, str(REPO_ROOT / 'tools/train.py'), str(MINI),
                            '--work-dir', str(tmp_path / 'work'), '--cfg-options', *options],
                           capture_output=True, text=True, timeout=300, cwd=REPO_ROOT)
    assert train.returncode != 0
    assert f"train_dataloader.dataset.ann_file: '{root}annotations/instances_train.json'" \
        in train.stderr
    assert 'tools/make_synthetic_dataset.py' in train.stderr
    assert not (tmp_path / 'work').exists()  # stopped before the runner made its work dir
    ckpt = tmp_path / 'x.pth'
    ckpt.write_bytes(b'')
    test = subprocess.run([sys.executable, str(REPO_ROOT / 'tools/test.py'), str(MINI),
                           str(ckpt), '--cfg-options', *options],
                          capture_output=True, text=True, timeout=300, cwd=REPO_ROOT)
    assert test.returncode != 0 and f"test_dataloader.dataset.ann_file: '{root}" in test.stderr


@pytest.mark.parametrize('layout', ['categories_last', 'categories_first', 'no_categories'])
def test_coco_categories_are_read_from_anywhere_in_the_file(layout, tmp_path):
    categories = [dict(id=1, name='a "quoted" ]name['), dict(id=7, name='b', supercategory='x')]
    big = [dict(id=i, image_id=1, category_id=1, bbox=[0, 0, 1, 1]) for i in range(5000)]
    data = dict(images=[dict(id=1, file_name='0.png')], annotations=big)
    if layout == 'categories_last':
        data['categories'] = categories
    elif layout == 'categories_first':
        data = dict(categories=categories, **data)
    path = tmp_path / 'ann.json'
    path.write_text(json.dumps(data, indent=1))
    assert coco_categories(str(path)) == (None if layout == 'no_categories' else categories)


def test_coco_categories_of_an_unreadable_file(tmp_path):
    (tmp_path / 'empty.json').write_text('')
    (tmp_path / 'list.json').write_text('[1, 2]')
    (tmp_path / 'cut.json').write_text('{"images": [], "categories": [{"id": 1, "na')
    for name in ('empty.json', 'list.json', 'cut.json', 'missing.json'):
        assert coco_categories(str(tmp_path / name)) is None, name


def test_leaf_datasets_name_their_config_path():
    leaf, other = SimpleNamespace(), SimpleNamespace()
    wrapped = SimpleNamespace(dataset=SimpleNamespace(datasets=[leaf, SimpleNamespace(
        dataset=other)]))
    assert leaf_datasets(wrapped, 'train_dataloader.dataset') == [
        ('train_dataloader.dataset.dataset.datasets[0]', leaf),
        ('train_dataloader.dataset.dataset.datasets[1].dataset', other)]
