"""LD / KD losses against mmdet's KnowledgeDistillationKLDivLoss and a hand-written formula."""
import math

import pytest
import torch
from mmdet.models.losses import KnowledgeDistillationKLDivLoss

from ld_plugin.models.losses import ClassificationKDLoss, LocalizationDistillationLoss


def reference_kl(pred, target, T):
    """T^2 * mean_j p_t,j (log p_t,j - log p_s,j), written with explicit loops."""
    out = []
    for s_row, t_row in zip(pred.tolist(), target.tolist()):
        zs = [v / T for v in s_row]
        zt = [v / T for v in t_row]
        ls = math.log(sum(math.exp(v) for v in zs))
        lt = math.log(sum(math.exp(v) for v in zt))
        kl = sum(math.exp(t - lt) * ((t - lt) - (s - ls)) for s, t in zip(zs, zt))
        out.append(T * T * kl / len(s_row))
    return torch.tensor(out, dtype=torch.float64)


@pytest.mark.parametrize('T', [1.0, 2.0, 10.0])
@pytest.mark.parametrize('reduction', ['mean', 'sum', 'none'])
def test_equals_mmdet_kd_loss(T, reduction):
    torch.manual_seed(0)
    pred, target = torch.randn(20, 17) * 3, torch.randn(20, 17) * 3
    weight = torch.rand(20)
    ours = LocalizationDistillationLoss(reduction=reduction, loss_weight=0.25, T=T)
    theirs = KnowledgeDistillationKLDivLoss(reduction=reduction, loss_weight=0.25, T=T)
    torch.testing.assert_close(ours(pred, target, weight=weight),
                               theirs(pred, target, weight=weight))
    if reduction == 'mean':
        torch.testing.assert_close(ours(pred, target, weight=weight, avg_factor=4.0),
                                   theirs(pred, target, weight=weight, avg_factor=4.0))


def test_matches_hand_formula():
    torch.manual_seed(1)
    pred, target = torch.randn(5, 9), torch.randn(5, 9)
    loss = LocalizationDistillationLoss(reduction='none', T=3.0)(pred, target)
    torch.testing.assert_close(loss.double(), reference_kl(pred, target, 3.0), rtol=1e-5,
                               atol=1e-6)


def test_zero_when_equal_and_positive_otherwise():
    x = torch.randn(4, 17)
    assert LocalizationDistillationLoss()(x, x.clone()).abs().item() < 1e-6
    assert LocalizationDistillationLoss()(x, torch.randn(4, 17)).item() > 0


def test_teacher_gets_no_gradient():
    pred = torch.randn(6, 17, requires_grad=True)
    target = torch.randn(6, 17, requires_grad=True)
    LocalizationDistillationLoss()(pred, target).backward()
    assert pred.grad is not None and pred.grad.abs().sum() > 0
    assert target.grad is None


def test_kd_loss_is_softmax_over_classes_with_t2_default():
    torch.manual_seed(2)
    pred, target = torch.randn(3, 6), torch.randn(3, 6)
    kd = ClassificationKDLoss(reduction='none')
    assert kd.T == 2.0
    torch.testing.assert_close(kd(pred, target).double(), reference_kl(pred, target, 2.0),
                               rtol=1e-5, atol=1e-6)


def test_bad_arguments():
    with pytest.raises(ValueError, match='T=0.5'):
        LocalizationDistillationLoss(T=0.5)
    with pytest.raises(ValueError, match="'avg'"):
        LocalizationDistillationLoss(reduction='avg')
    with pytest.raises(ValueError, match=r'\(3, 17\).*\(3, 9\)'):
        LocalizationDistillationLoss()(torch.randn(3, 17), torch.randn(3, 9))


def test_finite_under_bf16_autocast():
    pred = (torch.randn(8, 17) * 30).bfloat16()
    target = (torch.randn(8, 17) * 30).bfloat16()
    with torch.autocast('cpu', dtype=torch.bfloat16):
        loss = LocalizationDistillationLoss(T=10)(pred, target)
    assert torch.isfinite(loss)
