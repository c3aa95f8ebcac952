"""Missing dataset files are reported before training or testing starts, with the fix."""
import subprocess
import sys

from mmengine.config import Config

from conftest import REPO_ROOT
from ld_plugin.datasets.synthetic import generate_dataset
from ld_plugin.utils.dataset_check import missing_dataset_files

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
