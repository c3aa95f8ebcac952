"""Distillation terms on hand-built targets, against formulas written out independently."""
import pytest
import torch
import torch.nn.functional as F

from ld_plugin.models.distill.inputs import DistillInputs
from ld_plugin.models.distill.outputs import DistillOutputs
from ld_plugin.models.distill.targets import DistillTargets
from ld_plugin.models.distill.terms import build_distill_terms
from ld_plugin.models.losses import BinaryClassificationKDLoss

C, BINS = 3, 5  # classes, reg_max + 1


def kl_rows(s, t, T):
    p_t = F.softmax(t / T, -1)
    return (p_t * (F.log_softmax(t / T, -1) - F.log_softmax(s / T, -1))).mean(-1) * T * T


def as_maps(flat):
    """(N, P, K) per level -> (N, K, P, 1) maps, which flatten back to (N, P, K)."""
    return [f.permute(0, 2, 1).unsqueeze(-1) for f in flat]


def make_inputs(num_images=2, priors=(6, 3), seed=0, requires_grad=False):
    """Two levels; labels/vlr chosen by hand."""
    g = torch.Generator().manual_seed(seed)
    s_cls = [torch.randn(num_images, p, C, generator=g) for p in priors]
    t_cls = [torch.randn(num_images, p, C, generator=g) for p in priors]
    s_box = [torch.randn(num_images, p, 4 * BINS, generator=g).requires_grad_(requires_grad)
             for p in priors]
    t_box = [torch.randn(num_images, p, 4 * BINS, generator=g) for p in priors]
    labels = [torch.full((num_images, p), C, dtype=torch.long) for p in priors]
    labels[0][0, 1], labels[0][1, 4], labels[1][1, 0] = 0, 2, 1  # 3 positives
    vlr = [torch.zeros(num_images, p) for p in priors]
    vlr[0][0, 2], vlr[0][1, 0], vlr[1][0, 2] = 0.4, 0.3, 0.2
    label_w = [torch.ones(num_images, p) for p in priors]
    label_w[1][1, 2] = 0  # an ignored prior
    gt_inds = [torch.zeros(num_images, p, dtype=torch.long) for p in priors]
    targets = DistillTargets(labels, label_w, gt_inds, vlr)
    inputs = DistillInputs(
        student=DistillOutputs(feats=[], head_outs=(as_maps(s_cls), as_maps(s_box))),
        teacher=DistillOutputs(feats=[], head_outs=(as_maps(t_cls), as_maps(t_box))),
        targets=targets,
        priors=[torch.zeros(p, 4) for p in priors], strides=[8, 16], num_base_priors=1,
        num_classes=C, decode=None, gt_bboxes=[])
    return inputs


def term(**cfg):
    return build_distill_terms({'loss_x': cfg})['loss_x']


def manual_box_term(inputs, mask_fn, weight_fn, T, lam, divisor_fn):
    total = 0.0
    for lvl in range(2):
        s, t = inputs.preds('student', 'bbox_dist')[lvl], inputs.preds('teacher', 'bbox_dist')[lvl]
        for n in range(s.shape[0]):
            for p in range(s.shape[1]):
                if not mask_fn(lvl, n, p):
                    continue
                w = weight_fn(lvl, n, p)
                kl = kl_rows(s[n, p].view(4, BINS), t[n, p].view(4, BINS), T)
                total += lam * w * kl.sum() / divisor_fn(lvl)
    return total


def test_main_ld_official():
    inp = make_inputs()
    loss = term(pred='bbox_dist', region='main', weight='student_score', avg_factor=4.0,
                loss=dict(type='LocalizationDistillationLoss', loss_weight=0.25, T=10))(inp)
    labels = inp.targets.labels

    def score(lvl, n, p):
        return inp.preds('student', 'cls')[lvl][n, p].sigmoid().max().item()

    expected = manual_box_term(inp, lambda lvl, n, p: labels[lvl][n, p] < C, score, 10, 0.25,
                               lambda lvl: 4.0)
    torch.testing.assert_close(loss, torch.as_tensor(expected, dtype=loss.dtype))


def test_vlr_ld_uses_iou_weights_and_16():
    inp = make_inputs()
    loss = term(pred='bbox_dist', region='vlr', weight='region', avg_factor=16.0,
                loss=dict(type='LocalizationDistillationLoss', loss_weight=0.25, T=10))(inp)
    vlr = inp.targets.vlr_weights
    expected = manual_box_term(inp, lambda lvl, n, p: vlr[lvl][n, p] > 0,
                               lambda lvl, n, p: vlr[lvl][n, p].item(), 10, 0.25,
                               lambda lvl: 16.0)
    torch.testing.assert_close(loss, torch.as_tensor(expected, dtype=loss.dtype))


def test_main_kd_is_mean_over_positives_per_level():
    inp = make_inputs()
    loss = term(pred='cls', region='main', weight='region', avg_factor='level_count',
                loss=dict(type='ClassificationKDLoss', loss_weight=10, T=2))(inp)
    expected = 0.0
    for lvl in range(2):
        mask = inp.targets.labels[lvl] < C
        kl = kl_rows(inp.preds('student', 'cls')[lvl][mask],
                     inp.preds('teacher', 'cls')[lvl][mask], 2.0)
        expected += 10 * kl.sum() / mask.sum()
    torch.testing.assert_close(loss, expected)


def test_num_pos_and_num_images_normalisers_are_batch_independent():
    inp = make_inputs()
    by_pos = term(pred='bbox_dist', region='main', weight='region', avg_factor='num_pos',
                  loss=dict(type='LocalizationDistillationLoss', T=10))(inp)
    by_const = term(pred='bbox_dist', region='main', weight='region', avg_factor=4.0,
                    loss=dict(type='LocalizationDistillationLoss', T=10))(inp)
    by_img = term(pred='bbox_dist', region='main', weight='region', avg_factor='num_images',
                  loss=dict(type='LocalizationDistillationLoss', T=10))(inp)
    # const 4.0 == sum over positives of the per-prior edge mean; num_pos divides that by 3.
    torch.testing.assert_close(by_pos, by_const / 3)
    torch.testing.assert_close(by_img, by_const / 2)


def test_all_region_skips_ignored_priors():
    inp = make_inputs()
    loss = term(pred='cls', region='valid', weight='region', avg_factor=1.0,
                loss=dict(type='ClassificationKDLoss', loss_weight=1, T=1))(inp)
    expected = 0.0
    for lvl in range(2):
        w = inp.targets.label_weights[lvl]
        kl = kl_rows(inp.preds('student', 'cls')[lvl], inp.preds('teacher', 'cls')[lvl], 1.0)
        expected += (kl * w).sum()
    torch.testing.assert_close(loss, expected)


def test_empty_region_gives_zero_with_gradient_path():
    inp = make_inputs(requires_grad=True)
    for lvl in range(2):
        inp.targets.vlr_weights[lvl].zero_()
    loss = term(pred='bbox_dist', region='vlr', avg_factor=16.0,
                loss=dict(type='LocalizationDistillationLoss'))(inp)
    assert loss.item() == 0
    loss.backward()


@pytest.mark.parametrize('cfg, message', [
    (dict(pred='boxes', region='main', loss=dict(type='LocalizationDistillationLoss')),
     "pred='boxes'"),
    (dict(pred='cls', region='vrl', loss=dict(type='LocalizationDistillationLoss')),
     "region='vrl'"),
    (dict(pred='cls', region='main', weight='iou', loss=dict(type='ClassificationKDLoss')),
     "weight='iou'"),
    (dict(pred='cls', region='main', avg_factor='per_gpu', loss=dict(type='ClassificationKDLoss')),
     "'per_gpu'"),
    (dict(pred='cls', region='main', avg_factor=0, loss=dict(type='ClassificationKDLoss')),
     'avg_factor=0'),
    (dict(pred='cls', region='main', loss='kd'), "'loss' must be"),
    (dict(pred='cls', region='main', loss=dict(type='ClassificationKDLoss'), regoin='x'), 'regoin'),
])
def test_bad_term_configs_are_named(cfg, message):
    with pytest.raises(ValueError, match=message):
        build_distill_terms({'loss_x': cfg})


def test_unknown_loss_type_and_bad_name():
    with pytest.raises(KeyError, match='NoSuchLoss'):
        build_distill_terms({'loss_x': dict(pred='cls', region='main',
                                            loss=dict(type='NoSuchLoss'))})
    with pytest.raises(ValueError, match='start with "loss"'):
        build_distill_terms({'ld': dict(pred='cls', region='main',
                                        loss=dict(type='ClassificationKDLoss'))})
    assert len(build_distill_terms({'loss_x': None})) == 0


def test_deprecated_region_names_warn_and_mean_the_new_ones(monkeypatch):
    from mmengine.logging import MMLogger
    warnings = []
    monkeypatch.setattr(MMLogger.get_current_instance(), 'warning', warnings.append)
    inp = make_inputs()
    cfg = dict(pred='cls', weight='region', avg_factor='num_pos',
               loss=dict(type='BinaryClassificationKDLoss'))
    old, new = term(region='all', **cfg), term(region='valid', **cfg)
    assert old.region == 'valid' and old(inp).item() == new(inp).item() > 0
    imitation = dict(type='FeatureImitationLoss', student_channels=4, teacher_channels=4)
    assert term(region='all', loss=imitation).region == 'everywhere'
    assert term(region='fitnet', loss=imitation).region == 'inside_gt'
    assert len(warnings) == 3 and "write region='valid'" in warnings[0]


def test_num_pos_all_levels_counts_levels_without_positives():
    """'num_pos' skips a level without positives (BCKD); 'num_pos_all_levels' (CrossKD) sums
    every level over the same number of positives."""
    inp = make_inputs()
    inp.targets.labels[1][:] = C  # level 1 loses its positive: 2 positives, all on level 0
    cfg = dict(pred='cls', region='valid', weight='region',
               loss=dict(type='BinaryClassificationKDLoss'))
    skipped = term(avg_factor='num_pos', **cfg)(inp)
    every = term(avg_factor='num_pos_all_levels', **cfg)(inp)
    level1 = BinaryClassificationKDLoss(reduction='sum')(
        inp.preds('student', 'cls')[1][inp.targets.label_weights[1] > 0],
        inp.preds('teacher', 'cls')[1][inp.targets.label_weights[1] > 0]) / 2
    torch.testing.assert_close(every - skipped, level1)
