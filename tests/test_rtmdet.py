"""RTMDet students (RTMDetHead, RTMDetSepBNHead): the recorded assignment, BCKD against its
formula, and CrossKD's cross head through per-level towers against a hand computation."""
import copy

import pytest
import torch
import torch.nn.functional as F
from mmdet.models.layers.transformer import inverse_sigmoid
from mmdet.models.utils import sigmoid_geometric_mean
from mmdet.registry import MODELS
from mmdet.structures.bbox import distance2bbox
from mmengine.config import Config, ConfigDict

from ld_plugin.models.distill import DistillOutputs

from conftest import REPO_ROOT
from test_distill_terms_on_heads import TERMS, batch, build_head, check_bckd_formula, teacher_of

CROSSKD = Config.fromfile(str(REPO_ROOT / 'configs/_base_/distill/crosskd_terms.py'))
NUM_CLASSES = 3


def own_targets(head, outs, samples):
    """The head's own ``get_targets`` on the flattened predictions, as its loss computes them."""
    cls_scores, bbox_preds = outs
    sizes = [c.shape[-2:] for c in cls_scores]
    metas = [s.metainfo for s in samples]
    anchors, valid = head.get_anchors(sizes, metas, device='cpu')
    n = len(samples)
    flat_cls = torch.cat([c.permute(0, 2, 3, 1).reshape(n, -1, NUM_CLASSES) for c in cls_scores], 1)
    flat_box = torch.cat([distance2bbox(a.reshape(-1, 4), b.permute(0, 2, 3, 1).reshape(n, -1, 4))
                          for a, b in zip(anchors[0], bbox_preds)], 1)
    return head.get_targets(flat_cls.detach(), flat_box.detach(), anchors, valid,
                            [s.gt_instances for s in samples], metas)


@pytest.mark.parametrize('kind', ['rtmdet', 'rtmdet_sepbn'])
def test_recorded_assignment_equals_the_heads_own_targets(kind):
    """The DynamicSoftLabelAssigner result recorded during the student's loss gives the
    labels and label weights of the head's own targets."""
    head = build_head(kind, terms={})
    feats, samples = batch(seed=5)
    outs = head(feats)
    metas = [s.metainfo for s in samples]
    with head.recording_targets(outs[0]) as records:
        head.loss_by_feat(*outs, [s.gt_instances for s in samples], metas)
    _, labels, label_weights, _, metrics, _ = own_targets(head, outs, samples)
    labels, label_weights = torch.cat(labels, 1), torch.cat(label_weights, 1)
    assert len(records) == 2
    for n, record in enumerate(records):
        assert torch.equal(record.labels, labels[n])
        assert torch.equal(record.label_weights, label_weights[n])
        pos = labels[n] < NUM_CLASSES
        assert pos.any() and torch.equal(record.gt_inds > 0, pos)
        # each positive's GT has the positive's label
        gt_labels = samples[n].gt_instances.labels
        assert torch.equal(gt_labels[record.gt_inds[pos] - 1], labels[n][pos])


@pytest.mark.parametrize('kind', ['rtmdet', 'rtmdet_sepbn'])
def test_bckd_on_rtmdet_equals_the_formula(kind):
    head = build_head(kind, {k: TERMS[k] for k in ('loss_bckd_cls', 'loss_bckd_box')})
    feats, samples = batch(seed=3)
    teacher = teacher_of(head, feats)
    losses = head.loss(feats, samples, teacher=teacher)
    outs = head(feats)
    targets = own_targets(head, outs, samples)
    points = torch.cat(head.prior_generator.grid_priors([c.shape[-2:] for c in outs[0]],
                                                        device='cpu'))
    # (l, t, r, b) pixel distances from each point
    check_bckd_formula(losses, outs, teacher, targets[1],
                       lambda n, rows: distance2bbox(points, rows))


def sepbn_head(convs: int, **kwargs):
    cfg = dict(type='RTMDetSepBNHead', num_classes=NUM_CLASSES, in_channels=8, feat_channels=8,
               stacked_convs=convs, exp_on_reg=True,
               anchor_generator=dict(type='MlvlPointGenerator', offset=0, strides=[8, 16, 32]),
               bbox_coder=dict(type='DistancePointBBoxCoder'),
               loss_cls=dict(type='QualityFocalLoss', use_sigmoid=True, beta=2.0),
               loss_bbox=dict(type='GIoULoss', loss_weight=2.0),
               train_cfg=ConfigDict(assigner=dict(type='DynamicSoftLabelAssigner', topk=13),
                                    allowed_border=-1, pos_weight=-1, debug=False))
    cfg.update(kwargs)
    return MODELS.build(cfg)


def test_sepbn_cross_head_equals_the_hand_computation(registry_scope):
    """Per-level towers (shared convs, one BN per level): each level's student feature after
    conv k is aligned and continues through the teacher's convs and BN *of that level*."""
    teacher = sepbn_head(convs=3).eval().requires_grad_(False)
    student = sepbn_head(convs=2, type='ld_plugin.DistillRTMDetSepBNHead',
                         cross_head=dict(reused_conv=1),
                         distill_terms=copy.deepcopy(CROSSKD.crosskd_plain.to_dict()))
    torch.manual_seed(0)
    for module in [*teacher.modules(), *student.modules()]:  # make every level's BN differ
        if isinstance(module, torch.nn.BatchNorm2d):
            for tensor in (module.weight, module.bias, module.running_mean):
                tensor.data.normal_()
            module.running_var.data.uniform_(0.5, 2.0)
    xs = [torch.randn(2, 8, s, s) for s in (8, 4, 2)]
    xt = [torch.randn(2, 8, s, s) for s in (8, 4, 2)]
    with student.recording_towers(student) as s_towers:
        s_outs = student(xs)
    with student.recording_towers(teacher) as t_towers:
        t_outs = teacher(xt)
    cross = student.cross_head(
        DistillOutputs(feats=xs, head_outs=s_outs, tower_feats=s_towers, head=student),
        DistillOutputs(feats=xt, head_outs=t_outs, tower_feats=t_towers, head=teacher))
    for level, (s, t) in enumerate(zip(xs, xt)):
        branch = {}
        for tower in ('cls', 'reg'):
            s_conv = getattr(student, f'{tower}_convs')[level][0]
            t_convs = getattr(teacher, f'{tower}_convs')[level]
            s_pre, t_pre = s_conv.bn(s_conv.conv(s)), t_convs[0].bn(t_convs[0].conv(t))
            mean_s, std_s = s_pre.mean((0, 2, 3), keepdim=True), s_pre.std((0, 2, 3), keepdim=True)
            mean_t, std_t = t_pre.mean((0, 2, 3), keepdim=True), t_pre.std((0, 2, 3), keepdim=True)
            feat = F.silu((s_pre - mean_s) / (std_s + 1e-6) * std_t + mean_t)
            for conv in t_convs[1:]:
                feat = conv(feat)
            branch[tower] = feat
        cls = inverse_sigmoid(sigmoid_geometric_mean(teacher.rtm_cls[level](branch['cls']),
                                                     teacher.rtm_obj[level](branch['reg'])))
        reg = teacher.rtm_reg[level](branch['reg']).exp() * (8 * 2 ** level)
        torch.testing.assert_close(cross.head_outs[0][level], cls, rtol=1e-4, atol=1e-5)
        torch.testing.assert_close(cross.head_outs[1][level], reg, rtol=1e-4, atol=1e-4)
    # the shared convs mean level 0's conv serves every level; each level kept its own BN
    assert teacher.cls_convs[2][1].conv is teacher.cls_convs[0][1].conv
    assert teacher.cls_convs[2][1].bn is not teacher.cls_convs[0][1].bn


def test_vlr_dynamic_soft_label_assigner_adds_the_inside_non_positive_points():
    from mmdet.models.task_modules.assigners import DynamicSoftLabelAssigner
    from mmengine.structures import InstanceData

    from ld_plugin.models.task_modules.assigners import VLRDynamicSoftLabelAssigner
    torch.manual_seed(0)
    xy = torch.stack(torch.meshgrid(torch.arange(4, 64, 8.0), torch.arange(4, 64, 8.0),
                                    indexing='xy'), -1).reshape(-1, 2)
    priors = torch.cat([xy, torch.full_like(xy, 8.0)], 1)
    gts = InstanceData(bboxes=torch.tensor([[2.0, 3.0, 30.0, 40.0], [20.0, 10.0, 60.0, 33.0]]),
                       labels=torch.tensor([0, 2]))
    preds = InstanceData(priors=priors, scores=torch.randn(len(priors), NUM_CLASSES),
                         bboxes=torch.cat([xy - 6, xy + 6], 1))
    plain = DynamicSoftLabelAssigner(topk=5).assign(preds, gts)
    result = VLRDynamicSoftLabelAssigner(topk=5).assign(preds, gts)
    assert torch.equal(result.gt_inds, plain.gt_inds) and torch.equal(result.labels, plain.labels)
    expected = torch.zeros(len(priors))
    for i, (x, y) in enumerate(xy.tolist()):
        inside = any(x1 < x < x2 and y1 < y < y2 for x1, y1, x2, y2 in gts.bboxes.tolist())
        expected[i] = float(inside and int(plain.gt_inds[i]) == 0)
    assert expected.sum() > 0 and (plain.gt_inds > 0).any()
    torch.testing.assert_close(result.get_extra_property('vlr_weights'), expected)


def test_ld_and_vlr_ld_on_the_distribution_rtmdet_student():
    ld = Config.fromfile(str(REPO_ROOT / 'configs/_base_/distill/ld_terms.py'))
    terms = copy.deepcopy(ld.ld_full_recipe.to_dict())
    head = build_head('rtmdet_dist', terms)
    feats, samples = batch(seed=6)
    losses = head.loss(feats, samples, teacher=teacher_of(head, feats))
    for name in terms:
        assert torch.isfinite(losses[name]) and losses[name] > 0, name
    with torch.no_grad():
        same = DistillOutputs(feats=feats, head_outs=head(feats))
    losses = head.loss(feats, samples, teacher=same)
    for name in terms:
        assert abs(float(losses[name])) < 1e-6, name
    with pytest.raises(ValueError, match='VLRDynamicSoftLabelAssigner'):
        build_head('rtmdet_sepbn', {'loss_vlr_kd': copy.deepcopy(ld.kd_vlr.to_dict())})


@pytest.mark.parametrize('name', ['TOODHead', 'VFNetHead', 'PAAHead', 'DDODHead', 'YOLOXHead'])
def test_unsupported_heads_are_refused_with_the_reason(name, registry_scope):
    from ld_plugin.models.dense_heads import DistillHeadMixin
    from ld_plugin.models.dense_heads.support import UNSUPPORTED_HEADS, unsupported_reason
    base = MODELS.get(name)
    student_cls = type(f'Distill{name}', (DistillHeadMixin, base), {})
    assert unsupported_reason(student_cls.__new__(student_cls)).startswith(name)
    if name == 'YOLOXHead':  # one real build: refused after the base head is built
        with pytest.raises(TypeError, match=r'DistillYOLOXHead cannot be a distillation '
                                            r'student: YOLOXHead: it has no get_targets.*'
                                            r'Student heads: .*DistillRTMDetSepBNHead'):
            student_cls(num_classes=3, in_channels=8, feat_channels=8)
    assert UNSUPPORTED_HEADS[name]


def test_a_plain_unsupported_student_head_names_the_reason(registry_scope):
    from conftest import tiny_distill
    cfg = tiny_distill()
    cfg['bbox_head'] = dict(type='YOLOXHead', num_classes=3, in_channels=16, feat_channels=16)
    with pytest.raises(TypeError, match=r'YOLOXHead takes no teacher outputs; it cannot be a '
                                        r'student: YOLOXHead: .*Student heads: .*DistillGFLHead'):
        MODELS.build(ConfigDict(cfg))


RTMDET_CONFIGS = ['rtmdet/bckd_rtmdet-s-rtmdet-m_300e_coco.py',
                  'rtmdet/crosskd_rtmdet-tiny-rtmdet-s_300e_coco.py',
                  'rtmdet/ld_rtmdet-dist-s-rtmdet-dist-m_300e_coco.py']


def shrink_rtmdet(cfg: dict, channels: int) -> dict:
    """CSPNeXt at 1/8 width and one CSP block, neck and head of ``channels`` channels."""
    cfg['backbone'].update(deepen_factor=0.167, widen_factor=0.125, init_cfg=None)
    cfg['neck'].update(in_channels=[32, 64, 128], out_channels=channels, num_csp_blocks=1)
    cfg['bbox_head'].update(in_channels=channels, feat_channels=channels)
    return cfg


@pytest.mark.parametrize('path', RTMDET_CONFIGS)
def test_rtmdet_config_trains_one_step_at_toy_size(path, registry_scope):
    """The COCO configs' terms, heads, assigner and hooks on a toy CSPNeXt (student 8 channels,
    teacher 16: the CrossKD adapter and the width checks run)."""
    from mmengine.registry import HOOKS

    from ld_plugin.utils.config import resolve_teacher_config

    from test_configs import check_losses, load
    cfg = load(path)
    model_cfg = shrink_rtmdet(cfg.model.to_dict(), 8)
    teacher = resolve_teacher_config(model_cfg['teacher_config']).to_dict()
    model_cfg.update(teacher_config=dict(model=shrink_rtmdet(teacher, 16)), teacher_ckpt=None,
                     allow_random_teacher=True)
    if 'cross_head' in model_cfg['bbox_head']:
        model_cfg['bbox_head']['cross_head']['teacher_channels'] = 16
    model = MODELS.build(model_cfg).train()
    from conftest import demo_batch
    inputs, samples = demo_batch(model, num_classes=80)
    check_losses(model.loss(inputs, samples), cfg)
    assert all(p.grad is None for p in model.teacher.parameters())
    stop = [HOOKS.build(h) for h in cfg.custom_hooks if 'StopDistillHook' in h['type']]
    switch = [h['switch_epoch'] for h in cfg.custom_hooks if h['type'] == 'PipelineSwitchHook']
    assert len(stop) == 1 and stop[0].stop_epoch == 280 == switch[0]


@pytest.mark.parametrize('decay', [0.5, 0.0, 1.0])
def test_distribution_rtmdet_starts_with_small_boxes(decay, registry_scope):
    """After init_weights, a point with a zero regression feature predicts every edge at the
    mean of the bins under softmax(-decay * i) (1.5 strides at 0.5; reg_max / 2 when uniform),
    computed here independently in float64."""
    cfg = Config.fromfile(str(REPO_ROOT / 'configs/mini/rtmdet-dist_r18w16_fpn64_synthetic.py'))
    cfg.model.bbox_head.edge_init_decay = decay
    model = MODELS.build(cfg.model)
    model.init_weights()
    head = model.bbox_head
    feats = tuple(torch.zeros(1, head.in_channels, 4, 4) for _ in head.prior_generator.strides)
    with torch.no_grad():
        _, bbox_preds = head(feats)
    bins = torch.arange(head.reg_max + 1, dtype=torch.float64)
    weights = torch.exp(-decay * bins)
    expected = float((bins * weights).sum() / weights.sum())
    for logits in bbox_preds:  # zero features: towers give a constant, the bias decides
        dist = logits[0, :, 0, 0].double().view(4, head.reg_max + 1).softmax(-1)
        torch.testing.assert_close((dist * bins).sum(-1), torch.full((4, ), expected).double(),
                                   atol=0.05, rtol=0)
    if decay == 0.5:
        assert abs(expected - 1.54) < 0.01
    with pytest.raises(ValueError, match='edge_init_decay=-1'):
        cfg.model.bbox_head.edge_init_decay = -1
        MODELS.build(cfg.model)
