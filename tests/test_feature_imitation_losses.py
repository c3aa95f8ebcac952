"""PFI / masked feature imitation losses and the imitation-region functions, on tiny tensors."""
import math

import pytest
import torch
from mmdet.registry import MODELS

from ld_plugin.models.losses import (
    FeatureImitationLoss,
    PredictionGuidedFeatureImitationLoss,
    finegrained_mask,
    fitnet_mask,
    gibox_mask,
)


def sig(x):
    return 1 / (1 + math.exp(-x))


def adapt_by_hand(feat, weight):
    """1×1 conv without bias written as loops: out[n, o, y, x] = Σ_c W[o, c] · feat[n, c, y, x]."""
    n, c, h, w = feat.shape
    if weight is None:
        return feat.tolist()
    o = weight.shape[0]
    f, wt = feat.tolist(), weight[:, :, 0, 0].tolist()
    return [[[[sum(wt[oo][cc] * f[nn][cc][yy][xx] for cc in range(c)) for xx in range(w)]
              for yy in range(h)] for oo in range(o)] for nn in range(n)]


def f_dif_by_hand(adapted, teacher, nn, yy, xx):
    ct = len(teacher[nn])
    return sum((adapted[nn][cc][yy][xx] - teacher[nn][cc][yy][xx])**2 for cc in range(ct)) / ct


def reference_pfi(s_feat, t_feat, s_cls, t_cls, weight, loss_weight):
    """λ · Σ_{n,y,x} (Σ_k |σ(s_k) − σ(t_k)|) · mean_c (A(F_s) − F_t)² / (N·H·W), by loops."""
    adapted, teacher = adapt_by_hand(s_feat, weight), t_feat.tolist()
    sc, tc = s_cls.tolist(), t_cls.tolist()
    n, k, h, w = s_cls.shape
    total = 0.0
    for nn in range(n):
        for yy in range(h):
            for xx in range(w):
                p_dif = sum(abs(sig(sc[nn][kk][yy][xx]) - sig(tc[nn][kk][yy][xx]))
                            for kk in range(k))
                total += p_dif * f_dif_by_hand(adapted, teacher, nn, yy, xx)
    return loss_weight * total / (n * h * w)


def reference_masked(s_feat, t_feat, mask, weight, loss_weight):
    adapted, teacher, m = adapt_by_hand(s_feat, weight), t_feat.tolist(), mask.float().tolist()
    n, h, w = mask.shape
    total = sum(m[nn][yy][xx] * f_dif_by_hand(adapted, teacher, nn, yy, xx)
                for nn in range(n) for yy in range(h) for xx in range(w))
    return loss_weight * total / max(sum(sum(sum(r) for r in p) for p in m), 1.0)


def level(cs=3, ct=3, num_anchors=2, num_classes=3, seed=0):
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(2, cs, 2, 3, generator=g), torch.randn(2, ct, 2, 3, generator=g),
            torch.randn(2, num_anchors * num_classes, 2, 3, generator=g) * 2,
            torch.randn(2, num_anchors * num_classes, 2, 3, generator=g) * 2)


# --------------------------------------------------------------------------- PFI


@pytest.mark.parametrize('num_anchors', [1, 3])
def test_pfi_identity_matches_formula(num_anchors):
    s_feat, t_feat, s_cls, t_cls = level(num_anchors=num_anchors)
    loss = PredictionGuidedFeatureImitationLoss(3, 3, loss_weight=1.5)
    assert sum(p.numel() for p in loss.parameters()) == 0
    assert isinstance(loss.adapt, torch.nn.Identity)
    expected = reference_pfi(s_feat, t_feat, s_cls, t_cls, None, 1.5)
    assert loss(s_feat, t_feat, s_cls, t_cls).item() == pytest.approx(expected, rel=1e-5)


def test_pfi_with_adaptation_matches_formula_and_trains_the_conv():
    s_feat, t_feat, s_cls, t_cls = level(cs=2, ct=4)
    loss = PredictionGuidedFeatureImitationLoss(2, 4)
    assert sum(p.numel() for p in loss.parameters()) == 2 * 4  # 1×1 conv, no bias
    assert loss.adapt.bias is None
    s_feat.requires_grad_()
    value = loss(s_feat, t_feat, s_cls, t_cls)
    expected = reference_pfi(s_feat.detach(), t_feat, s_cls, t_cls, loss.adapt.weight.detach(), 1.5)
    assert value.item() == pytest.approx(expected, rel=1e-5)
    value.backward()
    assert loss.adapt.weight.grad is not None and loss.adapt.weight.grad.abs().sum() > 0
    assert s_feat.grad.abs().sum() > 0


def test_pfi_zero_when_student_equals_teacher():
    s_feat, _, s_cls, t_cls = level()
    feat = s_feat.clone().requires_grad_()
    value = PredictionGuidedFeatureImitationLoss(3, 3)(feat, s_feat.clone(), s_cls, t_cls)
    value.backward()
    assert value.item() == 0 and torch.count_nonzero(feat.grad) == 0
    # Equal predictions: P_dif = 0 everywhere, so no imitation at all.
    s_feat, t_feat, s_cls, _ = level(seed=1)
    feat = s_feat.clone().requires_grad_()
    value = PredictionGuidedFeatureImitationLoss(3, 3)(feat, t_feat, s_cls, s_cls.clone())
    value.backward()
    assert value.item() == 0 and torch.count_nonzero(feat.grad) == 0


def test_pfi_gradient_reaches_student_feature_only():
    tensors = [t.requires_grad_() for t in level(cs=2, ct=3)]
    s_feat, t_feat, s_cls, t_cls = tensors
    PredictionGuidedFeatureImitationLoss(2, 3)(s_feat, t_feat, s_cls, t_cls).backward()
    assert s_feat.grad.abs().sum() > 0
    # Teacher detached; P_dif is a detached weight, so no gradient to the classifier either.
    assert t_feat.grad is None and t_cls.grad is None and s_cls.grad is None


def test_pfi_autocast_bf16_is_finite():
    s_feat, t_feat, s_cls, t_cls = level(cs=2, ct=4)
    loss = PredictionGuidedFeatureImitationLoss(2, 4)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        value = loss(s_feat, t_feat.bfloat16(), s_cls.bfloat16(), t_cls.bfloat16())
    value.backward()
    assert value.dtype == torch.float32 and torch.isfinite(value)
    assert torch.isfinite(loss.adapt.weight.grad).all()


def test_pfi_bad_arguments():
    s_feat, t_feat, s_cls, t_cls = level(cs=2, ct=4)
    with pytest.raises(ValueError, match='student_channels=0'):
        PredictionGuidedFeatureImitationLoss(0, 4)
    with pytest.raises(ValueError, match='2 channels, expected 3'):
        PredictionGuidedFeatureImitationLoss(3, 4)(s_feat, t_feat, s_cls, t_cls)
    with pytest.raises(ValueError, match='4 channels, expected 5'):
        PredictionGuidedFeatureImitationLoss(2, 5)(s_feat, t_feat, s_cls, t_cls)
    with pytest.raises(ValueError, match=r'\(2, 6, 2, 3\).*\(2, 5, 2, 3\)'):
        PredictionGuidedFeatureImitationLoss(2, 4)(s_feat, t_feat, s_cls, t_cls[:, :5])
    with pytest.raises(ValueError, match='differ in N, H or W'):
        PredictionGuidedFeatureImitationLoss(2, 4)(s_feat, t_feat[..., :2], s_cls, t_cls)


def test_registered():
    loss = MODELS.build(dict(type='PredictionGuidedFeatureImitationLoss', student_channels=8,
                             teacher_channels=16))
    assert loss.loss_weight == 1.5 and loss.adapt.weight.shape == (16, 8, 1, 1)
    loss = MODELS.build(dict(type='FeatureImitationLoss', student_channels=8,
                             teacher_channels=8))
    assert loss.loss_weight == 1.0 and isinstance(loss.adapt, torch.nn.Identity)


# --------------------------------------------------------------------------- masked MSE


@pytest.mark.parametrize('adapt', [False, True])
def test_masked_matches_formula(adapt):
    s_feat, t_feat, _, _ = level(cs=2 if adapt else 3, ct=3)
    loss = FeatureImitationLoss(s_feat.shape[1], 3, loss_weight=2.0)
    weight = loss.adapt.weight.detach() if adapt else None
    bool_mask = torch.tensor([[[True, False, True], [False, False, True]],
                              [[False, True, False], [False, False, False]]])
    float_mask = torch.tensor([[[0.5, 0.0, 1.0], [0.0, 2.0, 0.0]],
                               [[0.0, 0.25, 0.0], [0.0, 0.0, 0.0]]])
    small_mask = torch.zeros(2, 2, 3)
    small_mask[0, 0, 0] = 0.3  # Σ m < 1: the denominator is clamped to 1
    for mask in (bool_mask, float_mask, small_mask):
        assert loss(s_feat, t_feat, mask).item() == pytest.approx(
            reference_masked(s_feat, t_feat, mask, weight, 2.0), rel=1e-5)


def test_masked_empty_mask_and_gradients():
    s_feat, t_feat, _, _ = level(cs=2, ct=3)
    s_feat.requires_grad_()
    t_feat.requires_grad_()
    loss = FeatureImitationLoss(2, 3)
    value = loss(s_feat, t_feat, torch.zeros(2, 2, 3, dtype=torch.bool))
    assert value.item() == 0
    mask = torch.zeros(2, 2, 3, dtype=torch.bool)
    mask[1, 1, 2] = True
    loss(s_feat, t_feat, mask).backward()
    assert t_feat.grad is None and loss.adapt.weight.grad.abs().sum() > 0
    # Only the selected location receives gradient.
    assert torch.count_nonzero(s_feat.grad.abs().sum(1)) == 1 and s_feat.grad[1, :, 1, 2].any()


def test_masked_zero_when_student_equals_teacher():
    s_feat, _, _, _ = level()
    feat = s_feat.clone().requires_grad_()
    value = FeatureImitationLoss(3, 3)(feat, s_feat.clone(), torch.ones(2, 2, 3))
    value.backward()
    assert value.item() == 0 and torch.count_nonzero(feat.grad) == 0


def test_masked_autocast_and_bad_mask():
    s_feat, t_feat, _, _ = level(cs=2, ct=3)
    loss = FeatureImitationLoss(2, 3)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        value = loss(s_feat, t_feat, torch.ones(2, 2, 3))
    assert value.dtype == torch.float32 and torch.isfinite(value)
    with pytest.raises(ValueError, match=r'mask \(2, 3, 2\)'):
        loss(s_feat, t_feat, torch.ones(2, 3, 2))


# --------------------------------------------------------------------------- regions

GTS = torch.tensor([[0., 0., 10., 10.], [5., 5., 15., 15.]])  # overlapping GTs


def test_fitnet_mask_hand_built():
    centres = torch.tensor([
        [5., 5.],    # inside GT0 (and on GT1's corner)
        [0., 5.],    # exactly on GT0's left edge, outside GT1
        [10., 3.],   # on GT0's right edge, outside GT1 (y < 5)
        [10., 10.],  # GT0's corner, strictly inside GT1
        [12., 12.],  # only inside GT1
        [20., 20.],  # outside both
        [5., 10.],   # on GT0's bottom edge and on GT1's left edge
    ])
    expected = torch.tensor([True, False, False, True, True, False, False])
    assert torch.equal(fitnet_mask(centres, GTS), expected)
    assert not fitnet_mask(centres, torch.zeros(0, 4)).any()
    assert fitnet_mask(torch.zeros(0, 2), GTS).shape == (0, )


def test_finegrained_mask_hand_built():
    gts = torch.tensor([[0., 0., 4., 4.], [10., 10., 12., 12.]])
    priors = torch.tensor([
        [0., 0., 4., 4.],      # IoU 1 with GT0 (its max)
        [0., 0., 4., 2.],      # IoU 0.5 with GT0: exactly ratio·max, not selected (strict)
        [0., 0., 2., 2.],      # IoU 0.25 with GT0
        [0., 0., 4., 3.],      # IoU 0.75 with GT0
        [10., 10., 11., 11.],  # IoU 0.25 with GT1 = GT1's max, so selected
        [20., 20., 21., 21.],  # overlaps nothing
    ])
    assert torch.equal(finegrained_mask(priors, gts),
                       torch.tensor([True, False, False, True, True, False]))
    # An overlapping third GT equal to prior 2 selects it (IoU 1 = its max).
    gts3 = torch.cat([gts, torch.tensor([[0., 0., 2., 2.]])])
    assert torch.equal(finegrained_mask(priors, gts3),
                       torch.tensor([True, False, True, True, True, False]))
    # ratio 0.2: prior 1 (0.5 > 0.2) and prior 2 (0.25 > 0.2) join.
    assert torch.equal(finegrained_mask(priors, gts, ratio=0.2),
                       torch.tensor([True, True, True, True, True, False]))
    assert not finegrained_mask(priors, torch.zeros(0, 4)).any()
    with pytest.raises(ValueError, match='ratio=1.5'):
        finegrained_mask(priors, gts, ratio=1.5)


def test_finegrained_mask_matches_loops():
    g = torch.Generator().manual_seed(0)
    xy = torch.rand(30, 2, generator=g) * 20
    priors = torch.cat([xy, xy + 1 + torch.rand(30, 2, generator=g) * 8], dim=1)
    gxy = torch.rand(3, 2, generator=g) * 20
    gts = torch.cat([gxy, gxy + 2 + torch.rand(3, 2, generator=g) * 6], dim=1)

    def iou(a, b):
        iw = max(min(a[2], b[2]) - max(a[0], b[0]), 0)
        ih = max(min(a[3], b[3]) - max(a[1], b[1]), 0)
        inter = iw * ih
        return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)

    p, gl = priors.tolist(), gts.tolist()
    best = [max(iou(a, b) for a in p) for b in gl]
    expected = [any(iou(a, b) > 0.5 * m for b, m in zip(gl, best)) for a in p]
    assert finegrained_mask(priors, gts).tolist() == expected


def gi_inputs():
    s_cls = torch.tensor([[0., 0.], [2., 0.], [0., -1.], [0., 0.], [-0.5, 0.]])
    t_cls = torch.tensor([[3., 0.], [0., 0.], [0., 1.], [0., 0.], [0.5, 0.]])
    s_boxes = torch.tensor([[50., 50., 60., 60.], [1., 1., 10., 10.], [70., 70., 80., 80.],
                            [200., 200., 210., 210.], [90., 90., 95., 95.]])
    t_boxes = torch.tensor([[0., 0., 10., 10.], [100., 100., 110., 110.], [20., 20., 30., 30.],
                            [0., 0., 10., 10.], [21., 21., 30., 30.]])
    return s_cls, t_cls, s_boxes, t_boxes


def test_gibox_mask_hand_built():
    s_cls, t_cls, s_boxes, t_boxes = gi_inputs()
    # GI scores max_c |σ(t) − σ(s)|: prior 2 (.462) > 0 (.453) > 1 (.381) > 4 (.245) > 3 (0).
    scores = [max(abs(sig(t) - sig(s)) for s, t in zip(sr, tr))
              for sr, tr in zip(s_cls.tolist(), t_cls.tolist())]
    assert sorted(range(5), key=lambda i: -scores[i]) == [2, 0, 1, 4, 3]
    # GI boxes: teacher for 0, 2, 4 (teacher top score larger); student for 1 and 3 (tie).
    # NMS 0.3: prior 1's student box has IoU .81 with prior 0's teacher box -> suppressed;
    # prior 4's teacher box has IoU .81 with prior 2's -> suppressed; prior 3 keeps its student
    # box (tie), far from everything, so it survives although the teacher's would not.
    assert gibox_mask(s_cls, t_cls, s_boxes, t_boxes).tolist() == [True, False, True, True, False]
    assert gibox_mask(s_cls, t_cls, s_boxes, t_boxes, topk=2).tolist() == [True, False, True,
                                                                           False, False]
    assert gibox_mask(s_cls, t_cls, s_boxes, t_boxes, topk=1).tolist() == [False, False, True,
                                                                           False, False]
    # iou_thr 0.9: nothing is suppressed, all five are kept.
    assert gibox_mask(s_cls, t_cls, s_boxes, t_boxes, iou_thr=0.9).all()


def test_gibox_mask_no_grad_empty_and_bad_arguments():
    s_cls, t_cls, s_boxes, t_boxes = gi_inputs()
    s_cls.requires_grad_()
    s_boxes.requires_grad_()
    mask = gibox_mask(s_cls, t_cls, s_boxes, t_boxes)
    assert mask.dtype == torch.bool and not mask.requires_grad
    empty = gibox_mask(torch.zeros(0, 2), torch.zeros(0, 2), torch.zeros(0, 4), torch.zeros(0, 4))
    assert empty.shape == (0, )
    with pytest.raises(ValueError, match='topk=0'):
        gibox_mask(s_cls, t_cls, s_boxes, t_boxes, topk=0)
    with pytest.raises(ValueError, match='iou_thr=1.5'):
        gibox_mask(s_cls, t_cls, s_boxes, t_boxes, iou_thr=1.5)
    with pytest.raises(ValueError, match=r'\(5, 2\).*\(5, 3\)'):
        gibox_mask(s_cls, torch.zeros(5, 3), s_boxes, t_boxes)
    with pytest.raises(ValueError, match='P=5'):
        gibox_mask(s_cls, t_cls, s_boxes[:4], t_boxes)


# --------------------------------------------------------------------------- normalize
@pytest.mark.parametrize('loss_type', ['pfi', 'masked'])
def test_normalized_imitation_is_the_relative_error(loss_type):
    s_feat, t_feat, s_cls, t_cls = level(cs=3, ct=3, seed=4)
    mask = torch.rand(2, 2, 3, generator=torch.Generator().manual_seed(1))
    cls = PredictionGuidedFeatureImitationLoss if loss_type == 'pfi' else FeatureImitationLoss
    loss = cls(3, 3, loss_weight=1.5, normalize=True)

    def value(scale):
        s, t = s_feat * scale, t_feat * scale
        return (loss(s, t, s_cls, t_cls) if loss_type == 'pfi' else loss(s, t, mask)).item()

    # by hand: each image's squared difference divided by that image's mean_{c,y,x} F_t²
    per_image = t_feat.pow(2).mean(dim=(1, 2, 3)).tolist()
    scaled = t_feat / torch.tensor(per_image).sqrt()[:, None, None, None]
    s_scaled = s_feat / torch.tensor(per_image).sqrt()[:, None, None, None]
    expected = (reference_pfi(s_scaled, scaled, s_cls, t_cls, None, 1.5) if loss_type == 'pfi'
                else reference_masked(s_scaled, scaled, mask, None, 1.5))
    assert value(1.0) == pytest.approx(expected, rel=1e-5)
    assert value(100.0) == pytest.approx(value(1.0), rel=1e-4)  # free of the feature scale
    plain = cls(3, 3, loss_weight=1.5)
    raw = (plain(s_feat * 100, t_feat * 100, s_cls, t_cls) if loss_type == 'pfi'
           else plain(s_feat * 100, t_feat * 100, mask))
    assert raw.item() == pytest.approx(1e4 * (plain(s_feat, t_feat, s_cls, t_cls)
                                              if loss_type == 'pfi'
                                              else plain(s_feat, t_feat, mask)).item(), rel=1e-4)


@pytest.mark.parametrize('crowded', [False, True])
def test_gibox_mask_equals_nms_over_every_prior(crowded):
    """The selection from the top-scored prefix equals mmcv's NMS over all P boxes, also when
    the first hundreds of boxes suppress each other (the prefix then grows)."""
    from mmcv.ops import nms
    gen = torch.Generator().manual_seed(3)
    num = 3000
    s_cls, t_cls = torch.randn(num, 4, generator=gen), torch.randn(num, 4, generator=gen)
    xy = torch.rand(num, 2, generator=gen) * 400
    wh = torch.rand(num, 2, generator=gen) * 80 + 4
    if crowded:  # the 600 highest GI scores sit on almost the same box
        scores = (t_cls.sigmoid() - s_cls.sigmoid()).abs().max(1).values
        top = scores.argsort(descending=True)[:600]
        xy[top], wh[top] = torch.tensor([100.0, 100.0]), torch.tensor([50.0, 50.0])
        xy[top] += torch.rand(600, 2, generator=gen)
    boxes = torch.cat([xy, xy + wh], 1)
    s_boxes, t_boxes = boxes, boxes + torch.rand(num, 4, generator=gen)
    for topk, iou_thr in ((10, 0.3), (25, 0.5), (3, 0.1)):
        p_s, p_t = s_cls.sigmoid(), t_cls.sigmoid()
        scores = (p_t - p_s).abs().max(1).values
        chosen = torch.where((p_t.max(1).values > p_s.max(1).values)[:, None], t_boxes, s_boxes)
        _, keep = nms(chosen, scores, iou_thr)
        expected = torch.zeros(num, dtype=torch.bool)
        expected[keep[:topk]] = True
        mask = gibox_mask(s_cls, t_cls, s_boxes, t_boxes, iou_thr=iou_thr, topk=topk)
        assert torch.equal(mask, expected) and int(mask.sum()) == topk
