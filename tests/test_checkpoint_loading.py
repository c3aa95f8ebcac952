"""mmengine checkpoints load with torch.load(weights_only=True) once ld_plugin is imported."""
import pickle

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer, MessageHub

import ld_plugin  # noqa: F401


def test_message_hub_state_round_trips_under_weights_only(tmp_path):
    hub = MessageHub.get_instance('ld_plugin_ckpt_test')
    for i in range(3):
        hub.update_scalar('train/loss', float(i))
        hub.update_scalar('train/lr', np.float64(0.01 * i))
    hub.update_info('iter', 3)
    state = {'message_hub': hub.state_dict(), 'meta': {'seed': np.int64(1), 'arr': np.arange(3)},
             'state_dict': {'w': torch.ones(2)}}
    path = tmp_path / 'ckpt.pth'
    torch.save(state, path)
    loaded = torch.load(path, map_location='cpu', weights_only=True)
    buffer = loaded['message_hub']['log_scalars']['train/loss']
    assert isinstance(buffer, HistoryBuffer) and buffer.current() == 2.0
    assert buffer.mean() == pytest.approx(1.0)
    np.testing.assert_array_equal(loaded['meta']['arr'], np.arange(3))


def test_arbitrary_getattr_is_still_refused(tmp_path):
    class Evil:
        def __reduce__(self):
            return getattr, (HistoryBuffer, '__init__')

    path = tmp_path / 'evil.pth'
    torch.save({'x': Evil()}, path)
    with pytest.raises(pickle.UnpicklingError):
        torch.load(path, weights_only=True)


def test_unknown_classes_are_still_refused(tmp_path):
    path = tmp_path / 'other.pth'
    torch.save({'x': pytest.approx(1.0)}, path)
    with pytest.raises(pickle.UnpicklingError):
        torch.load(path, weights_only=True)
