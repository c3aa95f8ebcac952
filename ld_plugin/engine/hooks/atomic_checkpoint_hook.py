"""Checkpoints that survive a kill: every checkpoint file and ``last_checkpoint`` is written to
``<name>.part`` in the same folder, flushed to disk and renamed over ``<name>`` (an atomic
replace on POSIX and Windows), so a kill mid-write leaves the previous files intact.

mmengine's ``CheckpointHook`` writes in place: a kill during the write leaves a truncated
``iter_N.pth`` that ``last_checkpoint`` may already name (``--resume`` then fails in
``torch.load`` with a zip error).
"""
import builtins
import contextlib
import os
import os.path as osp
from typing import IO, Iterator, Union

import mmengine
from mmdet.registry import HOOKS
from mmengine.config import Config
from mmengine.fileio.backends import LocalBackend
from mmengine.hooks import CheckpointHook
from mmengine.hooks import checkpoint_hook as checkpoint_hook_module

#: suffix of a file being written; it replaces the target only once complete
PART_SUFFIX = '.part'
#: bytes per ``write`` call
CHUNK_BYTES = 16 << 20


def write_chunks(file: IO[bytes], data: bytes) -> None:
    """Write ``data`` in chunks of :data:`CHUNK_BYTES`."""
    view = memoryview(data)
    for start in range(0, len(view), CHUNK_BYTES):
        file.write(view[start:start + CHUNK_BYTES])


@contextlib.contextmanager
def atomic_file(path: Union[str, os.PathLike], mode: str = 'wb',
                encoding: Union[str, None] = None) -> Iterator[IO]:
    """Open ``path`` for writing; what is written reaches ``path`` only when the block ends
    normally (``<path>.part``, flush + fsync, ``os.replace``). On an exception the part file is
    removed; after a kill it stays beside an untouched ``path``."""
    path = os.fspath(path)
    part = path + PART_SUFFIX
    try:
        with builtins.open(part, mode, encoding=encoding) as file:
            yield file
            file.flush()
            os.fsync(file.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(part)
        raise
    os.replace(part, path)
    with contextlib.suppress(OSError):  # make the rename itself durable where supported
        folder = os.open(osp.dirname(osp.abspath(path)), os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)


def _atomic_put(backend: LocalBackend, obj: bytes, filepath) -> None:
    """``LocalBackend.put`` (what ``save_checkpoint`` calls), atomically."""
    mmengine.mkdir_or_exist(osp.dirname(filepath))
    with atomic_file(filepath) as file:
        write_chunks(file, obj)


def _open(file, mode: str = 'r', *args, **kwargs):
    """``open`` for the checkpoint hook's module: writes (``last_checkpoint``) are atomic."""
    if 'w' in mode and not args and set(kwargs) <= {'encoding'}:
        return atomic_file(file, mode, **kwargs)
    return builtins.open(file, mode, *args, **kwargs)


@contextlib.contextmanager
def atomic_checkpoint_writes() -> Iterator[None]:
    """Within the block, local checkpoint files and ``last_checkpoint`` are written atomically
    (:func:`atomic_file`). Re-entrant: mmengine saves a best checkpoint from within
    ``_save_best_checkpoint``, which may call ``_save_checkpoint_with_step`` again."""
    if LocalBackend.put is _atomic_put:  # an enclosing block already made the writes atomic
        yield
        return
    put = LocalBackend.put
    LocalBackend.put = _atomic_put
    checkpoint_hook_module.open = _open
    try:
        yield
    finally:
        LocalBackend.put = put
        del checkpoint_hook_module.open


@contextlib.contextmanager
def removals_after_the_block(backend) -> Iterator[None]:
    """Within the block, ``backend.remove`` / ``backend.rmtree`` are recorded and carried out
    when the block ends normally: mmengine removes the checkpoint beyond ``max_keep_ckpts``
    *before* writing the new one, so a kill mid-write would leave no complete checkpoint."""
    deferred = []
    saved = {name: backend.__dict__.get(name) for name in ('remove', 'rmtree')}
    originals = {name: getattr(backend, name) for name in saved}
    for name in saved:
        setattr(backend, name, lambda path, name=name: deferred.append((name, path)))
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                delattr(backend, name)
            else:
                setattr(backend, name, value)
    for name, path in deferred:
        originals[name](path)


@HOOKS.register_module()
class AtomicCheckpointHook(CheckpointHook):
    """mmengine's ``CheckpointHook`` (same arguments) whose checkpoints, best checkpoints and
    ``last_checkpoint`` are written atomically: a kill never leaves a truncated checkpoint
    under its final name, and the checkpoint beyond ``max_keep_ckpts`` is removed only once the
    new one is complete. ``tools/train.py`` and the benchmarks use it in place of
    ``CheckpointHook`` (:func:`use_atomic_checkpoints`); in a config:
    ``default_hooks = dict(checkpoint=dict(type='ld_plugin.AtomicCheckpointHook', ...))``.
    """

    @contextlib.contextmanager
    def _safe_saving(self) -> Iterator[None]:
        """Atomic writes, and removals of older (best) checkpoints after the new one."""
        with atomic_checkpoint_writes(), removals_after_the_block(self.file_backend):
            yield

    def _save_checkpoint_with_step(self, runner, step, meta) -> None:
        with self._safe_saving():
            super()._save_checkpoint_with_step(runner, step, meta)

    def _save_best_checkpoint(self, runner, metrics) -> None:
        with self._safe_saving():
            super()._save_best_checkpoint(runner, metrics)


def use_atomic_checkpoints(cfg: Config) -> None:
    """Make the config's ``default_hooks.checkpoint`` an :class:`AtomicCheckpointHook` when it
    is mmengine's ``CheckpointHook`` (its arguments are kept; another type is left alone)."""
    hook = (cfg.get('default_hooks') or {}).get('checkpoint')
    if hook is None:
        return
    kind = hook.get('type')
    if kind is CheckpointHook or (isinstance(kind, str)
                                  and kind.rpartition('.')[2] == 'CheckpointHook'
                                  and kind.rpartition('.')[0] in ('', 'mmengine', 'mmdet',
                                                                  'mmrotate')):
        hook['type'] = 'ld_plugin.AtomicCheckpointHook'
