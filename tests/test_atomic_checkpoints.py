"""Checkpoints that survive a kill: atomic writes, and ``--resume`` naming a truncated file and
the complete checkpoint to use."""
import pytest
import torch
from mmengine.config import Config

from ld_plugin.engine import (
    AtomicCheckpointHook,
    IncompleteCheckpointError,
    resume_checkpoint,
    use_atomic_checkpoints,
)
from ld_plugin.engine.hooks.atomic_checkpoint_hook import atomic_file
from ld_plugin.engine.resume import checkpoint_is_complete, latest_complete_checkpoint


def save(path, value=1.0):
    torch.save({'w': torch.full((1000,), value)}, path)
    return path


def truncated(path, source):
    data = source.read_bytes()
    path.write_bytes(data[:len(data) // 2])  # what a kill during mmengine's in-place write leaves
    return path


def test_atomic_file_reaches_its_target_only_when_complete(tmp_path):
    target = tmp_path / 'last_checkpoint'
    target.write_text('old')
    with pytest.raises(RuntimeError):
        with atomic_file(target, 'w') as f:
            f.write('new, half')
            raise RuntimeError('killed')
    assert target.read_text() == 'old' and not (tmp_path / 'last_checkpoint.part').exists()
    with atomic_file(target, 'w') as f:
        f.write('new')
        assert target.read_text() == 'old'  # nothing visible before the block ends
    assert target.read_text() == 'new' and not (tmp_path / 'last_checkpoint.part').exists()


def test_the_checkpoint_hook_is_replaced_with_its_arguments_kept():
    cfg = Config(dict(default_hooks=dict(checkpoint=dict(type='CheckpointHook', interval=3,
                                                         max_keep_ckpts=2))))
    use_atomic_checkpoints(cfg)
    assert cfg.default_hooks.checkpoint == dict(type='ld_plugin.AtomicCheckpointHook',
                                                interval=3, max_keep_ckpts=2)
    own = Config(dict(default_hooks=dict(checkpoint=dict(type='MyCheckpointHook'))))
    use_atomic_checkpoints(own)
    assert own.default_hooks.checkpoint.type == 'MyCheckpointHook'
    from mmdet.registry import HOOKS
    assert HOOKS.get('ld_plugin.AtomicCheckpointHook') is AtomicCheckpointHook


def test_resume_names_the_broken_file_and_the_complete_one(tmp_path):
    good = save(tmp_path / 'iter_2.pth')
    broken = truncated(tmp_path / 'iter_4.pth', good)
    assert checkpoint_is_complete(str(good)) and not checkpoint_is_complete(str(broken))
    assert latest_complete_checkpoint(str(tmp_path)) == str(good)
    with pytest.raises(IncompleteCheckpointError,
                       match=r'--resume .*iter_4\.pth: the checkpoint is incomplete.*'
                             r'--resume .*iter_2\.pth'):
        resume_checkpoint(str(tmp_path), str(broken))
    with pytest.raises(FileNotFoundError, match='iter_9.pth: no such file'):
        resume_checkpoint(str(tmp_path), str(tmp_path / 'iter_9.pth'))
    assert resume_checkpoint(str(tmp_path), str(good)) == str(good)
    assert resume_checkpoint(str(tmp_path)) is None  # no last_checkpoint: from scratch
    (tmp_path / 'last_checkpoint').write_text(str(broken))
    with pytest.warns(UserWarning, match=r'names .*iter_4\.pth, which is incomplete.*'
                                         r'resuming from .*iter_2\.pth'):
        assert resume_checkpoint(str(tmp_path)) == str(good)
    good.unlink()
    with pytest.raises(IncompleteCheckpointError, match='no complete checkpoint'):
        resume_checkpoint(str(tmp_path))
