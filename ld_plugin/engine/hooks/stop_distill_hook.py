"""Stop the distillation terms from a given epoch or iteration (mmyolo stops its RTMDet
distillation with the mosaic switch, at epoch 280 of 300)."""
from typing import Optional

from mmdet.registry import HOOKS
from mmengine.hooks import Hook
from mmengine.logging import MMLogger
from mmengine.model import is_model_wrapper


@HOOKS.register_module()
class StopDistillHook(Hook):
    """From ``stop_epoch`` (0-based, as ``runner.epoch``) or ``stop_iter`` on, the student
    trains on its detection losses only: the teacher no longer runs and every distillation
    loss is an exact 0 (kept in the log, with the parameters only the terms use kept in the
    graph, so DDP without ``find_unused_parameters`` still works). Resuming past the stop keeps
    it stopped.

    Args:
        stop_epoch: first epoch without distillation (e.g. 280, with ``PipelineSwitchHook``'s
            ``switch_epoch=280``).
        stop_iter: first iteration without distillation (iteration-based runs).

    Raises:
        ValueError: neither or both given, or a negative value.
        TypeError: the model is not a :class:`DistillSingleStageDetector` (at ``before_train``).
    """

    priority = 'NORMAL'

    def __init__(self, stop_epoch: Optional[int] = None, stop_iter: Optional[int] = None) -> None:
        if (stop_epoch is None) == (stop_iter is None):
            raise ValueError('StopDistillHook: give exactly one of stop_epoch and stop_iter, '
                             f'got stop_epoch={stop_epoch!r}, stop_iter={stop_iter!r}')
        value = stop_epoch if stop_iter is None else stop_iter
        if not isinstance(value, int) or value < 0:
            raise ValueError(f'StopDistillHook: the stop must be an int >= 0, got {value!r}')
        self.stop_epoch = stop_epoch
        self.stop_iter = stop_iter

    @staticmethod
    def _detector(runner):
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        if not hasattr(model, 'distill_stopped'):
            raise TypeError(f'StopDistillHook needs a DistillSingleStageDetector, got '
                            f'{type(model).__name__}; remove the hook or distill the model')
        return model

    def before_train(self, runner) -> None:
        self._detector(runner)

    def _update(self, runner, stopped: bool) -> None:
        model = self._detector(runner)
        if stopped and not model.distill_stopped:
            when = (f'epoch {runner.epoch}' if self.stop_iter is None
                    else f'iteration {runner.iter}')
            MMLogger.get_current_instance().info(
                f'StopDistillHook: distillation stopped from {when} on (detection losses only)')
        model.distill_stopped = stopped

    def before_train_epoch(self, runner) -> None:
        if self.stop_epoch is not None:
            self._update(runner, runner.epoch >= self.stop_epoch)

    def before_train_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        if self.stop_iter is not None:
            self._update(runner, runner.iter >= self.stop_iter)
