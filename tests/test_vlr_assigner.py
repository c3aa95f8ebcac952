"""Tests of the DIoU helper, ``vlr_weights`` and ``VLRATSSAssigner``.

Expected values come from plain-Python loop implementations written here
(``ref_*``) and from hand-computed numbers, never from the code under test.
"""
import math
from typing import List, Sequence

import pytest
import torch
from mmdet.models.task_modules.assigners import ATSSAssigner
from mmdet.registry import TASK_UTILS
from mmengine.structures import InstanceData

# importing just this subpackage registers VLRATSSAssigner into TASK_UTILS
import ld_plugin.models.task_modules  # noqa: F401
from ld_plugin.models.task_modules.assigners import VLRATSSAssigner, vlr_weights
from ld_plugin.models.task_modules.diou import bbox_diou


# --------------------------------------------------------------------------
# plain-Python references
# --------------------------------------------------------------------------
def ref_area(b: Sequence[float]) -> float:
    return (b[2] - b[0]) * (b[3] - b[1])


def ref_overlap(a: Sequence[float], b: Sequence[float]) -> float:
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    return w * h


def ref_iou(a, b) -> float:
    ov = ref_overlap(a, b)
    return ov / (ref_area(a) + ref_area(b) - ov)


def ref_diou(a, b, mode: str) -> float:
    ov = ref_overlap(a, b)
    ratio = ov / (ref_area(a) + ref_area(b) - ov) if mode == 'diou' \
        else ov / ref_area(a)
    rho2 = (((a[0] + a[2]) - (b[0] + b[2])) / 2)**2 + \
        (((a[1] + a[3]) - (b[1] + b[3])) / 2)**2
    c2 = (max(a[2], b[2]) - min(a[0], b[0]))**2 + \
        (max(a[3], b[3]) - min(a[1], b[1]))**2
    return ratio - rho2 / c2


def ref_centre_dist(a, b) -> float:
    return math.hypot((a[0] + a[2]) / 2 - (b[0] + b[2]) / 2,
                      (a[1] + a[3]) / 2 - (b[1] + b[3]) / 2)


def ref_thresholds(priors, levels: List[int], gts, topk: int,
                   ignored=()) -> List[float]:
    """α_pos per GT: mean + unbiased std of the IoU of the ATSS candidates."""
    thrs = []
    for g in gts:
        cand, start = [], 0
        for n in levels:
            idxs = list(range(start, start + n))
            idxs.sort(key=lambda i: (math.inf if i in ignored else
                                     ref_centre_dist(priors[i], g)))
            cand += idxs[:topk]
            start += n
        ious = [ref_iou(priors[i], g) for i in cand]
        mean = sum(ious) / len(ious)
        var = sum((x - mean)**2 for x in ious) / (len(ious) - 1)
        thrs.append(mean + math.sqrt(var))
    return thrs


def ref_vlr(priors, levels, gts, topk=9, gamma=0.25, mode='diou',
            ignored=()) -> List[float]:
    thrs = ref_thresholds(priors, levels, gts, topk, ignored)
    out = []
    for i, p in enumerate(priors):
        w = 0.0
        for g, thr in zip(gts, thrs):
            d = ref_diou(p, g, mode)
            if gamma * thr <= d < thr:
                w = max(w, ref_iou(p, g))
        out.append(0.0 if i in ignored else w)
    return out


def random_boxes(n: int, gen: torch.Generator, size: float = 100.,
                 min_wh: float = 2., max_wh: float = 40.) -> torch.Tensor:
    xy = torch.rand(n, 2, generator=gen) * size
    wh = min_wh + torch.rand(n, 2, generator=gen) * (max_wh - min_wh)
    return torch.cat([xy, xy + wh], dim=1).double()


def make_instances(priors, gts, labels=None):
    pred = InstanceData(priors=priors)
    gt = InstanceData(bboxes=gts)
    gt.labels = (labels if labels is not None else torch.arange(
        len(gts), dtype=torch.long) % 3)
    return pred, gt


# --------------------------------------------------------------------------
# DIoU helper
# --------------------------------------------------------------------------
PAIRS = [
    # identical boxes: IoU 1, ρ = 0
    ([0., 0., 10., 10.], [0., 0., 10., 10.], 1.0, 1.0),
    # disjoint: overlap 0, ρ² = 16, c² = 6² + 2² = 40
    ([0., 0., 2., 2.], [4., 0., 6., 2.], -0.4, -0.4),
    # prior inside GT: IoU 4/64, IoF 4/4, ρ² = 2, c² = 128
    ([2., 2., 4., 4.], [0., 0., 8., 8.], 4 / 64 - 2 / 128, 1 - 2 / 128),
    # GT inside prior: IoU 4/64 = IoF, ρ² = 2, c² = 128
    ([0., 0., 8., 8.], [2., 2., 4., 4.], 4 / 64 - 2 / 128, 4 / 64 - 2 / 128),
    # partial: overlap 4, union 28, area(prior) 16, ρ² = 8, c² = 72
    ([0., 0., 4., 4.], [2., 2., 6., 6.], 4 / 28 - 8 / 72, 4 / 16 - 8 / 72),
]


@pytest.mark.parametrize('b1,b2,diou,official', PAIRS)
def test_diou_pairs_by_hand(b1, b2, diou, official):
    t1, t2 = torch.tensor([b1]), torch.tensor([b2])
    assert bbox_diou(t1, t2, 'diou').item() == pytest.approx(diou, abs=1e-6)
    assert bbox_diou(t1, t2, 'official').item() == pytest.approx(
        official, abs=1e-6)
    assert ref_diou(b1, b2, 'diou') == pytest.approx(diou)
    assert ref_diou(b1, b2, 'official') == pytest.approx(official)


@pytest.mark.parametrize('mode', ['diou', 'official'])
def test_diou_pairwise_matrix(mode):
    b1 = [p[0] for p in PAIRS]
    b2 = [p[1] for p in PAIRS[:3]]
    out = bbox_diou(torch.tensor(b1, dtype=torch.float64),
                    torch.tensor(b2, dtype=torch.float64), mode)
    assert out.shape == (5, 3) and out.dtype == torch.float64
    for i, a in enumerate(b1):
        for j, b in enumerate(b2):
            assert out[i, j].item() == pytest.approx(ref_diou(a, b, mode))


@pytest.mark.parametrize('mode', ['diou', 'official'])
def test_diou_of_aligned_pairs(mode):
    b1 = torch.tensor([p[0] for p in PAIRS], dtype=torch.float64)
    b2 = torch.tensor([p[1] for p in PAIRS], dtype=torch.float64)
    out = bbox_diou(b1, b2, mode, is_aligned=True)
    assert out.shape == (len(PAIRS), )
    assert out.tolist() == pytest.approx(
        [ref_diou(a, b, mode) for a, b in zip(b1.tolist(), b2.tolist())])
    with pytest.raises(ValueError, match='same shape'):
        bbox_diou(b1, b2[:2], mode, is_aligned=True)


def test_diou_empty_and_bad_mode():
    assert bbox_diou(torch.zeros(0, 4), torch.ones(3, 4)).shape == (0, 3)
    assert bbox_diou(torch.ones(2, 4), torch.zeros(0, 4)).shape == (2, 0)
    with pytest.raises(ValueError, match='giou'):
        bbox_diou(torch.ones(1, 4), torch.ones(1, 4), mode='giou')


# --------------------------------------------------------------------------
# vlr_weights on hand-built cases
# --------------------------------------------------------------------------
GT = [0., 0., 10., 10.]
# one level, topk >= 5: the candidates are all priors.
# IoU with GT: 1, 2/3, 1/3, 0, 0.64
HAND_PRIORS = [
    [0., 0., 10., 10.],   # identical
    [2., 0., 12., 10.],   # shifted by 2: IoU 80/120, DIoU 2/3 - 4/244
    [5., 0., 15., 10.],   # shifted by 5: IoU 50/150, DIoU 1/3 - 25/325
    [20., 0., 30., 10.],  # disjoint
    [1., 1., 9., 9.],     # inside, same centre: IoU 0.64, official 1.0
]


def _hand_thr() -> float:
    ious = [1., 2 / 3, 1 / 3, 0., 0.64]
    mean = sum(ious) / 5
    return mean + math.sqrt(sum((x - mean)**2 for x in ious) / 4)


def test_vlr_hand_case_one_gt():
    thr = _hand_thr()  # ≈ 0.906
    assert thr == pytest.approx(
        ref_thresholds(HAND_PRIORS, [5], [GT], topk=9)[0])
    w = vlr_weights(torch.tensor(HAND_PRIORS), [5], torch.tensor([GT]),
                    topk=9, gamma=0.25, diou_mode='diou')
    # p0: DIoU 1 >= thr (out); p1, p2, p4 in [0.25·thr, thr); p3 DIoU < 0
    expected = [0., 2 / 3, 1 / 3, 0., 0.64]
    assert w.tolist() == pytest.approx(expected, abs=1e-6)
    assert w.dtype == torch.float32
    # p2's DIoU (≈0.256) is just below α_vl for γ = 0.3 (≈0.272)
    w = vlr_weights(torch.tensor(HAND_PRIORS), [5], torch.tensor([GT]),
                    topk=9, gamma=0.3)
    assert w.tolist() == pytest.approx([0., 2 / 3, 0., 0., 0.64], abs=1e-6)


def test_vlr_official_differs_from_diou():
    priors, gts = torch.tensor(HAND_PRIORS), torch.tensor([GT])
    w_diou = vlr_weights(priors, [5], gts, topk=9, diou_mode='diou')
    w_off = vlr_weights(priors, [5], gts, topk=9, diou_mode='official')
    # p4 (area 64 != union 100): official ratio 64/64 = 1 -> DIoU 1 >= thr
    assert w_diou[4].item() == pytest.approx(0.64)
    assert w_off[4].item() == 0.0
    assert w_off.tolist() == pytest.approx(
        ref_vlr(HAND_PRIORS, [5], [GT], mode='official'), abs=1e-6)


def test_vlr_no_gt_and_no_prior():
    priors = torch.tensor(HAND_PRIORS, dtype=torch.float64)
    w = vlr_weights(priors, [5], torch.zeros(0, 4))
    assert w.shape == (5, ) and w.dtype == torch.float64
    assert not w.any()
    w = vlr_weights(torch.zeros(0, 4), [0, 0], torch.tensor([GT]))
    assert w.shape == (0, )


def test_vlr_two_overlapping_gts():
    gts = [GT, [4., 0., 14., 10.]]
    # [1, 1, 9, 9] and [5, 1, 13, 9] are mirror images: each lies in both
    # VLRs, with IoU 0.64 with the GT sharing its centre and ≈0.32 with the
    # other one
    priors = HAND_PRIORS + [[3., 0., 13., 10.], [6., 1., 16., 11.],
                            [5., 1., 13., 9.]]
    levels = [4, 4]
    expected = ref_vlr(priors, levels, gts, topk=3)
    w = vlr_weights(torch.tensor(priors), levels, torch.tensor(gts), topk=3)
    assert w.tolist() == pytest.approx(expected, abs=1e-6)

    # a prior in both VLRs takes the IoU of the higher-IoU GT
    thrs = ref_thresholds(priors, levels, gts, topk=3)
    best_gt = set()
    for i, p in enumerate(priors):
        if all(0.25 * t <= ref_diou(p, g, 'diou') < t
               for g, t in zip(gts, thrs)):
            ious = [ref_iou(p, g) for g in gts]
            assert w[i].item() == pytest.approx(max(ious))
            if abs(ious[0] - ious[1]) > 0.1:
                best_gt.add(ious.index(max(ious)))
    assert best_gt == {0, 1}, 'case must cover both GTs winning'
    assert w[4].item() == pytest.approx(0.64)
    assert w[7].item() == pytest.approx(0.64)


def test_vlr_gamma_extremes():
    gen = torch.Generator().manual_seed(0)
    priors, gts = random_boxes(60, gen), random_boxes(4, gen)
    levels = [30, 20, 10]
    w1 = vlr_weights(priors, levels, gts, topk=5, gamma=1.0)
    assert not w1.any()  # α_vl = α_pos: the band [α_pos, α_pos) is empty
    w0 = vlr_weights(priors, levels, gts, topk=5, gamma=0.0)
    w25 = vlr_weights(priors, levels, gts, topk=5, gamma=0.25)
    w5 = vlr_weights(priors, levels, gts, topk=5, gamma=0.5)
    assert (w0 >= w25).all() and (w25 >= w5).all()
    assert (w0 > 0).sum() > (w5 > 0).sum()
    for gamma, w in ((0.0, w0), (0.25, w25), (0.5, w5)):
        expected = ref_vlr(priors.tolist(), levels, gts.tolist(), topk=5,
                           gamma=gamma)
        assert w.tolist() == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize('seed', range(5))
@pytest.mark.parametrize('mode', ['diou', 'official'])
def test_vlr_random_against_reference(seed, mode):
    gen = torch.Generator().manual_seed(seed)
    priors, gts = random_boxes(50, gen), random_boxes(1 + seed, gen)
    levels = [25, 15, 6, 4]
    ignored = {3, 17, 40}
    mask = torch.zeros(50, dtype=torch.bool)
    mask[list(ignored)] = True
    w = vlr_weights(priors, levels, gts, topk=4, gamma=0.25, diou_mode=mode,
                    ignore_mask=mask)
    expected = ref_vlr(priors.tolist(), levels, gts.tolist(), topk=4,
                       mode=mode, ignored=ignored)
    assert w.tolist() == pytest.approx(expected, abs=1e-9)


def test_bad_gamma_in_function():
    with pytest.raises(ValueError, match='1.5'):
        vlr_weights(torch.tensor(HAND_PRIORS), [5], torch.tensor([GT]),
                    gamma=1.5)


# --------------------------------------------------------------------------
# VLRATSSAssigner
# --------------------------------------------------------------------------
def test_build_from_config():
    assigner = TASK_UTILS.build(dict(type='VLRATSSAssigner', topk=9))
    assert isinstance(assigner, VLRATSSAssigner)
    assert isinstance(assigner, ATSSAssigner)
    assert (assigner.topk, assigner.gamma, assigner.diou_mode,
            assigner.exclude_positives) == (9, 0.25, 'diou', False)
    assert assigner.provides_vlr_weights


@pytest.mark.parametrize('gamma', [-0.1, 1.5])
def test_bad_gamma(gamma):
    with pytest.raises(ValueError, match=str(gamma)):
        VLRATSSAssigner(topk=9, gamma=gamma)


def test_bad_diou_mode():
    with pytest.raises(ValueError, match="'ciou'") as info:
        VLRATSSAssigner(topk=9, diou_mode='ciou')
    assert 'diou' in str(info.value) and 'official' in str(info.value)


def _grid_anchors(sizes=(8, 16, 32), img=128):
    """Square anchors of side 8·stride on a regular grid per level."""
    anchors, levels = [], []
    for stride in sizes:
        c = torch.arange(stride / 2, img, stride, dtype=torch.float64)
        cy, cx = torch.meshgrid(c, c, indexing='ij')
        half = 4 * stride
        a = torch.stack([cx - half, cy - half, cx + half, cy + half], -1)
        anchors.append(a.view(-1, 4))
        levels.append(a.view(-1, 4).size(0))
    return torch.cat(anchors), levels


@pytest.mark.parametrize('seed', range(6))
@pytest.mark.parametrize('ignore', [False, True])
def test_positives_match_mmdet_atss(seed, ignore):
    gen = torch.Generator().manual_seed(seed)
    priors, levels = _grid_anchors()
    gts = random_boxes(1 + seed, gen, size=90, min_wh=8, max_wh=60)
    pred, gt = make_instances(priors, gts)
    gt_ignore = None
    if ignore:
        gt_ignore = InstanceData(
            bboxes=random_boxes(2, gen, size=60, min_wh=60, max_wh=100))
    kwargs = dict(topk=9, ignore_iof_thr=0.5 if ignore else -1)
    ref = ATSSAssigner(**kwargs).assign(pred, levels, gt, gt_ignore)
    res = VLRATSSAssigner(**kwargs).assign(pred, levels, gt, gt_ignore)
    assert torch.equal(res.gt_inds, ref.gt_inds)
    assert torch.equal(res.labels, ref.labels)
    assert torch.equal(res.max_overlaps, ref.max_overlaps)
    assert res.num_gts == ref.num_gts
    w = res.get_extra_property('vlr_weights')
    assert w.shape == (priors.size(0), ) and w.dtype == priors.dtype
    ignored = set()
    if ignore:  # IoF w.r.t. the prior above ignore_iof_thr, as ATSS
        ignored = {
            i
            for i, p in enumerate(priors.tolist()) if max(
                ref_overlap(p, b) / ref_area(p)
                for b in gt_ignore.bboxes.tolist()) > 0.5
        }
        assert ignored, 'test case must have ignored priors'
        assert not w[list(ignored)].any()
    # the assigner's weights are the function's, and the reference's
    expected = ref_vlr(priors.tolist(), levels, gts.tolist(), topk=9,
                       ignored=ignored)
    assert w.tolist() == pytest.approx(expected, abs=1e-9)


def test_exclude_positives():
    priors, levels = _grid_anchors()
    found = False
    for seed in range(20):
        gen = torch.Generator().manual_seed(seed)
        gts = random_boxes(3, gen, size=90, min_wh=8, max_wh=60)
        pred, gt = make_instances(priors, gts)
        res = VLRATSSAssigner(topk=9).assign(pred, levels, gt)
        res_ex = VLRATSSAssigner(
            topk=9, exclude_positives=True).assign(pred, levels, gt)
        w = res.get_extra_property('vlr_weights')
        w_ex = res_ex.get_extra_property('vlr_weights')
        pos = res.gt_inds > 0
        assert torch.equal(res_ex.gt_inds, res.gt_inds)
        assert not w_ex[pos].any()
        assert torch.equal(w_ex[~pos], w[~pos])
        found |= bool(w[pos].any())
    # otherwise the test above would be vacuous
    assert found, 'expected some positive with DIoU < α_pos (in the VLR)'


def test_assigner_no_gt_and_no_prior():
    priors, levels = _grid_anchors()
    pred, gt = make_instances(priors, torch.zeros(0, 4, dtype=torch.float64))
    res = VLRATSSAssigner(topk=9).assign(pred, levels, gt)
    assert not (res.gt_inds > 0).any()
    w = res.get_extra_property('vlr_weights')
    assert w.shape == (priors.size(0), ) and not w.any()

    pred, gt = make_instances(
        torch.zeros(0, 4), torch.tensor([GT]), torch.tensor([1]))
    res = VLRATSSAssigner(topk=9).assign(pred, [0, 0, 0], gt)
    assert res.get_extra_property('vlr_weights').shape == (0, )


@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs CUDA')
def test_assigner_cuda_keeps_device():
    priors, levels = _grid_anchors()
    gen = torch.Generator().manual_seed(0)
    gts = random_boxes(3, gen, size=90, min_wh=8, max_wh=60)
    pred, gt = make_instances(priors.float().cuda(), gts.float().cuda())
    res = VLRATSSAssigner(topk=9).assign(pred, levels, gt)
    w = res.get_extra_property('vlr_weights')
    assert w.is_cuda and w.dtype == torch.float32
    pred_cpu, gt_cpu = make_instances(priors.float(), gts.float())
    w_cpu = VLRATSSAssigner(topk=9).assign(
        pred_cpu, levels, gt_cpu).get_extra_property('vlr_weights')
    assert torch.allclose(w.cpu(), w_cpu, atol=1e-5)


def test_diou_reuses_a_given_iou_matrix():
    from mmdet.structures.bbox import bbox_overlaps
    gen = torch.Generator().manual_seed(3)
    b1 = random_boxes(30, gen, size=90, min_wh=4, max_wh=60)
    b2 = random_boxes(7, gen, size=90, min_wh=4, max_wh=60)
    torch.testing.assert_close(bbox_diou(b1, b2, iou=bbox_overlaps(b1, b2)), bbox_diou(b1, b2))
    # a given IoU replaces the computed one (so a wrong one shows), in 'diou' mode only
    shifted = bbox_diou(b1, b2, iou=bbox_overlaps(b1, b2) + 1)
    torch.testing.assert_close(shifted, bbox_diou(b1, b2) + 1)
    torch.testing.assert_close(bbox_diou(b1, b2, mode='official', iou=torch.zeros(30, 7)),
                               bbox_diou(b1, b2, mode='official'))
