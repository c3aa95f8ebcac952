"""Stop a run whose data does not match the model (or its teacher) before the first iteration."""
from typing import List, Optional, Sequence, Set, Tuple

from mmdet.registry import HOOKS
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.runner import Runner

from ...models.detectors.teacher_loading import checkpoint_dataset_meta
from ...utils.data_model_check import DatasetModelMismatchError, find_dataset_model_problems

#: the hook's ``type`` as the tools add it: a full import path, found from any default scope
#: (``mmdet``, ``mmrotate``) even when the config imports nothing of ld_plugin
HOOK_TYPE = 'ld_plugin.engine.DatasetModelCheckHook'


@HOOKS.register_module()
class DatasetModelCheckHook(Hook):
    """Check the built datasets against the built model before any iteration runs.

    mmdet 3 no longer checks, by default, that the data fits the model: a dataset with more
    classes than the heads trains silently with the extra classes as background. This hook runs
    :func:`ld_plugin.utils.data_model_check.find_dataset_model_problems` on

    * ``before_train``: the training set (and the validation set, when there is one), against
      the student, the hidden distillation teacher (``model.teacher``: class count and the class
      names its checkpoint recorded);
    * ``before_val`` (a validation not run by the training) and ``before_test``: that set,
      against the model and the class names recorded by the checkpoint the runner loaded
      (``load_from``, read in ``after_load_checkpoint``).

    Warnings are logged; problems of every checked set are raised together. The datasets are
    looked through ``RepeatDataset`` / ``ClassBalancedDataset`` / ``ConcatDataset`` wrappers and
    the model through its DDP wrapper. Each dataset is checked once per run.

    Raises:
        DatasetModelMismatchError: one line per problem, each naming both sides (e.g.
            ``train_dataloader.dataset (CocoDataset, ann.json) has 6 classes [...] but
            model.bbox_head.num_classes is 3``) and the fix.
    """

    priority = 'VERY_HIGH'

    def __init__(self) -> None:
        self._checked: Set[int] = set()
        self._training = False
        self._checkpoint: Optional[Tuple[str, Sequence[str]]] = None

    def after_load_checkpoint(self, runner: Runner, checkpoint: dict) -> None:
        """Keep the class names the loaded checkpoint was trained on, when it recorded them
        (mmengine's ``meta.dataset_meta`` or mmdet 2.x's ``meta.CLASSES``)."""
        dataset_meta = checkpoint_dataset_meta(checkpoint) if isinstance(checkpoint, dict) \
            else None
        classes = dataset_meta.get('classes') if dataset_meta else None
        name = runner.cfg.get('load_from') if runner.cfg is not None else None
        self._checkpoint = (repr(name) if name else '(load_from)', classes) if classes else None

    def before_train(self, runner: Runner) -> None:
        """Check the training set (and the validation set) before the first iteration."""
        self._training = True
        splits = [('train_dataloader', runner.train_dataloader, True)]
        if runner.val_loop is not None:
            splits.append(('val_dataloader', runner.val_dataloader, False))
        self._check(runner, splits)

    def after_train(self, runner: Runner) -> None:
        self._training = False

    def before_val(self, runner: Runner) -> None:
        """Check the validation set (once; the training checked it already)."""
        self._check(runner, [('val_dataloader', runner.val_dataloader, False)],
                    with_checkpoint=not self._training)

    def before_test(self, runner: Runner) -> None:
        """Check the test set against the model and the checkpoint's class names."""
        self._check(runner, [('test_dataloader', runner.test_dataloader, False)],
                    with_checkpoint=True)

    def _check(self, runner: Runner, splits: List[tuple], with_checkpoint: bool = False) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        problems: List[str] = []
        for split, dataloader, training in splits:
            dataset = dataloader.dataset
            if id(dataset) in self._checked:
                continue
            found, warnings = find_dataset_model_problems(
                dataset, model, f'{split}.dataset', training,
                self._checkpoint if with_checkpoint else None)
            for warning in warnings:
                runner.logger.warning(warning)
            problems += found
            self._checked.add(id(dataset))
        if problems:
            raise DatasetModelMismatchError('\n'.join(problems))


def add_dataset_model_check_hook(cfg: Config) -> None:
    """Append :class:`DatasetModelCheckHook` to ``cfg.custom_hooks`` unless it is there."""
    hooks = list(cfg.get('custom_hooks') or [])
    for hook in hooks:
        kind = hook.get('type') if isinstance(hook, dict) else hook
        if kind is DatasetModelCheckHook or isinstance(hook, DatasetModelCheckHook) or (
                isinstance(kind, str) and kind.split('.')[-1] == DatasetModelCheckHook.__name__):
            return
    cfg.custom_hooks = hooks + [dict(type=HOOK_TYPE)]
