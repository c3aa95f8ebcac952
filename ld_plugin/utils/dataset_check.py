"""Check that the dataset files a config names exist, before any model is built
(:func:`check_dataset_files`); the built data against the built model is
:mod:`ld_plugin.utils.data_model_check`."""
import os.path as osp
from typing import Iterator, List, Tuple

from mmengine.config import Config

SPLITS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def leaf_dataset_cfgs(dataset: dict, where: str) -> Iterator[Tuple[str, dict]]:
    """``(config path, config)`` of the datasets inside wrappers (RepeatDataset,
    ClassBalancedDataset, ConcatDataset); ``where`` is the path of ``dataset``."""
    if not isinstance(dataset, dict):
        return
    if 'datasets' in dataset:
        for index, inner in enumerate(dataset['datasets']):
            yield from leaf_dataset_cfgs(inner, f'{where}.datasets[{index}]')
    elif 'dataset' in dataset:
        yield from leaf_dataset_cfgs(dataset['dataset'], f'{where}.dataset')
    else:
        yield where, dataset


def _leaf_datasets(dataset: dict) -> Iterator[dict]:
    """Dataset configs inside wrappers (RepeatDataset, ClassBalancedDataset, ConcatDataset)."""
    return (leaf for _, leaf in leaf_dataset_cfgs(dataset, 'dataset'))


def _local(path: str) -> bool:
    return '://' not in path


def missing_dataset_files(cfg: Config, splits=SPLITS) -> List[str]:
    """One line per annotation file / image folder of ``splits`` that does not exist."""
    problems = []
    for split in splits:
        loader = cfg.get(split)
        if not loader:
            continue
        for dataset in _leaf_datasets(loader.get('dataset')):
            root = dataset.get('data_root') or ''
            entries = [('ann_file', dataset.get('ann_file'))]
            entries += [(f'data_prefix.{k}', v)
                        for k, v in (dataset.get('data_prefix') or {}).items()
                        if k in ('img', 'img_path') and v]
            for key, value in entries:
                if not value or not _local(str(value)) or not _local(str(root)):
                    continue
                path = value if osp.isabs(value) else osp.join(root, value)
                if not osp.exists(path):
                    problems.append(f'{split}.dataset.{key}: {path!r} does not exist')
        evaluator_key = split.replace('_dataloader', '_evaluator')
        evaluators = cfg.get(evaluator_key) or []
        for index, evaluator in enumerate(evaluators if isinstance(evaluators, list)
                                          else [evaluators]):
            ann = evaluator.get('ann_file') if isinstance(evaluator, dict) else None
            if ann and _local(str(ann)) and not osp.exists(ann):
                where = evaluator_key if not isinstance(evaluators, list) else \
                    f'{evaluator_key}[{index}]'
                problems.append(f'{where}.ann_file: {ann!r} does not exist')
    return problems


def check_dataset_files(cfg: Config, splits=SPLITS) -> None:
    """Raise ``FileNotFoundError`` listing every missing dataset file, with the fix."""
    problems = missing_dataset_files(cfg, splits)
    if problems:
        raise FileNotFoundError(
            'dataset files are missing:\n  ' + '\n  '.join(problems) + '\nPut the dataset '
            "there, or point the config at it, e.g. --cfg-options "
            "train_dataloader.dataset.data_root=/path/to/data/ "
            "val_dataloader.dataset.data_root=/path/to/data/ (and test_dataloader, and the "
            "evaluator's ann_file). For the synthetic data run tools/make_synthetic_dataset.py.")
