"""BCKD, IoU-LD, RM, PFI and feature-imitation terms on GFL, ATSS and RetinaNet student heads,
plain and general-distribution (ATSS, RetinaNet, FCOS)."""
import copy
import logging
import sys

import pytest
import torch
import torch.nn.functional as F
from mmdet.models.dense_heads.gfl_head import Integral
from mmdet.registry import MODELS
from mmdet.structures.bbox import bbox_overlaps
from mmdet.testing import demo_mm_inputs
from mmengine.config import ConfigDict
from mmengine.logging import MMLogger

from ld_plugin.models.distill import DistillOutputs

SIZE, CH, NUM_CLASSES = 64, 16, 3

TERMS = dict(
    loss_bckd_cls=dict(pred='cls', region='valid', weight='region', avg_factor='num_pos',
                       loss=dict(type='BinaryClassificationKDLoss', loss_weight=1.0)),
    loss_bckd_box=dict(pred='bbox', region='valid', weight='score_diff', avg_factor='num_pos',
                       loss=dict(type='IoULocalizationDistillationLoss', loss_weight=4.0)),
    loss_rm=dict(loss=dict(type='RankMimickingLoss', loss_weight=4.0)),
    loss_pfi=dict(loss=dict(type='PredictionGuidedFeatureImitationLoss', student_channels=CH,
                            teacher_channels=CH)),
    loss_fitnet=dict(region='inside_gt', loss=dict(type='FeatureImitationLoss', student_channels=CH,
                                                teacher_channels=CH)),
    loss_finegrained=dict(region='finegrained',
                          loss=dict(type='FeatureImitationLoss', student_channels=CH,
                                    teacher_channels=CH)),
    loss_gibox=dict(region='gibox', loss=dict(type='FeatureImitationLoss', student_channels=CH,
                                              teacher_channels=CH)))

ANCHORS = dict(type='AnchorGenerator', ratios=[1.0], octave_base_scale=4, scales_per_octave=1,
               strides=[8, 16, 32])
RETINA_ANCHORS = dict(type='AnchorGenerator', octave_base_scale=4, scales_per_octave=1,
                      ratios=[0.5, 1.0, 2.0], strides=[8, 16, 32])
NORM = dict(type='GN', num_groups=4, requires_grad=True)
HEADS = {
    'gfl': dict(type='DistillGFLHead', reg_max=8, norm_cfg=NORM, anchor_generator=ANCHORS,
                loss_cls=dict(type='QualityFocalLoss', use_sigmoid=True, beta=2.0, loss_weight=1.0),
                loss_dfl=dict(type='DistributionFocalLoss', loss_weight=0.25),
                loss_bbox=dict(type='GIoULoss', loss_weight=2.0)),
    'atss': dict(type='DistillATSSHead', norm_cfg=NORM, anchor_generator=ANCHORS,
                 bbox_coder=dict(type='DeltaXYWHBBoxCoder', target_means=[.0, .0, .0, .0],
                                 target_stds=[0.1, 0.1, 0.2, 0.2]),
                 loss_bbox=dict(type='GIoULoss', loss_weight=2.0)),
    'retina': dict(type='DistillRetinaHead', anchor_generator=RETINA_ANCHORS),
    'atss_dist': dict(type='DistillATSSDistributionHead', reg_max=8, norm_cfg=NORM,
                      anchor_generator=ANCHORS, loss_bbox=dict(type='GIoULoss', loss_weight=2.0)),
    'retina_dist': dict(type='DistillRetinaDistributionHead', reg_max=8,
                        anchor_generator=RETINA_ANCHORS,
                        loss_bbox=dict(type='GIoULoss', loss_weight=2.0)),
    'fcos_dist': dict(type='DistillFCOSDistributionHead', reg_max=8, norm_cfg=NORM,
                      strides=[8, 16, 32], regress_ranges=((-1, 16), (16, 32), (32, 1e8)),
                      norm_on_bbox=True, centerness_on_reg=True, center_sampling=True,
                      loss_bbox=dict(type='GIoULoss', loss_weight=1.0)),
}
RTMDET = dict(anchor_generator=dict(type='MlvlPointGenerator', offset=0, strides=[8, 16, 32]),
              bbox_coder=dict(type='DistancePointBBoxCoder'), norm_cfg=dict(type='BN'),
              act_cfg=dict(type='SiLU', inplace=True),
              loss_cls=dict(type='QualityFocalLoss', use_sigmoid=True, beta=2.0, loss_weight=1.0),
              loss_bbox=dict(type='GIoULoss', loss_weight=2.0))
HEADS.update(rtmdet=dict(type='DistillRTMDetHead', **RTMDET),
             rtmdet_sepbn=dict(type='DistillRTMDetSepBNHead', exp_on_reg=True, **RTMDET),
             rtmdet_dist=dict(type='DistillRTMDetSepBNDistributionHead', reg_max=8, **RTMDET))
ALL_HEADS = list(HEADS)
ASSIGNERS = {'gfl': dict(type='ATSSAssigner', topk=9), 'atss': dict(type='ATSSAssigner', topk=9),
             'retina': dict(type='MaxIoUAssigner', pos_iou_thr=0.5, neg_iou_thr=0.4,
                            min_pos_iou=0, ignore_iof_thr=-1)}
ASSIGNERS.update(atss_dist=ASSIGNERS['atss'], retina_dist=ASSIGNERS['retina'], fcos_dist=None)
ASSIGNERS.update(rtmdet=dict(type='DynamicSoftLabelAssigner', topk=13),
                 rtmdet_sepbn=dict(type='DynamicSoftLabelAssigner', topk=13),
                 rtmdet_dist=dict(type='VLRDynamicSoftLabelAssigner', topk=13))


def build_head(kind, terms=None, seed=0):
    torch.manual_seed(seed)
    cfg = dict(num_classes=NUM_CLASSES, in_channels=CH, feat_channels=CH, stacked_convs=1,
               distill_terms=copy.deepcopy(TERMS if terms is None else terms),
               train_cfg=ConfigDict(assigner=ASSIGNERS[kind], allowed_border=-1, pos_weight=-1,
                                    sampler=dict(type='PseudoSampler'), debug=False),
               test_cfg=ConfigDict(nms_pre=100, score_thr=0.05, max_per_img=10,
                                   nms=dict(type='nms', iou_threshold=0.6)),
               **copy.deepcopy(HEADS[kind]))
    return MODELS.build(ConfigDict(cfg))


def batch(seed=0):
    torch.manual_seed(seed)
    feats = tuple(torch.randn(2, CH, SIZE // s, SIZE // s) for s in (8, 16, 32))
    packed = demo_mm_inputs(batch_size=2, image_shapes=[(3, SIZE, SIZE)] * 2, num_items=[3, 2],
                            num_classes=NUM_CLASSES, with_mask=False)
    for sample in packed['data_samples']:
        sample.set_metainfo(dict(pad_shape=(SIZE, SIZE), batch_input_shape=(SIZE, SIZE)))
    return feats, packed['data_samples']


def teacher_of(head, feats, seed=1):
    torch.manual_seed(seed)
    t_feats = tuple((f + torch.randn_like(f)).detach() for f in feats)
    with torch.no_grad():
        outs = head(t_feats)
        outs = tuple([o + torch.randn_like(o) for o in out] for out in outs)
    return DistillOutputs(feats=t_feats, head_outs=outs)


@pytest.mark.parametrize('kind', ALL_HEADS)
def test_every_term_runs_and_reaches_only_the_student(kind):
    head = build_head(kind)
    feats, samples = batch()
    feats = tuple(f.requires_grad_(True) for f in feats)
    teacher = teacher_of(head, feats)
    for f in teacher.feats:
        f.requires_grad_(True)
    losses = head.loss(feats, samples, teacher=teacher)
    for name in TERMS:
        assert torch.isfinite(losses[name]) and losses[name].item() > 0, name
    total = sum(losses[name] for name in TERMS)
    total.backward()
    assert all(f.grad is None for f in teacher.feats)
    assert all(f.grad is not None and f.grad.abs().sum() > 0 for f in feats)


@pytest.mark.parametrize('kind', ALL_HEADS)
def test_zero_when_student_is_teacher(kind):
    head = build_head(kind)
    feats, samples = batch(seed=2)
    with torch.no_grad():
        outs = head(feats)
    losses = head.loss(feats, samples, teacher=DistillOutputs(feats=feats, head_outs=outs))
    for name in TERMS:
        assert abs(losses[name].item()) < 1e-6, (name, losses[name].item())


def run_with_teacher(kind, terms, seed):
    """Head, batch, teacher, losses, student outputs and the anchors of a distillation step."""
    head = build_head(kind, terms)
    feats, samples = batch(seed=seed)
    teacher = teacher_of(head, feats)
    losses = head.loss(feats, samples, teacher=teacher)
    outs = head(feats)
    sizes = [c.shape[-2:] for c in outs[0]]
    metas = [s.metainfo for s in samples]
    anchors, valid = head.get_anchors(sizes, metas, device='cpu')
    return head, samples, teacher, losses, outs, sizes, metas, anchors, valid


def flat(maps, a):
    return torch.cat([m.permute(0, 2, 3, 1).reshape(m.shape[0], -1, m.shape[1] // a)
                      for m in maps], dim=1)


def check_bckd_formula(losses, outs, teacher, level_labels, decode):
    """BCKD's two terms written out (official code): BCE(s, σ(t))·|σ(t) − σ(s)| summed over
    classes at every prior, and 4 · (1 − GIoU) of the decoded boxes weighted by
    max_c |σ(t_c) − σ(s_c)|, both over the positives; a level without any positive in the batch
    contributes nothing. ``decode(n, rows)``: image n's (P, K) box rows -> (P, 4) boxes."""
    labels = torch.cat(level_labels, dim=1)
    num_pos = float(((labels >= 0) & (labels < NUM_CLASSES)).sum())
    kept = torch.cat([torch.full((lbl.shape[1], ),
                                 float(((lbl >= 0) & (lbl < NUM_CLASSES)).any()))
                      for lbl in level_labels])
    s_cls, t_cls = flat(outs[0], 1), flat(teacher.head_outs[0], 1)
    ps, pt = s_cls.sigmoid(), t_cls.sigmoid()
    bce = F.binary_cross_entropy_with_logits(s_cls, pt, reduction='none')
    expected_cls = ((bce * (pt - ps).abs()).sum(-1) * kept).sum() / num_pos
    torch.testing.assert_close(losses['loss_bckd_cls'], expected_cls, rtol=1e-4, atol=1e-5)
    s_box, t_box = flat(outs[1], 1), flat(teacher.head_outs[1], 1)
    expected_box = 0.0
    for n in range(s_box.shape[0]):
        w = (pt[n] - ps[n]).abs().max(dim=-1)[0]
        giou = bbox_overlaps(decode(n, s_box[n]), decode(n, t_box[n]), mode='giou',
                             is_aligned=True)
        expected_box = expected_box + (w * (1 - giou) * kept).sum()
    torch.testing.assert_close(losses['loss_bckd_box'], 4.0 * expected_box / num_pos,
                               rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize('kind', ['gfl', 'atss', 'atss_dist'])
def test_bckd_terms_equal_the_formula(kind):
    terms = {k: TERMS[k] for k in ('loss_bckd_cls', 'loss_bckd_box')}
    head, samples, teacher, losses, outs, sizes, metas, anchors, valid = \
        run_with_teacher(kind, terms, seed=3)
    targets = head.get_targets(anchors, valid, [s.gt_instances for s in samples], metas)
    priors = torch.cat(head.prior_generator.grid_priors(sizes, device='cpu'))
    strides = torch.cat([torch.full((len(p), ), float(s[0])) for p, s in zip(
        head.prior_generator.grid_priors(sizes, device='cpu'), head.prior_generator.strides)])

    def decode(n, rows):
        if kind == 'gfl':
            centres = head.anchor_center(priors) / strides[:, None]
            return head.bbox_coder.decode(centres, head.integral(rows))
        if kind == 'atss_dist':  # anchor centre ± stride · integral, in pixels
            centres = (priors[:, :2] + priors[:, 2:]) / 2
            distances = Integral(8)(rows) * strides[:, None]
            return torch.cat([centres - distances[:, :2], centres + distances[:, 2:]], dim=1)
        return head.bbox_coder.decode(priors, rows)

    check_bckd_formula(losses, outs, teacher, targets[1], decode)


def test_rank_mimicking_groups_follow_the_assignment():
    head, samples, teacher, losses, outs, _, _, anchors, _ = \
        run_with_teacher('atss', {'loss_rm': TERMS['loss_rm']}, seed=4)
    s_cls, t_cls = flat(outs[0], 1), flat(teacher.head_outs[0], 1)
    kl_sum, groups = 0.0, 0
    for n, sample in enumerate(samples):
        flat_anchors = torch.cat(anchors[n])
        result = head.assigner.assign(
            type(sample.gt_instances)(priors=flat_anchors), [len(a) for a in anchors[n]],
            sample.gt_instances)
        for g in range(1, len(sample.gt_instances) + 1):
            idx = torch.nonzero(result.gt_inds == g)[:, 0]
            if len(idx) == 0:
                continue
            c = int(sample.gt_instances.labels[g - 1])
            p = F.softmax(t_cls[n, idx, c].sigmoid(), 0)
            q = F.log_softmax(s_cls[n, idx, c].sigmoid(), 0)
            kl_sum = kl_sum + (p * (p.log() - q)).sum()
            groups += 1
    torch.testing.assert_close(losses['loss_rm'], 4.0 * kl_sum / groups, rtol=1e-4, atol=1e-6)


def test_build_errors_name_the_fix():
    with pytest.raises(ValueError, match="no edge distribution.*pred='bbox'"):
        build_head('retina', {'loss_ld': dict(
            pred='bbox_dist', region='main', loss=dict(type='LocalizationDistillationLoss'))})
    with pytest.raises(ValueError, match='student_channels=32.*set loss.student_channels=16'):
        build_head('atss', {'loss_pfi': dict(loss=dict(
            type='PredictionGuidedFeatureImitationLoss', student_channels=32,
            teacher_channels=32))})
    with pytest.raises(ValueError, match="remove region='inside_gt'"):
        build_head('atss', {'loss_pfi': dict(region='inside_gt', loss=TERMS['loss_pfi']['loss'])})
    with pytest.raises(ValueError, match="region='inside'"):
        build_head('atss', {'loss_fi': dict(region='inside', loss=TERMS['loss_fitnet']['loss'])})
    with pytest.raises(ValueError, match=r"unknown keys \['region'\]"):
        build_head('atss', {'loss_rm': dict(region='main', loss=TERMS['loss_rm']['loss'])})


def test_softmax_kd_on_one_class_warns_and_is_zero(monkeypatch):
    """Main KD is a softmax over the classes: with one class it is constant (always 0), so the
    head says so at build time and names the binary per-class KD instead."""
    messages = []
    handler = logging.Handler()
    handler.emit = lambda record: messages.append(record.getMessage())
    logger = MMLogger.get_current_instance()
    logger.addHandler(handler)
    try:
        kd = {'loss_kd': dict(pred='cls', region='main', weight='region', avg_factor='num_pos',
                              loss=dict(type='ClassificationKDLoss', loss_weight=10.0, T=2))}
        build_head('gfl', kd)
        assert not any('loss_kd' in m for m in messages)
        monkeypatch.setattr(sys.modules[__name__], 'NUM_CLASSES', 1)
        head = build_head('gfl', kd)
    finally:
        logger.removeHandler(handler)
    warned = [m for m in messages if "'loss_kd'" in m]
    assert len(warned) == 1 and 'BinaryClassificationKDLoss' in warned[0]
    student, teacher = torch.randn(50, 1), torch.randn(50, 1)
    assert float(head.distill_terms['loss_kd'].loss(student, teacher)) == 0.0
