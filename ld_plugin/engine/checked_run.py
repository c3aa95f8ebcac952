"""Run a built Runner so that data that does not match the model stops it with one message."""
from typing import Any

from mmengine.runner import Runner

from ..utils.data_model_check import (
    DatasetModelMismatchError,
    empty_dataset_problems,
    raised_while_loading_a_dataset,
    unknown_class_problem,
)

#: the dataloaders each Runner entry point builds
MODE_SPLITS = {'train': ('train_dataloader', 'val_dataloader'), 'val': ('val_dataloader', ),
               'test': ('test_dataloader', )}


def run_with_data_checks(runner: Runner, mode: str) -> Any:
    """``runner.train()``, ``runner.val()`` or ``runner.test()`` (``mode``).

    The data problems come out as :class:`DatasetModelMismatchError`: those the
    :class:`DatasetModelCheckHook` finds before the first iteration, and a dataset that is empty
    after loading and filtering, which mmengine fails to build (``need at least one array to
    concatenate``) before any hook runs, or whose labels name a class it does not know (mmrotate's
    DOTA loader: a bare ``KeyError``).

    Raises:
        DatasetModelMismatchError: one line per problem, each naming both sides and the fix.
    """
    try:
        return getattr(runner, mode)()
    except DatasetModelMismatchError:
        raise
    except KeyError as error:
        problem = unknown_class_problem(error)
        if problem is None:
            raise
        raise DatasetModelMismatchError(problem) from error
    except ValueError as error:
        splits = [split for split in MODE_SPLITS[mode]
                  if split != 'val_dataloader' or mode != 'train' or runner.cfg.get('val_cfg')]
        problems = (empty_dataset_problems(runner.cfg, splits)
                    if raised_while_loading_a_dataset(error) else [])
        if not problems:
            raise
        raise DatasetModelMismatchError('\n'.join(problems)) from error
