"""Rank Mimicking loss against a per-group loop written with math."""
import math

import pytest
import torch
from mmdet.registry import MODELS

from ld_plugin.models.losses import RankMimickingLoss


def reference_rm(student, teacher, groups, T, loss_weight, avg_factor=None):
    """λ · Σ_g KL(softmax(t_g/T) ‖ softmax(s_g/T)) / avg_factor, one Python loop per group."""
    total, ids = 0.0, sorted(set(groups))
    for g in ids:
        members = [i for i, gi in enumerate(groups) if gi == g]
        zs = [student[i] / T for i in members]
        zt = [teacher[i] / T for i in members]
        ls = max(zs) + math.log(sum(math.exp(v - max(zs)) for v in zs))
        lt = max(zt) + math.log(sum(math.exp(v - max(zt)) for v in zt))
        total += sum(math.exp(t - lt) * ((t - lt) - (s - ls)) for s, t in zip(zs, zt))
    return loss_weight * total / (len(ids) if avg_factor is None else avg_factor)


def sample(seed=0, m=11):
    g = torch.Generator().manual_seed(seed)
    student = torch.rand(m, generator=g)
    teacher = torch.rand(m, generator=g)
    # Non-contiguous ids; 9 is a singleton.
    groups = torch.tensor([7, 7, 7, 2, 2, 9, 4, 4, 4, 4, 7][:m])
    return student, teacher, groups


@pytest.mark.parametrize('T', [0.1, 1.0, 2.0])
def test_matches_formula(T):
    student, teacher, groups = sample()
    loss = RankMimickingLoss(T=T, loss_weight=4.0)
    expected = reference_rm(student.tolist(), teacher.tolist(), groups.tolist(), T, 4.0)
    assert loss(student, teacher, groups).item() == pytest.approx(expected, rel=1e-5)
    expected = reference_rm(student.tolist(), teacher.tolist(), groups.tolist(), T, 4.0, 6.0)
    assert loss(student, teacher, groups, avg_factor=6.0).item() == pytest.approx(expected,
                                                                                  rel=1e-5)


def test_large_scores_are_stable():
    student, teacher, groups = sample(1)
    loss = RankMimickingLoss(T=0.01)(student * 50, teacher * 50, groups)
    expected = reference_rm((student * 50).tolist(), (teacher * 50).tolist(), groups.tolist(),
                            0.01, 4.0)
    assert math.isfinite(loss.item())
    assert loss.item() == pytest.approx(expected, rel=1e-4)


def test_zero_loss_and_grad_when_student_equals_teacher():
    student, _, groups = sample()
    pred = student.clone().requires_grad_()
    loss = RankMimickingLoss()(pred, student.clone(), groups)
    loss.backward()
    assert loss.item() == pytest.approx(0.0, abs=1e-7)
    torch.testing.assert_close(pred.grad, torch.zeros_like(pred), atol=1e-7, rtol=0)


def test_shift_within_group_is_free():
    """A constant added to one group's student scores does not change its softmax."""
    student, teacher, groups = sample()
    shifted = student + 3.0 * (groups == 4)
    loss = RankMimickingLoss()
    torch.testing.assert_close(loss(shifted, teacher, groups), loss(student, teacher, groups))


def test_singletons_contribute_zero():
    student = torch.tensor([0.2, 0.9, 0.4], requires_grad=True)
    teacher = torch.tensor([0.8, 0.1, 0.3])
    loss = RankMimickingLoss()(student, teacher, torch.tensor([0, 1, 2]))
    loss.backward()
    assert loss.item() == 0
    assert torch.count_nonzero(student.grad) == 0
    # A singleton added to a batch changes only the denominator (number of groups).
    s, t, g = sample()
    base = RankMimickingLoss()(s, t, g)
    extra = RankMimickingLoss()(torch.cat([s, torch.tensor([0.1])]),
                                torch.cat([t, torch.tensor([0.95])]),
                                torch.cat([g, torch.tensor([42])]))
    assert extra.item() == pytest.approx(base.item() * 4 / 5, rel=1e-6)


def test_gradient_reaches_student_only():
    student, teacher, groups = sample()
    student.requires_grad_()
    teacher.requires_grad_()
    RankMimickingLoss()(student, teacher, groups).backward()
    assert student.grad.abs().sum() > 0
    assert teacher.grad is None


def test_invariant_to_joint_permutation():
    student, teacher, groups = sample()
    perm = torch.randperm(len(student), generator=torch.Generator().manual_seed(3))
    loss = RankMimickingLoss()
    torch.testing.assert_close(loss(student[perm], teacher[perm], groups[perm]),
                               loss(student, teacher, groups))


def test_keeps_prior_correspondence():
    """Permuting one side inside a group changes the loss (no independent sorting)."""
    student = torch.tensor([0.1, 0.5, 0.9, 0.3, 0.7])
    teacher = torch.tensor([0.2, 0.6, 0.8, 0.6, 0.2])
    groups = torch.tensor([0, 0, 0, 1, 1])
    loss = RankMimickingLoss()
    base = loss(student, teacher, groups)
    swapped = student[torch.tensor([2, 1, 0, 3, 4])]  # reverse the ranking inside group 0
    assert loss(swapped, teacher, groups).item() > base.item() + 1e-3
    # Same multiset of values per group: a sort-based loss would see no difference.
    assert sorted(swapped[:3].tolist()) == sorted(student[:3].tolist())


def test_empty_input_keeps_grad_path():
    student = torch.zeros(0, requires_grad=True)
    loss = RankMimickingLoss()(student, torch.zeros(0), torch.zeros(0, dtype=torch.long))
    loss.backward()
    assert loss.item() == 0 and student.grad.shape == (0, )


def test_autocast_bf16_is_finite_float32():
    student, teacher, groups = sample()
    student = student.bfloat16().requires_grad_()
    with torch.autocast('cpu', dtype=torch.bfloat16):
        loss = RankMimickingLoss()(student, teacher.bfloat16(), groups)
    loss.backward()
    assert loss.dtype == torch.float32 and torch.isfinite(loss)
    assert torch.isfinite(student.grad).all()


def test_bad_arguments():
    s, t, g = sample()
    with pytest.raises(ValueError, match='T=0'):
        RankMimickingLoss(T=0)
    with pytest.raises(ValueError, match=r'\(11,\).*\(10,\)'):
        RankMimickingLoss()(s, t[:10], g)
    with pytest.raises(ValueError, match='float32'):
        RankMimickingLoss()(s, t, g.float())
    with pytest.raises(ValueError, match='avg_factor=0'):
        RankMimickingLoss()(s, t, g, avg_factor=0)


def test_registered():
    loss = MODELS.build(dict(type='RankMimickingLoss', T=2.0))
    assert isinstance(loss, RankMimickingLoss) and loss.T == 2.0 and loss.loss_weight == 4.0
