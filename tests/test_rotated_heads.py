"""Rotated distribution heads: one-hot distributions decode like mmrotate's coder, the base
head's losses run on the expected deltas, bad configs fail with the fix."""

import pytest
import torch
import torch.nn.functional as F

pytest.importorskip('mmrotate')
from mmdet.structures.bbox import get_box_tensor  # noqa: E402
from mmengine.config import ConfigDict  # noqa: E402
from mmengine.registry import DefaultScope  # noqa: E402
from mmrotate.registry import MODELS  # noqa: E402
from mmrotate.structures.bbox import RotatedBoxes  # noqa: E402
from test_distribution_heads import records_of  # noqa: E402

import ld_plugin.rotated  # noqa: E402,F401
from ld_plugin.models.dense_heads import expected_values  # noqa: E402

CH, NUM_CLASSES, SIZE, REG_MAX = 16, 3, 64, 8
STRIDES = [8, 16, 32]
HEAD = dict(
    num_classes=NUM_CLASSES, in_channels=CH, feat_channels=CH, stacked_convs=1,
    anchor_generator=dict(type='FakeRotatedAnchorGenerator', angle_version='oc',
                          octave_base_scale=4, scales_per_octave=1, ratios=[1.0, 0.5, 2.0],
                          strides=STRIDES),
    bbox_coder=dict(type='DeltaXYWHTRBBoxCoder', angle_version='oc', norm_factor=None,
                    edge_swap=False, proj_xy=False, target_means=(0.0, ) * 5,
                    target_stds=(1.0, ) * 5),
    reg_decoded_bbox=True,
    loss_cls=dict(type='mmdet.FocalLoss', use_sigmoid=True, gamma=2.0, alpha=0.25,
                  loss_weight=1.0),
    loss_bbox=dict(type='GDLoss', loss_type='kld', fun='log1p', tau=1, loss_weight=1.0),
    train_cfg=ConfigDict(assigner=dict(type='mmdet.MaxIoUAssigner', pos_iou_thr=0.5,
                                       neg_iou_thr=0.4, min_pos_iou=0, ignore_iof_thr=-1,
                                       iou_calculator=dict(type='RBboxOverlaps2D')),
                         sampler=dict(type='mmdet.PseudoSampler'), allowed_border=-1,
                         pos_weight=-1, debug=False),
    test_cfg=ConfigDict(nms_pre=1000, min_bbox_size=0, score_thr=0.0, max_per_img=1000,
                        nms=dict(type='nms_rotated', iou_threshold=0.1)))


@pytest.fixture(autouse=True)
def rotated_scope():
    with DefaultScope.overwrite_default_scope('mmrotate'):  # restored afterwards
        yield


def build(plain: bool = False, **overrides):
    torch.manual_seed(0)
    cfg = dict(HEAD, type='RotatedRetinaHead' if plain else 'RotatedRetinaDistributionHead')
    if not plain:
        cfg['reg_max'] = REG_MAX
    cfg.update(overrides)
    return MODELS.build(ConfigDict(cfg))


def one_hot_logits(bins: torch.Tensor) -> torch.Tensor:
    """(N, A*5, H, W) integer bins -> (N, A*5*(n+1), H, W) sharply one-hot logits."""
    n, c, h, w = bins.shape
    one_hot = F.one_hot(bins, REG_MAX + 1).float().permute(0, 1, 4, 2, 3)
    return 100.0 * one_hot.reshape(n, c * (REG_MAX + 1), h, w)


def bin_values(bins: torch.Tensor) -> torch.Tensor:
    """The delta each bin stands for: evenly spaced on (-2, 2), the angle on (-5, 2)."""
    low = torch.tensor([-2.0] * 4 + [-5.0]).repeat(bins.shape[1] // 5).view(1, -1, 1, 1)
    high = torch.tensor([2.0] * 4 + [2.0]).repeat(bins.shape[1] // 5).view(1, -1, 1, 1)
    return low + (high - low) * bins.float() / REG_MAX


def test_one_hot_deltas_decode_like_mmrotates_coder():
    dist, plain = build(), build(plain=True)
    a = dist.num_base_priors
    sizes = [(SIZE // s, SIZE // s) for s in STRIDES]
    torch.manual_seed(1)
    cls = [torch.randn(1, a * NUM_CLASSES, h, w) for h, w in sizes]
    bins = [torch.randint(0, REG_MAX + 1, (1, a * 5, h, w)) for h, w in sizes]
    metas = [dict(img_shape=(SIZE, SIZE), ori_shape=(SIZE, SIZE), scale_factor=(1.0, 1.0))]
    got = dist.predict_by_feat(cls, [one_hot_logits(b) for b in bins], batch_img_metas=metas,
                               cfg=HEAD['test_cfg'])[0]
    expected = plain.predict_by_feat(cls, [bin_values(b) for b in bins],
                                     batch_img_metas=metas, cfg=HEAD['test_cfg'])[0]
    assert len(got) == len(expected) > 0
    torch.testing.assert_close(got.bboxes.tensor, expected.bboxes.tensor)
    torch.testing.assert_close(got.scores, expected.scores)

    anchors = dist.prior_generator.grid_priors(sizes, device='cpu')[0].tensor
    rows = one_hot_logits(bins[0]).permute(0, 2, 3, 1).reshape(-1, 5 * (REG_MAX + 1))
    deltas = bin_values(bins[0]).permute(0, 2, 3, 1).reshape(-1, 5)
    torch.testing.assert_close(dist.decode_bbox_pred(anchors, rows, STRIDES[0]),
                               dist.bbox_coder.decode(RotatedBoxes(anchors), deltas).tensor)


def gt_samples():
    from mmdet.structures import DetDataSample
    from mmengine.structures import InstanceData
    samples = []
    for boxes in ([[20., 24., 30., 12., 0.4], [44., 40., 18., 8., 1.2]],
                  [[32., 30., 26., 20., 0.1]]):
        sample = DetDataSample(metainfo=dict(img_shape=(SIZE, SIZE), pad_shape=(SIZE, SIZE),
                                             batch_input_shape=(SIZE, SIZE)))
        sample.gt_instances = InstanceData(bboxes=RotatedBoxes(torch.tensor(boxes)),
                                           labels=torch.arange(len(boxes)))
        samples.append(sample)
    return samples


def test_loss_is_the_plain_heads_loss_on_the_expected_deltas():
    dist, plain = build(), build(plain=True)
    torch.manual_seed(2)
    feats = tuple(torch.randn(2, CH, SIZE // s, SIZE // s) for s in STRIDES)
    cls_scores, logits = dist(feats)
    samples = gt_samples()
    gts, metas = [s.gt_instances for s in samples], [s.metainfo for s in samples]
    losses = dist.loss_by_feat(cls_scores, logits, gts, metas)
    support = dist.value_support(8, True)
    assert support.shape == (5, REG_MAX + 1)
    torch.testing.assert_close(support[4], torch.linspace(-5, 2, REG_MAX + 1))
    deltas = [expected_values(level_logits, support) for level_logits in logits]
    expected = plain.loss_by_feat(cls_scores, deltas, gts, metas)
    for key in ('loss_cls', 'loss_bbox'):
        torch.testing.assert_close(torch.stack(losses[key]), torch.stack(expected[key]))
    sum(losses['loss_bbox']).backward()
    assert dist.retina_reg.weight.grad.abs().sum() > 0
    assert logits[0].shape[1] == dist.num_base_priors * 5 * (REG_MAX + 1)


def test_build_errors_name_the_fix():
    with pytest.raises(ValueError, match="bbox_coder=dict\\(type='DeltaXYWHTRBBoxCoder'"):
        build(bbox_coder=dict(type='mmdet.DeltaXYWHBBoxCoder'))
    with pytest.raises(ValueError, match=r'angle_support must be \(low, high\) with low < high'):
        build(angle_support=(2.0, -5.0))
    with pytest.raises(ValueError, match='reg_max must be a positive int'):
        build(reg_max=-1)


# ------------------------------------------------------------------------- rotated FCOS
FCOS_HEAD = dict(
    num_classes=NUM_CLASSES, in_channels=CH, feat_channels=CH, stacked_convs=1,
    norm_cfg=dict(type='GN', num_groups=4, requires_grad=True), strides=STRIDES,
    regress_ranges=((-1, 16), (16, 32), (32, 1e8)), center_sampling=True,
    center_sample_radius=1.5, norm_on_bbox=True, centerness_on_reg=True, use_hbbox_loss=False,
    scale_angle=True, bbox_coder=dict(type='DistanceAnglePointCoder', angle_version='le90'),
    loss_cls=dict(type='mmdet.FocalLoss', use_sigmoid=True, gamma=2.0, alpha=0.25,
                  loss_weight=1.0),
    loss_bbox=dict(type='GDLoss', loss_type='kld', fun='log1p', tau=1, loss_weight=1.0),
    loss_angle=None,
    loss_centerness=dict(type='mmdet.CrossEntropyLoss', use_sigmoid=True, loss_weight=1.0),
    test_cfg=ConfigDict(nms_pre=1000, min_bbox_size=0, score_thr=0.0, max_per_img=1000,
                        nms=dict(type='nms_rotated', iou_threshold=0.1)))
LE90 = (-1.5707963, 1.5707963)


def build_fcos(plain: bool = False, **overrides):
    torch.manual_seed(0)
    cfg = dict(FCOS_HEAD, type='RotatedFCOSHead' if plain else 'RotatedFCOSDistributionHead')
    if not plain:
        cfg['reg_max'] = REG_MAX
    cfg.update(overrides)
    return MODELS.build(ConfigDict(cfg))


@pytest.mark.parametrize('angle_support', [None, LE90], ids=['regressed-angle', 'angle-bins'])
def test_rotated_fcos_one_hot_distances_decode_like_the_point_coder(angle_support):
    dist, plain = build_fcos(angle_support=angle_support), build_fcos(plain=True)
    k = 4 if angle_support is None else 5
    sizes = [(SIZE // s, SIZE // s) for s in STRIDES]
    torch.manual_seed(1)
    cls = [torch.randn(1, NUM_CLASSES, h, w) for h, w in sizes]
    centerness = [torch.randn(1, 1, h, w) for h, w in sizes]
    bins = [torch.randint(1, REG_MAX + 1, (1, k, h, w)) for h, w in sizes]
    logits = [one_hot_logits(b) for b in bins]
    if angle_support is None:
        angles = [torch.rand(1, 1, h, w) * 3 - 1.5 for h, w in sizes]
    else:  # what the forward computes from the fifth distribution
        angles = [LE90[0] + (LE90[1] - LE90[0]) * b[:, 4:].float() / REG_MAX for b in bins]
    metas = [dict(img_shape=(SIZE, SIZE), ori_shape=(SIZE, SIZE), scale_factor=(1.0, 1.0))]
    got = dist.predict_by_feat(cls, logits, angles, centerness, batch_img_metas=metas,
                               cfg=FCOS_HEAD['test_cfg'])[0]
    expected = plain.predict_by_feat(cls, [b[:, :4].float() * s for b, s in zip(bins, STRIDES)],
                                     angles, centerness, batch_img_metas=metas,
                                     cfg=FCOS_HEAD['test_cfg'])[0]
    assert len(got) == len(expected) > 0
    torch.testing.assert_close(get_box_tensor(got.bboxes), get_box_tensor(expected.bboxes))
    torch.testing.assert_close(got.scores, expected.scores)
    if angle_support is not None:  # the distillation decoder: point ± k strides, bin angle
        points = dist.prior_generator.grid_priors(sizes, device='cpu')[0]
        rows = logits[0].permute(0, 2, 3, 1).reshape(-1, 5 * (REG_MAX + 1))
        values = torch.cat([bins[0][:, :4].float() * STRIDES[0], angles[0]], 1)
        values = values.permute(0, 2, 3, 1).reshape(-1, 5)
        torch.testing.assert_close(dist.decode_bbox_pred(torch.cat([points, points], 1), rows,
                                                         STRIDES[0]),
                                   get_box_tensor(dist.bbox_coder.decode(points, values)))


@pytest.mark.parametrize('angle_support', [None, LE90], ids=['regressed-angle', 'angle-bins'])
def test_rotated_fcos_loss_is_the_plain_heads_loss_on_the_expected_values(angle_support):
    dist, plain = build_fcos(angle_support=angle_support), build_fcos(plain=True)
    torch.manual_seed(2)
    feats = tuple(torch.randn(2, CH, SIZE // s, SIZE // s) for s in STRIDES)
    cls_scores, logits, angles, centerness = dist(feats)
    samples = gt_samples()
    gts, metas = [s.gt_instances for s in samples], [s.metainfo for s in samples]
    losses = dist.loss_by_feat(cls_scores, logits, angles, centerness, gts, metas)
    bins = REG_MAX + 1
    distances = [expected_values(level_logits[:, :4 * bins],
                                 torch.arange(bins).float().expand(4, -1))
                 for level_logits in logits]
    expected = plain.loss_by_feat(cls_scores, distances, angles, centerness, gts, metas)
    assert set(losses) == set(expected) == {'loss_cls', 'loss_bbox', 'loss_centerness'}
    for key in losses:
        torch.testing.assert_close(losses[key], expected[key])
    losses['loss_bbox'].sum().backward()
    assert dist.conv_reg.weight.grad.abs().sum() > 0
    assert (dist.conv_angle is None) == (angle_support is not None)


def test_rotated_fcos_student_records_its_targets_and_rejects_box_terms_without_angle_bins():
    terms = dict(loss_vlr_ld=dict(pred='bbox_dist', region='vlr', weight='student_score',
                                  avg_factor=4.0,
                                  loss=dict(type='LocalizationDistillationLoss', T=10)))
    head = build_fcos(type='DistillRotatedFCOSDistributionHead', angle_support=LE90,
                      distill_terms=terms)
    torch.manual_seed(3)
    feats = tuple(torch.randn(2, CH, SIZE // s, SIZE // s) for s in STRIDES)
    samples = gt_samples()
    records, _ = records_of(head, feats, samples)
    points = head.prior_generator.grid_priors([f.shape[-2:] for f in feats], device='cpu')
    labels, bbox_targets, _ = head.get_targets(points, [s.gt_instances for s in samples])
    all_points = torch.cat(points)
    for i, (record, sample) in enumerate(zip(records, samples)):
        image_labels = torch.cat([level_labels.reshape(2, -1)[i] for level_labels in labels])
        image_targets = torch.cat([t.reshape(2, -1, 4)[i] * s for t, s in zip(bbox_targets,
                                                                              STRIDES)])
        assert torch.equal(record.labels, image_labels)
        pos = record.gt_inds > 0
        assert pos.any()
        gts = sample.gt_instances.bboxes.regularize_boxes('le90')
        from ld_plugin.rotated.dense_heads import rotated_point_distances
        distances = rotated_point_distances(all_points[pos], gts)
        own = distances[torch.arange(int(pos.sum())), record.gt_inds[pos] - 1]
        torch.testing.assert_close(own, image_targets[pos], rtol=1e-4, atol=1e-3)
        assert (record.vlr_weights[pos] == 0).all() and record.vlr_weights.sum() > 0
    box_term = dict(pred='bbox', region='valid', weight='score_diff', avg_factor='num_pos',
                    loss=dict(type='BoxDistillationLoss', box_loss=dict(type='GDLoss',
                                                                        loss_type='kld')))
    with pytest.raises(ValueError, match='set angle_support'):
        build_fcos(type='DistillRotatedFCOSDistributionHead', distill_terms=dict(loss_box=box_term))
