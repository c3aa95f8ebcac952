"""Rotated distribution heads: one-hot distributions decode like mmrotate's coder, the base
head's losses run on the expected deltas, bad configs fail with the fix."""

import pytest
import torch
import torch.nn.functional as F

pytest.importorskip('mmrotate')
import ld_plugin.rotated  # noqa: E402,F401
from mmengine.config import ConfigDict  # noqa: E402
from mmengine.registry import DefaultScope  # noqa: E402
from mmrotate.registry import MODELS  # noqa: E402
from mmrotate.structures.bbox import RotatedBoxes  # noqa: E402

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
    yield DefaultScope.get_instance('ld_plugin_rotated_head_tests', scope_name='mmrotate')


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
    for boxes in ([[20., 24., 30., 12., 0.4], [44., 40., 18., 8., 1.2]], [[32., 30., 26., 20., 0.1]]):
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
    deltas = [expected_values(l, support) for l in logits]
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
