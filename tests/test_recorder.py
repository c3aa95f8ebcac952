"""The recorder utility leaves nothing on what it recorded."""
import pytest
import torch
import torch.nn as nn

from ld_plugin.models.distill.recorder import record_calls, record_outputs, replace_inputs


class Assigner:
    def __init__(self):
        self.calculator = lambda a, b: a + b

    def assign(self, x, scale=1):
        return x * scale


def test_record_calls_records_and_restores():
    assigner = Assigner()
    calculator = assigner.calculator
    with record_calls(assigner, 'assign', before=lambda x, **kw: -x,
                      extra_kwargs=lambda *a, **kw: {'scale': 3}) as calls:
        assert assigner.assign(2) == 6
    assert [(c.args, c.kwargs, c.result, c.before) for c in calls] == [((2, ), {'scale': 3}, 6, -2)]
    assert 'assign' not in vars(assigner) and assigner.assign(2) == 2
    with record_calls(assigner, 'calculator') as calls:  # an instance attribute is put back
        assigner.calculator(1, 2)
    assert assigner.calculator is calculator and calls[0].result == 3
    with pytest.raises(RuntimeError):
        with record_calls(assigner, 'assign'):
            raise RuntimeError
    assert 'assign' not in vars(assigner)


def test_record_outputs_and_replace_inputs_remove_their_hooks():
    net = nn.Sequential(nn.Linear(2, 2), nn.ReLU(inplace=True), nn.Linear(2, 1))
    x = torch.tensor([[1.0, -2.0]])
    with record_outputs({'first': [net[0]]}, clone=True) as seen:
        net(x)
    torch.testing.assert_close(seen['first'][0], net[0](x))  # before the in-place ReLU
    replacement = torch.tensor([[0.5, 0.25]])
    with replace_inputs({'last': [net[2]]}, {'last': [replacement]}):
        out = net(x)
    torch.testing.assert_close(out, net[2](replacement))
    assert all(not m._forward_hooks and not m._forward_pre_hooks for m in net.modules())
