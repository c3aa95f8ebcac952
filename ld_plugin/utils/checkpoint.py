"""Make mmengine checkpoints loadable with ``torch.load(weights_only=True)``.

torch >= 2.6 defaults ``torch.load`` to ``weights_only=True``; mmengine 0.10.7 calls it without
the argument, so resuming (``--resume``) or loading a teacher checkpoint written by mmengine fails
on its message hub (``HistoryBuffer`` holding numpy arrays). Instead of switching the safe loader
off, we allow-list exactly the types mmengine writes into checkpoints.
"""
import pickle
from typing import List, Tuple, Union

import numpy as np
import torch


def _numpy_globals() -> List[object]:
    """numpy objects needed to unpickle arrays, dtypes and scalars (numpy 1.x and 2.x)."""
    items: List[object] = [np.ndarray, np.dtype]
    try:  # numpy >= 2
        from numpy._core.multiarray import _reconstruct, scalar
    except ImportError:  # numpy 1.x
        from numpy.core.multiarray import _reconstruct, scalar  # type: ignore
    items += [_reconstruct, scalar]
    # dtype classes (numpy.dtypes.Float64DType, ...) are pickled by reference since numpy 1.25
    dtypes = getattr(np, 'dtypes', None)
    if dtypes is not None:
        items += [getattr(dtypes, name) for name in dir(dtypes) if name.endswith('DType')]
    return items


def _history_buffer_getattr(obj: object, name: str) -> object:
    """A ``getattr`` restricted to ``HistoryBuffer``'s statistics methods.

    mmengine pickles ``HistoryBuffer._statistics_methods`` (functions such as
    ``HistoryBuffer.min``), which pickle stores as ``getattr(HistoryBuffer, 'min')``. Allowing the
    real ``builtins.getattr`` would open every attribute of every allowed object to a crafted
    file; this stand-in answers only that one question.
    """
    from mmengine.logging import HistoryBuffer
    attr = vars(HistoryBuffer).get(name) if obj is HistoryBuffer else None
    if attr is not None and not name.startswith('_') and callable(attr):
        return getattr(HistoryBuffer, name)
    raise pickle.UnpicklingError(
        f'checkpoint asks for getattr({obj!r}, {name!r}); only HistoryBuffer statistics '
        'methods are allowed by ld_plugin\'s safe checkpoint loading')


def checkpoint_safe_globals() -> List[Union[object, Tuple[object, str]]]:
    """Types that mmengine's ``Runner.save_checkpoint`` puts into a checkpoint."""
    from mmengine.logging import HistoryBuffer
    return [HistoryBuffer, (_history_buffer_getattr, 'builtins.getattr'), *_numpy_globals()]


def register_checkpoint_safe_globals() -> None:
    """Allow-list mmengine's checkpoint types for ``torch.load(weights_only=True)``.

    Idempotent; a no-op on torch versions without ``add_safe_globals``.
    """
    add = getattr(torch.serialization, 'add_safe_globals', None)
    if add is not None:
        add(checkpoint_safe_globals())
