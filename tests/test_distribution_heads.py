"""General-distribution ATSS / RetinaNet / FCOS heads: decoding, base losses, build errors,
teacher/student compatibility, and the regions their LD students record."""
import copy

import pytest
import torch
import torch.nn.functional as F
from mmdet.models.dense_heads.gfl_head import Integral
from mmdet.models.task_modules.assigners import MaxIoUAssigner
from mmdet.registry import MODELS, TASK_UTILS
from mmdet.testing import demo_mm_inputs
from mmengine.config import Config, ConfigDict
from mmengine.structures import InstanceData

from ld_plugin.models.dense_heads import edge_expectations
from ld_plugin.models.distill import DistillOutputs
from ld_plugin.models.distill.compatibility import IncompatibleTeacherError
from ld_plugin.models.distill.targets import ImageTargets, point_box_distances
from ld_plugin.models.task_modules.assigners import vlr_weights

from conftest import REPO_ROOT

CH, NUM_CLASSES, SIZE, REG_MAX = 16, 3, 64, 8
STRIDES = [8, 16, 32]
NORM = dict(type='GN', num_groups=4, requires_grad=True)
FOCAL = dict(type='FocalLoss', use_sigmoid=True, gamma=2.0, alpha=0.25, loss_weight=1.0)
CODER = dict(type='PriorCenterDistanceCoder')
HEADS = {
    'atss': dict(type='ATSSDistributionHead', norm_cfg=NORM, loss_cls=FOCAL,
                 anchor_generator=dict(type='AnchorGenerator', ratios=[1.0], octave_base_scale=4,
                                       scales_per_octave=1, strides=STRIDES),
                 loss_bbox=dict(type='GIoULoss', loss_weight=2.0)),
    'retina': dict(type='RetinaDistributionHead', loss_cls=FOCAL,
                   anchor_generator=dict(type='AnchorGenerator', octave_base_scale=4,
                                         scales_per_octave=1, ratios=[0.5, 1.0, 2.0],
                                         strides=STRIDES),
                   loss_bbox=dict(type='GIoULoss', loss_weight=2.0)),
    'fcos': dict(type='FCOSDistributionHead', norm_cfg=NORM, loss_cls=FOCAL, strides=STRIDES,
                 regress_ranges=((-1, 16), (16, 32), (32, 1e8)), norm_on_bbox=True,
                 centerness_on_reg=True, center_sampling=True,
                 loss_bbox=dict(type='GIoULoss', loss_weight=1.0)),
}
RTMDET = dict(anchor_generator=dict(type='MlvlPointGenerator', offset=0, strides=STRIDES),
              bbox_coder=dict(type='DistancePointBBoxCoder'), norm_cfg=dict(type='BN'),
              act_cfg=dict(type='SiLU', inplace=True), with_objectness=True,
              loss_cls=dict(type='QualityFocalLoss', use_sigmoid=True, beta=2.0, loss_weight=1.0),
              loss_bbox=dict(type='GIoULoss', loss_weight=2.0))
HEADS.update(rtmdet=dict(type='RTMDetDistributionHead', **RTMDET),
             rtmdet_sepbn=dict(type='RTMDetSepBNDistributionHead', **RTMDET))
#: the plain mmdet head each one extends, set to regress the same distances
PLAIN = {'atss': dict(type='ATSSHead', bbox_coder=CODER),
         'retina': dict(type='RetinaHead', bbox_coder=CODER, reg_decoded_bbox=True),
         'fcos': dict(type='FCOSHead'), 'rtmdet': dict(type='RTMDetHead'),
         'rtmdet_sepbn': dict(type='RTMDetSepBNHead')}
ASSIGNERS = {'atss': dict(type='ATSSAssigner', topk=9),
             'retina': dict(type='MaxIoUAssigner', pos_iou_thr=0.5, neg_iou_thr=0.4,
                            min_pos_iou=0, ignore_iof_thr=-1),
             'fcos': None, 'rtmdet': dict(type='DynamicSoftLabelAssigner', topk=13),
             'rtmdet_sepbn': dict(type='DynamicSoftLabelAssigner', topk=13)}
#: heads with a centerness branch (its score factors enter the post-processing)
WITH_CENTERNESS = ('atss', 'fcos')
TEST_CFG = ConfigDict(nms_pre=1000, min_bbox_size=0, score_thr=0.0, max_per_img=1000,
                      nms=dict(type='nms', iou_threshold=0.6))
KINDS = list(HEADS)


def build(kind: str, plain: bool = False, seed: int = 0, **overrides):
    torch.manual_seed(seed)
    cfg = dict(num_classes=NUM_CLASSES, in_channels=CH, feat_channels=CH, stacked_convs=1,
               test_cfg=TEST_CFG, **copy.deepcopy(HEADS[kind]))
    if ASSIGNERS[kind] is not None:
        cfg['train_cfg'] = ConfigDict(assigner=ASSIGNERS[kind], allowed_border=-1, pos_weight=-1,
                                      sampler=dict(type='PseudoSampler'), debug=False)
    if plain:
        cfg.update(PLAIN[kind])
    else:
        cfg['reg_max'] = REG_MAX
    cfg.update(overrides)
    return MODELS.build(ConfigDict(cfg))


def batch(seed: int = 0, num_items=(3, 2)):
    torch.manual_seed(seed)
    feats = tuple(torch.randn(len(num_items), CH, SIZE // s, SIZE // s) for s in STRIDES)
    packed = demo_mm_inputs(batch_size=len(num_items),
                            image_shapes=[(3, SIZE, SIZE)] * len(num_items),
                            num_items=list(num_items), num_classes=NUM_CLASSES, with_mask=False)
    samples = packed['data_samples']
    for sample in samples:
        sample.set_metainfo(dict(pad_shape=(SIZE, SIZE), batch_input_shape=(SIZE, SIZE)))
    return feats, samples


def loss_args(head, outs, samples):
    gts = [s.gt_instances for s in samples]
    return (*outs, gts, [s.metainfo for s in samples])


# ------------------------------------------------------------------------------ decoding
def test_edge_expectations_are_the_integral_over_bins():
    torch.manual_seed(0)
    a, n = 3, REG_MAX + 1
    maps = torch.randn(2, a * 4 * n, 3, 5)
    expected = torch.stack([
        (F.softmax(maps[:, k * n:(k + 1) * n], dim=1)
         * torch.arange(n, dtype=torch.float).view(1, -1, 1, 1)).sum(1)
        for k in range(a * 4)], dim=1)
    torch.testing.assert_close(edge_expectations(maps, REG_MAX), expected)
    rows = torch.randn(7, 4 * n)
    torch.testing.assert_close(edge_expectations(rows, REG_MAX), Integral(REG_MAX)(rows))


def one_hot_logits(bins: torch.Tensor) -> torch.Tensor:
    """(N, A*4, H, W) integer bins -> (N, A*4*(n+1), H, W) logits, sharply one-hot."""
    n, c, h, w = bins.shape
    one_hot = F.one_hot(bins, REG_MAX + 1).float().permute(0, 1, 4, 2, 3)
    return 100.0 * one_hot.reshape(n, c * (REG_MAX + 1), h, w)


@pytest.mark.parametrize('kind', KINDS)
def test_one_hot_distribution_decodes_to_the_plain_heads_box(kind):
    """Bins k per edge predict the box the plain head predicts for distances k · stride."""
    dist, plain = build(kind), build(kind, plain=True)
    a = dist.num_base_priors
    torch.manual_seed(1)
    sizes = [(SIZE // s, SIZE // s) for s in STRIDES]
    cls = [torch.randn(1, a * NUM_CLASSES, h, w) for h, w in sizes]
    # bins >= 1: a zero-width box is dropped by the plain head but kept at width 1e-41 here
    bins = [torch.randint(1, REG_MAX + 1, (1, a * 4, h, w)) for h, w in sizes]
    extra = {}
    if kind in WITH_CENTERNESS:
        extra['score_factors'] = [torch.randn(1, a, h, w) for h, w in sizes]
    metas = [dict(img_shape=(SIZE, SIZE), ori_shape=(SIZE, SIZE), scale_factor=(1.0, 1.0))]
    got = dist.predict_by_feat(cls, [one_hot_logits(b) for b in bins], batch_img_metas=metas,
                               cfg=TEST_CFG, **extra)[0]
    expected = plain.predict_by_feat(cls, [b.float() * s for b, s in zip(bins, STRIDES)],
                                     batch_img_metas=metas, cfg=TEST_CFG, **extra)[0]
    assert len(got) == len(expected) > 0
    torch.testing.assert_close(got.bboxes, expected.bboxes)
    torch.testing.assert_close(got.scores, expected.scores)
    assert torch.equal(got.labels, expected.labels)

    # the distillation decoder: prior centre ± k · stride, per prior of level 0
    level0 = dist.prior_generator.grid_priors(sizes, device='cpu')[0]
    if level0.size(-1) == 2:
        centres = level0
        level0 = torch.cat([level0, level0], dim=1)
    else:
        centres = (level0[:, :2] + level0[:, 2:]) / 2
    rows = one_hot_logits(bins[0]).permute(0, 2, 3, 1).reshape(-1, 4 * (REG_MAX + 1))
    k = bins[0].permute(0, 2, 3, 1).reshape(-1, 4).float() * STRIDES[0]
    boxes = torch.cat([centres - k[:, :2], centres + k[:, 2:]], dim=1)
    torch.testing.assert_close(dist.decode_bbox_pred(level0, rows, STRIDES[0]), boxes)


# ---------------------------------------------------------------------------- base losses
@pytest.mark.parametrize('kind', KINDS)
def test_loss_is_the_plain_heads_loss_on_the_expected_distances(kind):
    """Strides for FCOS (norm_on_bbox), pixels for the anchor heads; gradients reach the bins."""
    dist, plain = build(kind), build(kind, plain=True)
    feats, samples = batch()
    outs = dist(feats)
    a, n = dist.num_base_priors, REG_MAX + 1
    for logits, (h, w) in zip(outs[1], [f.shape[-2:] for f in feats]):
        assert logits.shape == (2, a * 4 * n, h, w)
    losses = dist.loss_by_feat(*loss_args(dist, outs, samples))
    unit = [1] * 3 if kind == 'fcos' else STRIDES
    distances = [Integral(REG_MAX)(level_logits.permute(0, 2, 3, 1).reshape(-1, 4 * n))
                 .reshape(2, h, w, a * 4).permute(0, 3, 1, 2) * u
                 for level_logits, u, (h, w) in zip(outs[1], unit,
                                                    [f.shape[-2:] for f in feats])]
    plain_outs = (outs[0], distances, *outs[2:])
    expected = plain.loss_by_feat(*loss_args(plain, plain_outs, samples))
    keys = {'loss_cls', 'loss_bbox'} | ({'loss_centerness'} if kind in WITH_CENTERNESS else set())
    assert set(losses) == set(expected) == keys
    for key in keys:
        got, want = losses[key], expected[key]
        if kind == 'fcos':
            assert got.dim() == 0
        else:
            assert len(got) == len(STRIDES)
        torch.testing.assert_close(torch.stack(list(got) if isinstance(got, list) else [got]),
                                   torch.stack(list(want) if isinstance(want, list) else [want]))
    total = sum(sum(v) if isinstance(v, list) else v for v in losses.values())
    total.backward()
    reg_conv = getattr(dist, dist.reg_conv_name)
    if isinstance(reg_conv, torch.nn.ModuleList):  # RTMDet SepBN: one per level
        reg_conv = reg_conv[0]
    assert reg_conv.weight.grad is not None and reg_conv.weight.grad.abs().sum() > 0


def test_build_errors_name_the_fix():
    with pytest.raises(ValueError, match=r"bbox_coder=dict\(_delete_=True, "
                                         r"type='PriorCenterDistanceCoder'\)"):
        build('atss', bbox_coder=dict(type='DeltaXYWHBBoxCoder', target_means=[0.0] * 4,
                                      target_stds=[0.1, 0.1, 0.2, 0.2]))
    with pytest.raises(ValueError, match='set reg_decoded_bbox=True'):
        build('retina', reg_decoded_bbox=False)
    with pytest.raises(ValueError, match='reg_max must be a positive int.*got 0'):
        build('fcos', reg_max=0)


# ------------------------------------------------------------------ teacher and student
def mini_model(config: str) -> dict:
    model = Config.fromfile(str(REPO_ROOT / 'configs/mini' / config)).model.to_dict()
    if model.pop('teacher_ckpt', None) is not None:
        model['allow_random_teacher'] = True
    return model


def test_a_plain_teacher_cannot_teach_ld_to_a_distribution_student():
    student = mini_model('ld_atss-dist_r34_r18w16_synthetic.py')
    teacher = mini_model('atss-dist_r34_fpn128_synthetic.py')
    teacher['bbox_head'].update(type='ATSSHead', bbox_coder=dict(
        type='DeltaXYWHBBoxCoder', target_means=[0.0] * 4, target_stds=[0.1, 0.1, 0.2, 0.2]))
    teacher['bbox_head'].pop('reg_max')
    student['teacher_config'] = dict(model=teacher)
    with pytest.raises(IncompatibleTeacherError,
                       match='the teacher head ATSSHead predicts no edge distribution'):
        MODELS.build(student)
    teacher['bbox_head'].update(type='ATSSDistributionHead', reg_max=8, bbox_coder=CODER)
    with pytest.raises(IncompatibleTeacherError, match=r'reg_max .*: teacher 8 vs student 16'):
        MODELS.build(student)


# -------------------------------------------------------------------- the VLR of each head
def grid_anchors(stride: int, size: int = SIZE, scale: int = 4) -> torch.Tensor:
    c = torch.arange(stride / 2, size, stride)
    cy, cx = torch.meshgrid(c, c, indexing='ij')
    half = scale * stride / 2
    return torch.stack([cx - half, cy - half, cx + half, cy + half], -1).reshape(-1, 4)


def test_vlr_max_iou_assigner_is_max_iou_plus_the_vlr_without_positives():
    priors = torch.cat([grid_anchors(8), grid_anchors(16)])
    levels = [64, 16]
    gts = InstanceData(bboxes=torch.tensor([[4., 6., 40., 36.], [30., 20., 60., 62.]]),
                       labels=torch.tensor([0, 2]))
    assigner = TASK_UTILS.build(dict(type='VLRMaxIoUAssigner', pos_iou_thr=0.5,
                                     neg_iou_thr=0.4, min_pos_iou=0))
    result = assigner.assign(InstanceData(priors=priors), gts, num_level_priors=levels)
    reference = MaxIoUAssigner(pos_iou_thr=0.5, neg_iou_thr=0.4, min_pos_iou=0).assign(
        InstanceData(priors=priors), gts)
    assert torch.equal(result.gt_inds, reference.gt_inds)
    expected = vlr_weights(priors, levels, gts.bboxes).masked_fill(reference.gt_inds > 0, 0)
    assert (expected > 0).sum() > 0 and (reference.gt_inds > 0).sum() > 0
    torch.testing.assert_close(result.get_extra_property('vlr_weights'), expected)
    with pytest.raises(ValueError, match='needs the number of priors per FPN level'):
        assigner.assign(InstanceData(priors=priors), gts)


def records_of(head, feats, samples):
    """The per-image targets a distillation head records in one loss call."""
    captured = {}
    original = head.loss_distill

    def capture(student, teacher, records, gts):
        captured['records'] = records
        return original(student, teacher, records, gts)

    head.loss_distill = capture
    with torch.no_grad():
        outs = head(feats)
    losses = head.loss(feats, samples, teacher=DistillOutputs(feats=feats, head_outs=outs))
    return captured['records'], losses


VLR_LD = dict(pred='bbox_dist', region='vlr', weight='region', avg_factor=4.0,
              loss=dict(type='LocalizationDistillationLoss', loss_weight=1.0, T=10))


def test_retina_student_gets_the_vlr_of_its_inside_priors_per_level():
    assigner = dict(type='VLRMaxIoUAssigner', pos_iou_thr=0.5, neg_iou_thr=0.4, min_pos_iou=0)
    head = build('retina', type='DistillRetinaDistributionHead',
                 distill_terms=dict(loss_vlr_ld=VLR_LD),
                 train_cfg=ConfigDict(assigner=assigner, allowed_border=-1, pos_weight=-1,
                                      sampler=dict(type='PseudoSampler'), debug=False))
    feats, samples = batch(seed=3)
    records, losses = records_of(head, feats, samples)
    sizes = [f.shape[-2:] for f in feats]
    anchors = head.prior_generator.grid_priors(sizes, device='cpu')
    reference = TASK_UTILS.build(assigner)
    for record, sample in zip(records, samples):
        expected = reference.assign(InstanceData(priors=torch.cat(anchors)), sample.gt_instances,
                                    num_level_priors=[len(a) for a in anchors])
        torch.testing.assert_close(record.vlr_weights,
                                   expected.get_extra_property('vlr_weights'))
        assert torch.equal(record.gt_inds, expected.gt_inds)
    assert losses['loss_vlr_ld'].item() == 0  # student == teacher


def test_fcos_point_targets_recover_each_positives_gt_and_the_inside_negatives():
    points = torch.tensor([[10., 10.], [30., 30.], [50., 50.], [20., 12.], [25., 20.],
                           [60., 5.]])
    gts = torch.tensor([[0., 0., 40., 40.], [15., 5., 35., 25.], [15., 5., 35., 25.]])
    gt_labels = torch.tensor([1, 0, 2])  # GT 2 and 3 share a box; the label decides
    bg = NUM_CLASSES
    labels = torch.tensor([1, 1, bg, 2, bg, bg])
    targets = torch.zeros(6, 4)
    targets[0] = torch.tensor([10., 10., 30., 30.])
    targets[1] = torch.tensor([30., 30., 10., 10.])
    targets[3] = torch.tensor([5., 7., 15., 13.])
    result = ImageTargets.from_point_targets(labels, targets, point_box_distances(points, gts),
                                             gt_labels, NUM_CLASSES)
    assert result.gt_inds.tolist() == [1, 1, 0, 3, 0, 0]
    assert result.vlr_weights.tolist() == [0, 0, 0, 0, 1, 0]
    assert result.label_weights.tolist() == [1] * 6 and torch.equal(result.labels, labels)


def test_fcos_student_records_fcos_own_assignment():
    head = build('fcos', type='DistillFCOSDistributionHead',
                 distill_terms=dict(loss_vlr_ld=dict(VLR_LD, weight='student_score')))
    feats, samples = batch(seed=4)
    records, _ = records_of(head, feats, samples)
    points = head.prior_generator.grid_priors([f.shape[-2:] for f in feats], device='cpu')
    labels, _ = head.get_targets(points, [s.gt_instances for s in samples])
    per_image = torch.stack([torch.cat([level_labels.reshape(2, -1)[i] for level_labels in labels])
                             for i in range(2)])
    all_points = torch.cat(points)
    for i, (record, sample) in enumerate(zip(records, samples)):
        assert torch.equal(record.labels, per_image[i])
        pos = record.gt_inds > 0
        assert pos.any()
        gt = sample.gt_instances.bboxes[record.gt_inds[pos] - 1]
        xy = all_points[pos]
        assert ((xy > gt[:, :2]) & (xy < gt[:, 2:])).all()  # a positive lies in its GT
        assert torch.equal(sample.gt_instances.labels[record.gt_inds[pos] - 1], record.labels[pos])
        assert (record.vlr_weights[pos] == 0).all() and record.vlr_weights.sum() > 0
