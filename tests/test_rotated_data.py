"""The synthetic DOTA-format data and the real DOTA sample load through mmrotate's DOTADataset."""
import shutil

import numpy as np
import pytest

from ld_plugin.datasets.synthetic import ROTATED_CLASSES, generate_dataset

from conftest import REAL_SAMPLES

pytest.importorskip('mmrotate')


@pytest.fixture
def rotated_scope():
    import mmrotate.datasets  # noqa: F401  (registers DOTADataset and its transforms)
    from mmengine.registry import DefaultScope
    with DefaultScope.overwrite_default_scope('mmrotate'):  # restored afterwards
        yield


PIPELINE = [
    dict(type='mmdet.LoadImageFromFile'),
    dict(type='mmdet.LoadAnnotations', with_bbox=True, box_type='qbox'),
    dict(type='ConvertBoxType', box_type_mapping=dict(gt_bboxes='rbox')),
    dict(type='mmdet.PackDetInputs'),
]


def dota_dataset(data_root: str, split: str, **kwargs):
    from mmrotate.registry import DATASETS
    return DATASETS.build(dict(
        type='DOTADataset', data_root=data_root, ann_file=f'{split}/labelTxt/',
        data_prefix=dict(img_path=f'{split}/images/'), pipeline=PIPELINE, **kwargs))


def test_synthetic_dota_loads_as_rotated_boxes(tmp_path, rotated_scope):
    root = tmp_path / 'dota'
    summary = generate_dataset(str(root), num_train=4, num_val=2, img_size=96, fmt='dota',
                               progress=None)
    dataset = dota_dataset(str(root) + '/', 'train', metainfo=dict(classes=ROTATED_CLASSES))
    assert len(dataset) == 4
    boxes = 0
    for i in range(len(dataset)):
        sample = dataset[i]['data_samples']
        gt = sample.gt_instances
        assert type(gt.bboxes).__name__ == 'RotatedBoxes' and gt.bboxes.tensor.shape[1] == 5
        w, h = gt.bboxes.tensor[:, 2], gt.bboxes.tensor[:, 3]
        assert (w > 0).all() and (h > 0).all()
        assert ((gt.labels >= 0) & (gt.labels < len(ROTATED_CLASSES))).all()
        boxes += len(gt)
    assert boxes == summary['num_objects']['train']


def test_real_dota_sample_loads(tmp_path, rotated_scope):
    src = REAL_SAMPLES / 'dota'
    if not src.is_dir():
        pytest.skip(f'real DOTA sample missing: {src}')
    root = tmp_path / 'real'
    shutil.copytree(src / 'images', root / 'trainval' / 'images')
    shutil.copytree(src / 'labelTxt', root / 'trainval' / 'labelTxt')
    dataset = dota_dataset(str(root) + '/', 'trainval')
    sample = dataset[0]['data_samples']
    gt = sample.gt_instances
    assert len(dataset) == 1 and len(gt) == 4
    assert dataset.metainfo['classes'][int(gt.labels[0])] == 'plane'
    # planes of roughly 180 x 170 px
    sides = gt.bboxes.tensor[:, 2:4]
    assert np.allclose(sides.numpy(), sides.numpy().mean(), rtol=0.35)
