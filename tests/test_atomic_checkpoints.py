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
    assert resume_checkpoint(str(tmp_path)) == str(good)  # with a warning in the log
    good.unlink()
    with pytest.raises(IncompleteCheckpointError, match='no complete checkpoint'):
        resume_checkpoint(str(tmp_path))


def test_resume_ignores_best_checkpoints_and_reads_the_hooks_out_dir(tmp_path):
    work, out = tmp_path / 'work', tmp_path / 'out'
    work.mkdir()
    out.mkdir()
    save(out / 'iter_3.pth')
    save(out / 'best_coco_bbox_mAP_iter_4.pth')  # no optimizer state: never resumed from
    truncated(out / 'iter_6.pth', out / 'iter_3.pth')
    (work / 'last_checkpoint').write_text(str(out / 'iter_6.pth'))
    assert resume_checkpoint(str(work)) == str(out / 'iter_3.pth')
    with pytest.raises(IncompleteCheckpointError, match=r'--resume .*out/iter_3\.pth'):
        resume_checkpoint(str(work), str(out / 'iter_6.pth'))


def test_a_legacy_checkpoint_is_not_called_truncated(tmp_path):
    legacy = tmp_path / 'iter_2.pth'
    torch.save({'w': torch.ones(3)}, legacy, _use_new_zipfile_serialization=False)
    assert checkpoint_is_complete(str(legacy))
    assert resume_checkpoint(str(tmp_path), str(legacy)) == str(legacy)


def test_checkpoint_hook_types_and_no_default_hooks():
    for kind in ('mmdet.CheckpointHook', 'mmengine.CheckpointHook'):
        cfg = Config(dict(default_hooks=dict(checkpoint=dict(type=kind))))
        use_atomic_checkpoints(cfg)
        assert cfg.default_hooks.checkpoint.type == 'ld_plugin.AtomicCheckpointHook'
    none = Config(dict(default_hooks=None))
    use_atomic_checkpoints(none)  # mmengine accepts default_hooks=None
    assert none.default_hooks is None


def test_atomic_writes_nest_and_removals_wait_for_the_block(tmp_path):
    """mmengine saves a best checkpoint inside another save (nested blocks); the checkpoint
    beyond max_keep_ckpts is removed only after the new one is written."""
    from mmengine.fileio.backends import LocalBackend

    from ld_plugin.engine.hooks.atomic_checkpoint_hook import (
        atomic_checkpoint_writes,
        removals_after_the_block,
    )
    put = LocalBackend.put
    with atomic_checkpoint_writes():
        with atomic_checkpoint_writes():
            LocalBackend().put(b'x', str(tmp_path / 'a.pth'))
        LocalBackend().put(b'y', str(tmp_path / 'b.pth'))
    assert LocalBackend.put is put and (tmp_path / 'a.pth').read_bytes() == b'x'
    backend = LocalBackend()
    old = tmp_path / 'iter_2.pth'
    old.write_bytes(b'old')
    with pytest.raises(RuntimeError):
        with removals_after_the_block(backend):
            backend.remove(str(old))
            raise RuntimeError('killed while writing iter_4.pth')
    assert old.exists()  # the write failed: the old checkpoint stays
    with removals_after_the_block(backend):
        backend.remove(str(old))
        assert old.exists()
    assert not old.exists() and 'remove' not in backend.__dict__
