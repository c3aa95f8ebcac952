"""Data that does not match the model or its teacher stops the run before the first iteration.

The hook (:class:`ld_plugin.engine.DatasetModelCheckHook`) is exercised on tiny built datasets
and models through a stand-in runner; ``tools/train.py`` and ``tools/test.py`` in subprocesses.
"""
import json
import os
import subprocess
import sys
from types import SimpleNamespace

import pytest
import torch
from mmdet.datasets import BaseDetDataset, CocoDataset
from mmdet.registry import MODELS
from mmengine.config import Config
from mmengine.dataset import RepeatDataset
from mmengine.runner import Runner
from PIL import Image

from ld_plugin.engine import (
    DatasetModelCheckHook,
    add_dataset_model_check_hook,
    run_with_data_checks,
)
from ld_plugin.utils.data_model_check import DatasetModelMismatchError

from conftest import REPO_ROOT, tiny_distill, tiny_gfl

NAMES = ('c1', 'c2', 'c3')
SIX = ('c1', 'c2', 'c3', 'c4', 'c5', 'c6')

pytestmark = pytest.mark.usefixtures('registry_scope')  # builds in mmdet's scope


def write_coco(root, num_categories: int = 3, images: int = 2, size: int = 64) -> str:
    """``root/img/<i>.png`` and ``root/ann.json``: every image holds one box of each category
    ``c1`` ... (category ids 1 ...)."""
    (root / 'img').mkdir(parents=True, exist_ok=True)
    anns = []
    for index in range(images):
        Image.new('RGB', (size, size), (40, 40, 40)).save(root / 'img' / f'{index}.png')
        for cat in range(1, num_categories + 1):
            anns.append(dict(id=len(anns) + 1, image_id=index + 1, category_id=cat,
                             bbox=[2.0 * cat, 2.0 * cat, 20.0, 16.0], area=320.0, iscrowd=0))
    coco = dict(images=[dict(id=i + 1, file_name=f'{i}.png', width=size, height=size)
                        for i in range(images)],
                annotations=anns,
                categories=[dict(id=c, name=f'c{c}') for c in range(1, num_categories + 1)])
    (root / 'ann.json').write_text(json.dumps(coco))
    return str(root) + '/'


def coco(root: str, classes=NAMES, **kwargs) -> CocoDataset:
    return CocoDataset(data_root=root, ann_file='ann.json', data_prefix=dict(img='img/'),
                       metainfo=dict(classes=classes), pipeline=[],
                       filter_cfg=dict(filter_empty_gt=True, min_size=1), **kwargs)


class LabelListDataset(BaseDetDataset):
    """A detection dataset whose data infos are given: ``labels[i]`` are image i's labels."""

    METAINFO = dict(classes=NAMES)

    def __init__(self, labels, **kwargs) -> None:
        self.labels = labels
        super().__init__(ann_file='', pipeline=[], serialize_data=False, **kwargs)

    def load_data_list(self) -> list:
        return [dict(img_path=f'img/{i}.png', img_id=i, height=64, width=64,
                     instances=[dict(bbox=[0, 0, 8, 8], bbox_label=label, ignore_flag=0)
                                for label in labels])
                for i, labels in enumerate(self.labels)]


def distill(num_classes: int = 3, teacher_ckpt=None):
    cfg = tiny_distill(teacher=tiny_gfl(num_classes=num_classes, width=16),
                       num_classes=num_classes)
    cfg.update(teacher_ckpt=teacher_ckpt, allow_random_teacher=teacher_ckpt is None)
    return MODELS.build(cfg)


def stand_in_runner(model, train=None, val=None, test=None, load_from=None):
    """The parts of mmengine's Runner the hook reads; warnings are collected in ``.warnings``."""
    def loader(dataset):
        return None if dataset is None else SimpleNamespace(dataset=dataset)
    warnings = []
    return SimpleNamespace(
        model=model, train_dataloader=loader(train), val_loop=loader(val),
        val_dataloader=loader(val), test_dataloader=loader(test), cfg=Config(
            dict(load_from=load_from)), logger=SimpleNamespace(warning=warnings.append),
        warnings=warnings)


def train_check(model, dataset, **kwargs):
    """Run the hook's ``before_train`` on ``dataset``; the stand-in runner (with warnings)."""
    runner = stand_in_runner(model, train=dataset, **kwargs)
    DatasetModelCheckHook().before_train(runner)
    return runner


def test_matching_data_passes_silently(tmp_path):
    root = write_coco(tmp_path)
    runner = train_check(distill(), coco(root), val=coco(root, test_mode=True))
    assert runner.warnings == []


def six_classes_message(root) -> str:
    """The class-count message for 6 COCO categories and 3-class student and teacher heads."""
    return (
        f"train_dataloader.dataset (CocoDataset, {root}ann.json) has 6 classes "
        "['c1', 'c2', 'c3', 'c4', 'c5', 'c6'] but model.bbox_head.num_classes is 3 "
        "(DistillGFLHead) and the teacher's bbox_head.num_classes is 3 (GFLHead): the boxes of "
        'the classes from index 3 on would be trained as background. Fix: set num_classes=6 in '
        "model.bbox_head and the teacher's bbox_head (and retrain the teacher on these "
        'classes), or set train_dataloader.dataset.metainfo.classes to the 3 classes the model '
        'predicts')


def test_more_classes_than_the_student_and_teacher_heads(tmp_path):
    root = write_coco(tmp_path, num_categories=6)
    runner = stand_in_runner(distill(), train=coco(root, SIX))
    with pytest.raises(DatasetModelMismatchError) as error:
        DatasetModelCheckHook().before_train(runner)
    assert runner.warnings == []  # classes 3-5 have boxes: they are out of range, not absent
    assert str(error.value).splitlines()[0] == six_classes_message(root)
    assert '6 of 12 boxes, in 2 image(s) (the first: ' in str(error.value)


def test_fewer_classes_than_the_plain_head_and_in_a_wrapped_set(tmp_path):
    root = write_coco(tmp_path, num_categories=2)
    model = MODELS.build(tiny_gfl(num_classes=3))
    leaf = dict(type='CocoDataset', data_root=root, ann_file='ann.json', pipeline=[],
                data_prefix=dict(img='img/'), metainfo=dict(classes=('c1', 'c2')))
    dataset = RepeatDataset(dict(type='ConcatDataset', datasets=[leaf, leaf]), times=2)
    with pytest.raises(DatasetModelMismatchError) as error:
        train_check(model, dataset)
    lines = str(error.value).splitlines()
    assert lines[0] == (
        f"train_dataloader.dataset.dataset.datasets[0] (CocoDataset, {root}ann.json) has 2 "
        "classes ['c1', 'c2'] but model.bbox_head.num_classes is 3 (GFLHead): the head classes "
        'from index 2 on would never see a box. Fix: set num_classes=2 in model.bbox_head, or '
        'set train_dataloader.dataset.dataset.datasets[0].metainfo.classes to the 3 classes the '
        'model predicts')
    assert len(lines) == 2 and lines[1].startswith(
        'train_dataloader.dataset.dataset.datasets[1] (CocoDataset')


def test_the_hidden_teacher_head_is_checked():
    model = distill()
    model.teacher.bbox_head.num_classes = 4  # stands for a teacher head built for 4 classes
    with pytest.raises(DatasetModelMismatchError, match=(
            r"has 3 classes \['c1', 'c2', 'c3'\] but the teacher's bbox_head\.num_classes is 4 "
            r'\(GFLHead\).* Fix: set num_classes=3 in the teacher\'s bbox_head \(and retrain the '
            r'teacher on these classes\)$')):
        train_check(model, LabelListDataset([[0, 1, 2]]))


def test_labels_outside_the_head_classes():
    dataset = LabelListDataset([[0, 1], [2, 3, 7], [1], [-1]])
    with pytest.raises(DatasetModelMismatchError) as error:
        train_check(distill(), dataset)
    assert str(error.value) == (
        'train_dataloader.dataset (LabelListDataset): 3 of 7 boxes, in 2 image(s) (the first: '
        'img/1.png), have a bbox_label outside [0, 3) (model.bbox_head.num_classes is 3); labels '
        "[-1, 3, 7]. Fix: the annotations or the dataset's label mapping, so that every label is "
        'one of the 3 classes')


def test_teacher_checkpoint_trained_on_other_class_names(tmp_path):
    teacher = MODELS.build(tiny_gfl(width=16))
    ckpt = tmp_path / 'teacher.pth'
    torch.save({'meta': {'dataset_meta': {'classes': ('c3', 'c2', 'c1')}},
                'state_dict': teacher.state_dict()}, ckpt)
    model = distill(teacher_ckpt=str(ckpt))
    if getattr(model.teacher, 'dataset_meta', None) is None:
        pytest.skip('the teacher loader does not keep the checkpoint dataset_meta yet')
    with pytest.raises(DatasetModelMismatchError, match=(
            r"has the classes \['c1', 'c2', 'c3'\] but the teacher's checkpoint was trained on "
            r"\['c3', 'c2', 'c1'\] \(its meta\.dataset_meta\.classes\), the same names in "
            r'another order: its class i is not class i of the data\. Fix: set '
            r'model\.teacher_ckpt to a teacher trained on these classes in this order')):
        train_check(model, LabelListDataset([[0, 1, 2]]))
    model.teacher.dataset_meta = dict(classes=NAMES)
    assert train_check(model, LabelListDataset([[0, 1, 2]])).warnings == []


def test_class_names_unknown_to_the_coco_file_empty_the_dataset(tmp_path):
    root = write_coco(tmp_path)
    with pytest.raises(DatasetModelMismatchError) as error:
        train_check(distill(), coco(root, ('cat', 'dog', 'c3')))
    lines = str(error.value).splitlines()
    assert lines[0] == (
        f'train_dataloader.dataset (CocoDataset, {root}ann.json): the labels of the data are '
        'not metainfo.classes: mmdet keeps the categories of the annotation file named in '
        "metainfo.classes and numbers them in the file's order, which gives the labels ['c3'] "
        "for metainfo.classes ['cat', 'dog', 'c3']; ['cat', 'dog'] are not categories of the "
        'file. Fix: set train_dataloader.dataset.metainfo.classes to category names of the file, '
        "in the file's order (its categories: ['c1', 'c2', 'c3'])")
    assert len(lines) == 1  # images with a c3 box remain
    with pytest.raises(DatasetModelMismatchError) as error:  # mmengine cannot serialize it
        train_check(distill(), coco(root, ('cat', 'dog', 'cow'), serialize_data=False))
    assert f'train_dataloader.dataset (CocoDataset, {root}ann.json) has no image, so there is ' \
        'nothing to train on: likely causes: metainfo.classes names that are not the category ' \
        'names of the annotation file' in str(error.value)
    assert "here ['cat', 'dog', 'cow'] are not categories of the file" in str(error.value)


def test_coco_classes_in_another_order_than_the_file(tmp_path):
    root = write_coco(tmp_path)
    with pytest.raises(DatasetModelMismatchError, match=(
            r"which gives the labels \['c1', 'c2', 'c3'\] for metainfo\.classes "
            r"\['c2', 'c1', 'c3'\]\. Fix")):
        train_check(distill(), coco(root, ('c2', 'c1', 'c3')))


def test_warnings_for_classes_without_box_and_dropped_categories(tmp_path):
    root = write_coco(tmp_path, num_categories=4)
    model = MODELS.build(tiny_gfl(num_classes=3))
    runner = train_check(model, coco(root, NAMES))
    assert runner.warnings == [
        f"train_dataloader.dataset (CocoDataset, {root}ann.json): the categories ['c4'] of "
        'the annotation file are not in metainfo.classes, so their boxes are dropped and their '
        'objects are background']
    runner = train_check(model, LabelListDataset([[0, 0], [1]]))
    assert runner.warnings == ["train_dataloader.dataset (LabelListDataset): no box of the "
                               "classes ['c3']; the model never learns them"]


def test_val_set_is_checked_before_training_and_once(tmp_path):
    root = write_coco(tmp_path)
    runner = stand_in_runner(distill(), train=coco(root),
                             val=coco(root, ('c1', 'c2'), test_mode=True))
    hook = DatasetModelCheckHook()
    with pytest.raises(DatasetModelMismatchError, match=r'^val_dataloader\.dataset \(Coco'):
        hook.before_train(runner)
    hook.before_val(runner)  # checked already: the training's validations do not repeat it


def test_test_set_against_the_loaded_checkpoint_classes():
    model = MODELS.build(tiny_gfl(num_classes=3))
    runner = stand_in_runner(model, test=LabelListDataset([[0, 1, 2]]), load_from='x.pth')
    hook = DatasetModelCheckHook()
    hook.after_load_checkpoint(runner, {'meta': {'dataset_meta': {'classes': ('a', 'b', 'c')}}})
    with pytest.raises(DatasetModelMismatchError, match=(
            r"^test_dataloader\.dataset \(LabelListDataset\) has the classes \['c1', 'c2', 'c3'\] "
            r"but the checkpoint 'x\.pth' was trained on \['a', 'b', 'c'\] .* Fix: use the "
            r'checkpoint trained on this data, or, for the same classes in another order, '
            r"reorder test_dataloader\.dataset\.metainfo\.classes to the checkpoint's$")):
        hook.before_test(runner)
    hook = DatasetModelCheckHook()
    hook.after_load_checkpoint(runner, {'meta': {'dataset_meta': {'classes': NAMES}}})
    hook.before_test(runner)
    assert runner.warnings == []


def test_evaluation_set_without_boxes_only_warns():
    model = MODELS.build(tiny_gfl(num_classes=3))
    runner = stand_in_runner(model, test=LabelListDataset([[], []]))
    DatasetModelCheckHook().before_test(runner)
    assert runner.warnings == ['test_dataloader.dataset (LabelListDataset) has 2 images but no '
                               'box: likely causes: metainfo.classes names that are not the '
                               'category names of the annotation file (mmdet drops the '
                               'annotations of other categories, then filter_cfg.filter_empty_gt '
                               'the images left without a box), an annotation file without '
                               'annotations. Fix: point '
                               'test_dataloader.dataset.ann_file at the annotations and name '
                               'their categories in metainfo.classes']
    with pytest.raises(DatasetModelMismatchError, match='has 2 images but no box'):
        train_check(model, LabelListDataset([[], []]))


def test_dota_set_with_another_class_count_is_refused(tmp_path):
    pytest.importorskip('mmrotate')
    from mmengine.registry import DefaultScope
    from mmrotate.registry import DATASETS
    from mmrotate.registry import MODELS as ROTATED_MODELS

    import ld_plugin.rotated  # noqa: F401
    from ld_plugin.datasets.synthetic import ROTATED_CLASSES, generate_dataset
    from ld_plugin.utils.config import resolve_teacher_config
    generate_dataset(str(tmp_path), num_train=2, num_val=1, img_size=64, fmt='dota',
                     progress=None)
    model_cfg = resolve_teacher_config(
        'mmrotate::rotated_retinanet/rotated-retinanet-rbox-oc_r50_fpn_1x_dota.py').to_dict()
    model_cfg['backbone'].update(depth=18, base_channels=8, init_cfg=None)
    model_cfg['neck'].update(in_channels=[8, 16, 32, 64], out_channels=16)
    model_cfg['bbox_head'].update(num_classes=3, in_channels=16, feat_channels=16,
                                  stacked_convs=1)
    with DefaultScope.overwrite_default_scope('mmrotate'):
        model = ROTATED_MODELS.build(model_cfg)
        dataset = DATASETS.build(dict(
            type='DOTADataset', data_root=str(tmp_path) + '/', ann_file='train/labelTxt/',
            data_prefix=dict(img_path='train/images/'), metainfo=dict(classes=ROTATED_CLASSES),
            pipeline=[]))
    with pytest.raises(DatasetModelMismatchError, match=(
            rf"^train_dataloader\.dataset \(DOTADataset, {tmp_path}/train/labelTxt/\) has 5 "
            r"classes \['filled_rectangle', .*\] but model\.bbox_head\.num_classes is 3 "
            r'\(RetinaHead\)')):
        train_check(model, dataset)
    model.bbox_head.num_classes = len(ROTATED_CLASSES)
    train_check(model, dataset)


def test_tools_add_the_hook_once():
    cfg = Config(dict(custom_hooks=[dict(type='EMAHook')]))
    add_dataset_model_check_hook(cfg)
    assert [h['type'] for h in cfg.custom_hooks] == [
        'EMAHook', 'ld_plugin.engine.DatasetModelCheckHook']
    add_dataset_model_check_hook(cfg)
    assert len(cfg.custom_hooks) == 2
    own = Config(dict(custom_hooks=[dict(type='DatasetModelCheckHook')]))
    add_dataset_model_check_hook(own)
    assert len(own.custom_hooks) == 1


# ---- the tools, end to end --------------------------------------------------------------------

def tool_config(path, root: str, classes, model: dict, split: str = 'train') -> str:
    """A tools/train.py or tools/test.py config on the COCO set of ``root`` (no validation)."""
    pipeline = [dict(type='LoadImageFromFile'), dict(type='LoadAnnotations', with_bbox=True),
                dict(type='PackDetInputs')]
    dataset = dict(type='CocoDataset', data_root=root, ann_file='ann.json',
                   data_prefix=dict(img='img/'), metainfo=dict(classes=classes),
                   filter_cfg=dict(filter_empty_gt=True, min_size=1), pipeline=pipeline,
                   test_mode=split == 'test')
    loader = dict(batch_size=2, num_workers=0, dataset=dataset,
                  sampler=dict(type='InfiniteSampler' if split == 'train' else 'DefaultSampler',
                               shuffle=split == 'train'))
    cfg = dict(default_scope='mmdet', model=model, work_dir=str(path.parent / 'work'),
               env_cfg=dict(cudnn_benchmark=False, dist_cfg=dict(backend='gloo')),
               default_hooks=dict(logger=dict(type='LoggerHook', interval=1)))
    if split == 'train':
        cfg.update(train_dataloader=loader,
                   train_cfg=dict(type='IterBasedTrainLoop', max_iters=2, val_interval=10 ** 6),
                   optim_wrapper=dict(type='OptimWrapper',
                                      optimizer=dict(type='SGD', lr=0.001, momentum=0.9)))
    else:
        cfg.update(test_dataloader=loader, test_cfg=dict(type='TestLoop'),
                   test_evaluator=dict(type='CocoMetric', ann_file=root + 'ann.json'))
    Config(cfg).dump(str(path))
    return str(path)


def run_tool(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=300,
                          cwd=REPO_ROOT, env=dict(os.environ, OMP_NUM_THREADS='1'))


def test_an_empty_training_set_is_explained_instead_of_failing_to_build(tmp_path):
    root = write_coco(tmp_path / 'data')
    cfg = Config.fromfile(tool_config(tmp_path / 'cfg.py', root, ('cat', 'dog', 'cow'),
                                      tiny_gfl()))
    add_dataset_model_check_hook(cfg)
    runner = Runner.from_cfg(cfg)
    with pytest.raises(DatasetModelMismatchError) as error:
        run_with_data_checks(runner, 'train')
    assert str(error.value).splitlines()[1] == (
        f'train_dataloader.dataset (CocoDataset, {root}ann.json) has no image, so there is '
        'nothing to train on: likely causes: metainfo.classes names that are not the category '
        'names of the annotation file (mmdet drops the annotations of other categories, then '
        "filter_cfg.filter_empty_gt the images left without a box; here ['cat', 'dog', 'cow'] "
        "are not categories of the file), an annotation file without annotations, or "
        "filter_cfg={'filter_empty_gt': True, 'min_size': 1}. Fix: point "
        'train_dataloader.dataset.ann_file at the annotations and name their categories in '
        'metainfo.classes')
    assert 'need at least one array to concatenate' in str(error.value.__cause__)


@pytest.mark.slow
def test_train_tool_stops_before_the_first_iteration(tmp_path):
    """case20: a 6-class COCO set and 3-class student and teacher heads."""
    root = write_coco(tmp_path / 'data', num_categories=6)
    teacher = tiny_gfl(width=16)
    torch.save({'meta': {}, 'state_dict': MODELS.build(teacher).state_dict()},
               tmp_path / 'teacher.pth')
    model = tiny_distill(teacher=teacher)
    model.update(teacher_ckpt=str(tmp_path / 'teacher.pth'), allow_random_teacher=False)
    proc = run_tool('tools/train.py', tool_config(tmp_path / 'cfg.py', root, SIX, model))
    assert proc.returncode == 1, proc.stderr[-3000:]
    assert proc.stderr.endswith(
        'the data does not match the model, nothing was trained:\n'
        + six_classes_message(root) + '\n'
        f'train_dataloader.dataset (CocoDataset, {root}ann.json): 6 of 12 boxes, in 2 image(s) '
        f'(the first: {root}img/0.png), have a bbox_label outside [0, 3) '
        '(model.bbox_head.num_classes is 3); labels [3, 4, 5]. Fix: the class counts of data '
        'and model, as above\n')
    assert 'Traceback' not in proc.stderr and 'Iter(train)' not in proc.stdout + proc.stderr
    assert not list((tmp_path / 'work').glob('*.pth'))


@pytest.mark.slow
def test_test_tool_stops_on_a_checkpoint_of_other_classes(tmp_path):
    root = write_coco(tmp_path / 'data')
    model = tiny_gfl(num_classes=3)
    ckpt = tmp_path / 'model.pth'
    torch.save({'meta': {'dataset_meta': {'classes': ('a', 'b', 'c')}},
                'state_dict': MODELS.build(model).state_dict()}, ckpt)
    proc = run_tool('tools/test.py', tool_config(tmp_path / 'cfg.py', root, NAMES, model, 'test'),
                    str(ckpt))
    assert proc.returncode == 1, proc.stderr[-3000:]
    assert proc.stderr.endswith(
        'the data does not match the model, nothing was tested:\n'
        f"test_dataloader.dataset (CocoDataset, {root}ann.json) has the classes "
        f"['c1', 'c2', 'c3'] but the checkpoint '{ckpt}' was trained on ['a', 'b', 'c'] (its "
        'meta.dataset_meta.classes): its class i is not class i of the data. Fix: use the '
        'checkpoint trained on this data, or, for the same classes in another order, reorder '
        "the categories of test_dataloader.dataset.ann_file (mmdet numbers them in the file's "
        "order, whatever the order of metainfo.classes) to the checkpoint's\n")


def test_dota_label_naming_an_unknown_class_is_explained(tmp_path):
    """mmrotate's DOTA loader raises a bare ``KeyError: '<name>'`` for a class missing from
    ``metainfo.classes``; the tools' run helper names the class and the fix."""
    pytest.importorskip('mmrotate')
    from mmengine.registry import DefaultScope
    from mmrotate.registry import DATASETS

    from ld_plugin.datasets.synthetic import ROTATED_CLASSES, generate_dataset
    from ld_plugin.engine import run_with_data_checks
    generate_dataset(str(tmp_path), num_train=4, num_val=1, img_size=64, fmt='dota',
                     progress=None)
    used = {line.split()[8] for path in (tmp_path / 'train/labelTxt').iterdir()
            for line in path.read_text().splitlines() if len(line.split()) >= 10}
    known = tuple(name for name in ROTATED_CLASSES if name != sorted(used)[0])

    class LoadingRunner:  # what Runner.train() does first: build the dataset
        def train(self):
            with DefaultScope.overwrite_default_scope('mmrotate'):
                DATASETS.build(dict(type='DOTADataset', data_root=str(tmp_path) + '/',
                                    ann_file='train/labelTxt/',
                                    data_prefix=dict(img_path='train/images/'),
                                    metainfo=dict(classes=known), pipeline=[]))

    with pytest.raises(DatasetModelMismatchError,
                       match=rf"^DOTADataset \(.*\): a label names the class "
                             rf"'{sorted(used)[0]}', which is not in metainfo.classes "
                             r"\[.*\]\. Fix: add"):
        run_with_data_checks(LoadingRunner(), 'train')
