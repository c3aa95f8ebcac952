"""The distributed process group of a tool's run, closed when the run ends.

mmengine initialises the process group (``--launcher pytorch``) and never destroys it. With gloo,
a process that exits with the group alive may abort at interpreter shutdown (``terminate called
without an active exception``, SIGABRT) when gloo's worker threads are torn down after Python:
the run succeeded, yet the launcher reports the rank as failed. PyTorch asks applications to call
``destroy_process_group`` on normal exit (pytorch/pytorch#190489, the warning of PyTorch >= 2.4).
"""
import contextlib
from typing import Iterator

import torch.distributed as dist


def process_group_alive() -> bool:
    """Whether this process belongs to an initialised default process group."""
    return dist.is_available() and dist.is_initialized()


@contextlib.contextmanager
def closed_process_group() -> Iterator[None]:
    """Run the block; when it ends normally, wait for every rank (``barrier``: rank 0 hosts the
    store the others still read) and destroy the default process group. On an exception the group
    is left to the launcher, which stops the other ranks (a barrier would wait for them forever).
    Without a process group (single-process runs) it does nothing."""
    yield
    if process_group_alive():
        dist.barrier()
        dist.destroy_process_group()
