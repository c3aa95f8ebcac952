"""BCKD losses (binary classification KD, IoU-based LD) against hand-written formulas."""
import math

import pytest
import torch
from mmdet.registry import MODELS

from ld_plugin.models.losses import BinaryClassificationKDLoss, IoULocalizationDistillationLoss


def sig(x):
    return 1 / (1 + math.exp(-x))


def reference_bcd(pred, target, beta):
    """Σ_c −[p_t log p_s + (1 − p_t) log(1 − p_s)] · |p_t − p_s|^β per row, with loops."""
    out = []
    for s_row, t_row in zip(pred.tolist(), target.tolist()):
        total = 0.0
        for s, t in zip(s_row, t_row):
            ps, pt = sig(s), sig(t)
            bce = -(pt * math.log(ps) + (1 - pt) * math.log(1 - ps))
            total += bce * abs(pt - ps)**beta
        out.append(total)
    return torch.tensor(out, dtype=torch.float64)


def reference_bcd_grad(pred, target):
    """d/ds of BCE(s, p_t)·|p_t − σ(s)| (β = 1): the factor's gradient is included."""
    rows = []
    for s_row, t_row in zip(pred.tolist(), target.tolist()):
        row = []
        for s, t in zip(s_row, t_row):
            ps, pt = sig(s), sig(t)
            bce = -(pt * math.log(ps) + (1 - pt) * math.log(1 - ps))
            d_bce = ps - pt
            d_factor = math.copysign(1.0, ps - pt) * ps * (1 - ps)
            row.append(d_bce * abs(pt - ps) + bce * d_factor)
        rows.append(row)
    return torch.tensor(rows, dtype=torch.float64)


def box_iou_giou(a, b):
    """(IoU, GIoU) of two x1y1x2y2 boxes given as lists, written out by hand."""
    area_a = (a[2] - a[0]) * (a[3] - a[1])
    area_b = (b[2] - b[0]) * (b[3] - b[1])
    iw = max(min(a[2], b[2]) - max(a[0], b[0]), 0.0)
    ih = max(min(a[3], b[3]) - max(a[1], b[1]), 0.0)
    inter = iw * ih
    union = area_a + area_b - inter
    iou = inter / union
    enclose = (max(a[2], b[2]) - min(a[0], b[0])) * (max(a[3], b[3]) - min(a[1], b[1]))
    return iou, iou - (enclose - union) / enclose


# --------------------------------------------------------------------------- BCD


@pytest.mark.parametrize('beta', [1.0, 2.0])
@pytest.mark.parametrize('reduction', ['none', 'mean', 'sum'])
def test_bcd_matches_formula(beta, reduction):
    torch.manual_seed(0)
    pred, target = torch.randn(6, 5) * 3, torch.randn(6, 5) * 3
    weight = torch.rand(6)
    loss = BinaryClassificationKDLoss(beta=beta, reduction=reduction, loss_weight=0.7)
    per_row = reference_bcd(pred, target, beta) * weight.double()
    expected = {'none': per_row, 'mean': per_row.mean(), 'sum': per_row.sum()}[reduction]
    torch.testing.assert_close(loss(pred, target, weight=weight).double(), 0.7 * expected)
    if reduction == 'mean':
        torch.testing.assert_close(
            loss(pred, target, weight=weight, avg_factor=2.5).double(),
            0.7 * per_row.sum() / 2.5)
        torch.testing.assert_close(
            loss(pred, target, reduction_override='sum').double(),
            0.7 * reference_bcd(pred, target, beta).sum())


def test_bcd_gradient_includes_modulating_factor():
    torch.manual_seed(1)
    pred = (torch.randn(4, 3) * 2).requires_grad_()
    target = torch.randn(4, 3) * 2
    BinaryClassificationKDLoss(reduction='sum')(pred, target).backward()
    torch.testing.assert_close(pred.grad.double(), reference_bcd_grad(pred.detach(), target),
                               rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize('beta', [1.0, 2.0])
def test_bcd_zero_loss_and_grad_when_student_equals_teacher(beta):
    torch.manual_seed(2)
    logits = torch.randn(5, 4) * 3
    pred = logits.clone().requires_grad_()
    loss = BinaryClassificationKDLoss(beta=beta)(pred, logits.clone())
    loss.backward()
    assert loss.item() == 0
    assert torch.count_nonzero(pred.grad) == 0


def test_bcd_gradient_reaches_student_only():
    pred = torch.randn(3, 4, requires_grad=True)
    target = torch.randn(3, 4, requires_grad=True)
    BinaryClassificationKDLoss()(pred, target).backward()
    assert pred.grad is not None and pred.grad.abs().sum() > 0
    assert target.grad is None


@pytest.mark.parametrize('reduction', ['none', 'mean', 'sum'])
def test_bcd_empty_input_keeps_grad_path(reduction):
    pred = torch.zeros(0, 4, requires_grad=True)
    loss = BinaryClassificationKDLoss(reduction=reduction)(pred, torch.zeros(0, 4))
    loss.sum().backward()
    assert loss.shape == ((0, ) if reduction == 'none' else ())
    assert loss.sum().item() == 0 and pred.grad.shape == (0, 4)


def test_bcd_autocast_bf16_is_finite_float32():
    pred = (torch.randn(8, 5) * 8).bfloat16().requires_grad_()
    target = (torch.randn(8, 5) * 8).bfloat16()
    with torch.autocast('cpu', dtype=torch.bfloat16):
        loss = BinaryClassificationKDLoss()(pred, target)
    loss.backward()
    assert loss.dtype == torch.float32 and torch.isfinite(loss)
    assert torch.isfinite(pred.grad).all()


def test_bcd_bad_arguments():
    with pytest.raises(ValueError, match=r'\(3, 4\).*\(3, 5\)'):
        BinaryClassificationKDLoss()(torch.zeros(3, 4), torch.zeros(3, 5))
    with pytest.raises(ValueError, match='beta=0.5'):
        BinaryClassificationKDLoss(beta=0.5)
    with pytest.raises(ValueError, match="'avg'"):
        BinaryClassificationKDLoss(reduction='avg')
    with pytest.raises(ValueError, match="'avg'"):
        BinaryClassificationKDLoss()(torch.zeros(2, 2), torch.zeros(2, 2),
                                     reduction_override='avg')


# --------------------------------------------------------------------------- IoU-LD

STUDENT_BOXES = [[0., 0., 4., 4.], [1., 1., 3., 5.], [0., 0., 2., 2.], [2., 2., 6., 3.]]
TEACHER_BOXES = [[1., 1., 5., 5.], [0., 2., 3., 4.], [3., 3., 4., 5.], [2., 2., 6., 3.]]


@pytest.mark.parametrize('mode', ['iou', 'giou'])
@pytest.mark.parametrize('reduction', ['none', 'mean', 'sum'])
def test_iou_ld_matches_formula(mode, reduction):
    pred, target = torch.tensor(STUDENT_BOXES), torch.tensor(TEACHER_BOXES)
    weight = torch.tensor([0.5, 1.0, 0.25, 2.0])
    k = 0 if mode == 'iou' else 1
    per_row = torch.tensor([1 - box_iou_giou(a, b)[k] for a, b in zip(STUDENT_BOXES,
                                                                        TEACHER_BOXES)])
    per_row = per_row * weight
    expected = {'none': per_row, 'mean': per_row.mean(), 'sum': per_row.sum()}[reduction]
    loss = IoULocalizationDistillationLoss(mode=mode, reduction=reduction, loss_weight=4.0)
    torch.testing.assert_close(loss(pred, target, weight=weight), 4.0 * expected)
    if reduction == 'mean':
        torch.testing.assert_close(loss(pred, target, weight=weight, avg_factor=3.0),
                                   4.0 * per_row.sum() / 3.0)


def test_iou_ld_giou_differs_from_iou_for_disjoint_boxes():
    pred, target = torch.tensor([[0., 0., 1., 1.]]), torch.tensor([[2., 0., 3., 1.]])
    iou = IoULocalizationDistillationLoss(mode='iou', loss_weight=1.0)(pred, target)
    giou = IoULocalizationDistillationLoss(mode='giou', loss_weight=1.0)(pred, target)
    assert iou.item() == pytest.approx(1.0)
    assert giou.item() == pytest.approx(1.0 + 1.0 / 3.0)  # enclose 3, union 2


@pytest.mark.parametrize('mode', ['iou', 'giou'])
def test_iou_ld_zero_loss_and_grad_at_identical_boxes(mode):
    boxes = torch.tensor(STUDENT_BOXES)
    pred = boxes.clone().requires_grad_()
    loss = IoULocalizationDistillationLoss(mode=mode)(pred, boxes.clone())
    loss.backward()
    assert loss.item() == pytest.approx(0.0, abs=1e-6)
    torch.testing.assert_close(pred.grad, torch.zeros_like(pred.grad), atol=1e-6, rtol=0)


@pytest.mark.parametrize('mode', ['iou', 'giou'])
def test_iou_ld_gradient_reaches_student_only(mode):
    pred = torch.tensor(STUDENT_BOXES, requires_grad=True)
    target = torch.tensor(TEACHER_BOXES, requires_grad=True)
    IoULocalizationDistillationLoss(mode=mode)(pred, target).backward()
    assert pred.grad.abs().sum() > 0
    assert target.grad is None


@pytest.mark.parametrize('mode', ['iou', 'giou'])
def test_iou_ld_degenerate_boxes_are_finite(mode):
    pred = torch.tensor([[1., 1., 1., 1.],     # zero area
                         [3., 3., 1., 1.],     # x2 < x1, y2 < y1 (untrained head)
                         [2., 0., 1., 4.],     # x2 < x1 only
                         [0., 0., 0., 0.],     # zero area, identical to teacher
                         [5., 5., 4., 4.]],    # inverted, inverted teacher too
                        requires_grad=True)
    target = torch.tensor([[0., 0., 2., 2.], [0., 0., 2., 2.], [0., 0., 2., 2.], [0., 0., 0., 0.],
                           [6., 6., 5., 5.]])
    loss = IoULocalizationDistillationLoss(mode=mode, reduction='none')(pred, target)
    loss.sum().backward()
    assert torch.isfinite(loss).all()
    assert torch.isfinite(pred.grad).all()


@pytest.mark.parametrize('reduction', ['none', 'mean', 'sum'])
def test_iou_ld_empty_input_keeps_grad_path(reduction):
    pred = torch.zeros(0, 4, requires_grad=True)
    loss = IoULocalizationDistillationLoss(reduction=reduction)(pred, torch.zeros(0, 4))
    loss.sum().backward()
    assert loss.shape == ((0, ) if reduction == 'none' else ())
    assert loss.sum().item() == 0 and pred.grad.shape == (0, 4)


def test_iou_ld_autocast_bf16_is_finite_float32():
    pred = torch.tensor(STUDENT_BOXES).bfloat16().requires_grad_()
    with torch.autocast('cpu', dtype=torch.bfloat16):
        loss = IoULocalizationDistillationLoss()(pred, torch.tensor(TEACHER_BOXES).bfloat16())
    loss.backward()
    assert loss.dtype == torch.float32 and torch.isfinite(loss)
    assert torch.isfinite(pred.grad).all()


def test_iou_ld_bad_arguments():
    with pytest.raises(ValueError, match="'diou'"):
        IoULocalizationDistillationLoss(mode='diou')
    with pytest.raises(ValueError, match='eps=0'):
        IoULocalizationDistillationLoss(eps=0)
    with pytest.raises(ValueError, match=r'\(2, 4\).*\(3, 4\)'):
        IoULocalizationDistillationLoss()(torch.zeros(2, 4), torch.zeros(3, 4))


def test_registered():
    assert isinstance(MODELS.build(dict(type='BinaryClassificationKDLoss')),
                      BinaryClassificationKDLoss)
    loss = MODELS.build(dict(type='IoULocalizationDistillationLoss', mode='iou'))
    assert loss.mode == 'iou' and loss.loss_weight == 4.0
