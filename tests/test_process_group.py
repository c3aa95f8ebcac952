"""closed_process_group: the tools' process group is destroyed after a run that ends normally
(a live gloo group at interpreter exit aborts the rank: SIGABRT after a successful run)."""
import socket

import pytest
import torch.distributed as dist

from ld_plugin.engine import closed_process_group


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


@pytest.fixture
def one_process_group():
    dist.init_process_group('gloo', init_method=f'tcp://127.0.0.1:{free_port()}', rank=0,
                            world_size=1)
    yield
    if dist.is_initialized():
        dist.destroy_process_group()


def test_group_destroyed_when_the_run_ends(one_process_group):
    with closed_process_group():
        assert dist.is_initialized()
    assert not dist.is_initialized()


def test_group_left_to_the_launcher_on_an_exception(one_process_group):
    with pytest.raises(RuntimeError, match='run failed'):
        with closed_process_group():
            raise RuntimeError('run failed')
    assert dist.is_initialized()


def test_no_group_nothing_to_do():
    assert not dist.is_initialized()
    with closed_process_group():
        pass
    assert not dist.is_initialized()
