"""Record what a method or a module computes inside a ``with`` block, and nothing after it.

One utility serves every recording the distillation needs: the assigner's results (the
positives and the VLR of each image), the IoU matrix the assigner computes (reused by the VLR)
and the tower features at a conv of a head (CrossKD). On leaving the block the recorded object
is exactly as before: no wrapper, hook or attribute is left on it.
"""
from contextlib import contextmanager
from typing import Any, Callable, Dict, Iterator, List, NamedTuple, Optional, Sequence

import torch.nn as nn
from torch import Tensor


class Call(NamedTuple):
    """One recorded call: its arguments, its result and what ``before`` returned."""
    args: tuple
    kwargs: dict
    result: Any
    before: Any = None


@contextmanager
def record_calls(owner: Any, name: str,
                 before: Optional[Callable[..., Any]] = None,
                 extra_kwargs: Optional[Callable[..., dict]] = None) -> Iterator[List[Call]]:
    """Within the block, every call of ``owner.<name>`` is recorded as a :class:`Call`.

    Args:
        owner: the object whose method (or callable attribute, e.g. an assigner's
            ``iou_calculator``) is recorded.
        name: the attribute name.
        before: ``before(*args, **kwargs)`` runs before each call; its result is kept in
            ``Call.before`` (e.g. what an in-place call is about to change).
        extra_kwargs: ``extra_kwargs(*args, **kwargs) -> dict`` adds keyword arguments to each
            call (e.g. ``num_level_priors`` for assigners that need them).

    Yields:
        The list the calls are appended to, in call order.
    """
    calls: List[Call] = []
    had_own = name in vars(owner)
    original = getattr(owner, name)

    def recording(*args, **kwargs):
        kept = before(*args, **kwargs) if before is not None else None
        if extra_kwargs is not None:
            kwargs = {**kwargs, **extra_kwargs(*args, **kwargs)}
        result = original(*args, **kwargs)
        calls.append(Call(args, kwargs, result, kept))
        return result

    setattr(owner, name, recording)
    try:
        yield calls
    finally:
        if had_own:
            setattr(owner, name, original)
        else:
            delattr(owner, name)


@contextmanager
def record_outputs(modules: Dict[str, Sequence[nn.Module]],
                   clone: bool = False) -> Iterator[Dict[str, List[Tensor]]]:
    """Within the block, the output of each module is recorded (forward hooks, removed after).

    Args:
        modules: ``{key: modules}``; outputs of all the modules of one key go to one list in
            call order (e.g. one module called once per FPN level).
        clone: record a copy (gradients flow through it): needed when the next module changes
            the output in place (mmcv's ``ConvModule`` applies ``ReLU(inplace=True)`` to its
            norm's output).

    Yields:
        ``{key: [output, ...]}``.
    """
    outputs: Dict[str, List[Tensor]] = {key: [] for key in modules}
    handles = []
    try:
        for key, group in modules.items():
            for module in group:
                handles.append(module.register_forward_hook(
                    lambda _m, _inp, out, key=key: outputs[key].append(
                        out.clone() if clone else out)))
        yield outputs
    finally:
        for handle in handles:
            handle.remove()


@contextmanager
def replace_inputs(modules: Dict[str, Sequence[nn.Module]],
                   inputs: Dict[str, Sequence[Tensor]]) -> Iterator[None]:
    """Within the block, the i-th call of any of ``modules[key]`` (in call order, e.g. one
    module called once per FPN level, or one module per level) gets ``inputs[key][i]`` as its
    input (forward pre-hooks, removed after): runs the rest of a network from a given tensor.
    """
    handles = []
    counters = {key: 0 for key in modules}

    def replace(key: str):
        def hook(_module, _args):
            i = counters[key]
            counters[key] += 1
            return (inputs[key][i], )
        return hook

    try:
        for key, group in modules.items():
            for module in group:
                handles.append(module.register_forward_pre_hook(replace(key)))
        yield
    finally:
        for handle in handles:
            handle.remove()
