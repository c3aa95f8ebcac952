"""CrossKD (cross head + its terms) and PKD, against hand computations and independent formulas."""
import copy

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmdet.registry import MODELS
from mmengine.config import Config

from ld_plugin.models.distill import DistillOutputs
from ld_plugin.models.distill.compatibility import IncompatibleTeacherError
from ld_plugin.models.distill.cross_head import align_statistics
from ld_plugin.models.losses import PKDLoss

from conftest import REPO_ROOT, demo_batch

CROSSKD = Config.fromfile(str(REPO_ROOT / 'configs/_base_/distill/crosskd_terms.py'))
SIZES = [(16, 16), (8, 8), (4, 4), (2, 2), (1, 1)]


def gfl_head(convs: int, width: int, in_channels: int = 8, **kwargs):
    cfg = dict(type='GFLHead', num_classes=3, in_channels=in_channels, feat_channels=width,
               stacked_convs=convs, norm_cfg=dict(type='GN', num_groups=4, requires_grad=True),
               anchor_generator=dict(type='AnchorGenerator', ratios=[1.0], octave_base_scale=8,
                                     scales_per_octave=1, strides=[8, 16, 32, 64, 128]),
               train_cfg=dict(assigner=dict(type='ATSSAssigner', topk=9), allowed_border=-1,
                              pos_weight=-1, debug=False))
    cfg.update(kwargs)
    return MODELS.build(cfg)


def feats(seed: int, channels: int = 8):
    torch.manual_seed(seed)
    return [torch.randn(2, channels, h, w) for h, w in SIZES]


def outputs(student_head, head, x):
    """``head``'s outputs with the tower features ``student_head``'s cross head records."""
    with student_head.recording_towers(head) as towers:
        outs = head(x)
    return DistillOutputs(feats=x, head_outs=outs, tower_feats=towers, head=head)


def hand_cross_head(student, teacher, xs, xt, k, adapters=None):
    """Student convs 1..k (conv k without activation) -> alignment -> ReLU -> teacher convs
    k+1.. -> teacher predictors and scales, written out level by level."""
    cls_out, reg_out = [], []
    for level, (s, t) in enumerate(zip(xs, xt)):
        branch = {}
        for tower in ('cls', 'reg'):
            s_feat, t_feat = s, t
            s_convs = getattr(student, f'{tower}_convs')
            t_convs = getattr(teacher, f'{tower}_convs')
            for i in range(k - 1):
                s_feat, t_feat = s_convs[i](s_feat), t_convs[i](t_feat)
            s_pre = s_convs[k - 1].gn(s_convs[k - 1].conv(s_feat))
            t_pre = t_convs[k - 1].gn(t_convs[k - 1].conv(t_feat))
            if adapters is not None:
                s_pre = adapters[tower](s_pre)
            mean_s, std_s = s_pre.mean((0, 2, 3), keepdim=True), s_pre.std((0, 2, 3), keepdim=True)
            mean_t, std_t = t_pre.mean((0, 2, 3), keepdim=True), t_pre.std((0, 2, 3), keepdim=True)
            feat = F.relu((s_pre - mean_s) / (std_s + 1e-6) * std_t + mean_t)
            for conv in t_convs[k:]:
                feat = conv(feat)
            branch[tower] = feat
        cls_out.append(teacher.gfl_cls(branch['cls']))
        reg_out.append(teacher.scales[level](teacher.gfl_reg(branch['reg'])).float())
    return cls_out, reg_out


@pytest.mark.parametrize('s_width, t_width', [(8, 8), (4, 8)])
def test_cross_head_equals_the_hand_computation(s_width, t_width, registry_scope):
    teacher = gfl_head(convs=3, width=t_width).eval()
    cross_head = dict(reused_conv=2, teacher_channels=None if s_width == t_width else t_width)
    student = gfl_head(convs=2, width=s_width, type='ld_plugin.DistillGFLHead',
                       cross_head=cross_head,
                       distill_terms=copy.deepcopy(CROSSKD.crosskd_gfl.to_dict()))
    teacher.requires_grad_(False)
    xs, xt = feats(0), feats(1)
    s_out, t_out = outputs(student, student, xs), outputs(student, teacher, xt)
    cross = student.cross_head(s_out, t_out)
    adapters = student.cross_head.adapters if s_width != t_width else None
    expected = hand_cross_head(student, teacher, xs, xt, k=2, adapters=adapters)
    for got, want in zip(cross.head_outs, expected):
        for g, w in zip(got, want):
            assert g.shape == w.shape
            torch.testing.assert_close(g, w, rtol=1e-4, atol=1e-5)
    # nothing is left behind: no hook on either head, no wrapper on the student
    for module in list(teacher.modules()) + list(student.modules()):
        assert not module._forward_hooks and not module._forward_pre_hooks
    # gradients reach the student's tower (and adapter), never the teacher
    sum(o.sum() for outs in cross.head_outs for o in outs).backward()
    assert student.cls_convs[1].conv.weight.grad.abs().sum() > 0
    assert student.reg_convs[0].conv.weight.grad.abs().sum() > 0
    assert student.gfl_cls.weight.grad is None  # the student's own predictor: GT losses only
    assert all(p.grad is None for p in teacher.parameters())
    if adapters is not None:
        assert adapters['cls'].weight.grad.abs().sum() > 0


def test_alignment_matches_the_teacher_statistics():
    torch.manual_seed(0)
    s, t = torch.randn(4, 3, 5, 5) * 3 + 2, torch.randn(4, 3, 5, 5) * 0.5 - 1
    aligned = align_statistics(s, t)
    torch.testing.assert_close(aligned.mean((0, 2, 3)), t.mean((0, 2, 3)), atol=1e-5, rtol=0)
    torch.testing.assert_close(aligned.std((0, 2, 3)), t.std((0, 2, 3)), atol=1e-4, rtol=1e-4)


# ------------------------------------------------------------------------- build-time errors
def test_width_mismatch_without_adapter_names_both_widths_and_the_option(registry_scope):
    student = gfl_head(convs=2, width=4, type='ld_plugin.DistillGFLHead',
                       cross_head=dict(reused_conv=2),
                       distill_terms=copy.deepcopy(CROSSKD.crosskd_gfl.to_dict()))
    with pytest.raises(IncompatibleTeacherError,
                       match=r'teacher tower has 8 channels, the student tower 4.*'
                             r'cross_head.teacher_channels=8'):
        student.cross_head.check_teacher(gfl_head(convs=3, width=8), student)


def test_reused_conv_beyond_the_towers_is_refused(registry_scope):
    terms = copy.deepcopy(CROSSKD.crosskd_gfl.to_dict())
    with pytest.raises(ValueError, match='reused_conv=3 but the student head'):
        gfl_head(convs=2, width=8, type='ld_plugin.DistillGFLHead',
                 cross_head=dict(reused_conv=3), distill_terms=terms)
    student = gfl_head(convs=2, width=8, type='ld_plugin.DistillGFLHead',
                       cross_head=dict(reused_conv=2), distill_terms=terms)
    with pytest.raises(IncompatibleTeacherError, match='at least one teacher conv must follow'):
        student.cross_head.check_teacher(gfl_head(convs=2, width=8), student)


def test_cross_head_terms_need_a_cross_head(registry_scope):
    with pytest.raises(ValueError, match="source='cross_head' but the head has no cross head"):
        gfl_head(convs=2, width=8, type='ld_plugin.DistillGFLHead',
                 distill_terms=copy.deepcopy(CROSSKD.crosskd_gfl.to_dict()))


# ---------------------------------------------------------------- the terms on a real detector
def mini_crosskd(config='configs/mini/crosskd_gfl_r34_r18w16_synthetic.py'):
    cfg = Config.fromfile(str(REPO_ROOT / config))
    cfg.model.teacher_ckpt = None
    cfg.model.allow_random_teacher = True
    return MODELS.build(cfg.model)


def capture_step(model, inputs, samples):
    """Losses of one step plus what the head distilled (records, cross and teacher outputs)."""
    head, seen = model.bbox_head, {}
    original_forward, original_distill = head.cross_head.forward, head.loss_distill

    def cross(student, teacher):
        seen['cross'], seen['teacher'] = original_forward(student, teacher), teacher
        return seen['cross']

    def distill(student, teacher, records, gts):
        seen['records'] = records
        return original_distill(student, teacher, records, gts)

    head.cross_head.forward, head.loss_distill = cross, distill
    try:
        losses = model.loss(inputs, samples)
    finally:
        del head.cross_head.forward, head.loss_distill
    return losses, seen


def flat(maps, k):
    return torch.cat([m.permute(0, 2, 3, 1).reshape(m.shape[0], -1, k) for m in maps], 1)


def test_crosskd_terms_equal_the_formulas(registry_scope):
    model = mini_crosskd().train()
    inputs, samples = demo_batch(model, num_classes=6, size=96, num_boxes=4)
    losses, seen = capture_step(model, inputs, samples)
    records = seen['records']
    weights = torch.stack([r.label_weights for r in records])             # (N, P)
    labels = torch.stack([r.labels for r in records])
    num_pos = max(float(((labels >= 0) & (labels < 6)).sum()), 1.0)
    x = flat(seen['cross'].head_outs[0], 6).double()                      # cross-head logits
    z = flat(seen['teacher'].head_outs[0], 6).double()
    t = z.sigmoid()
    bce = -(t * F.logsigmoid(x) + (1 - t) * F.logsigmoid(-x))
    cls = (weights[..., None] * bce * (x.sigmoid() - t).abs()).sum() / num_pos
    torch.testing.assert_close(losses['loss_crosskd_cls'].double(), cls, rtol=1e-4, atol=1e-6)
    # reg: 4 * sum_i q_i * mean_e KL_e / sum_i q_i, KL summed over the 9 bins, T = 1
    bins = model.bbox_head.reg_max + 1
    xd = flat(seen['cross'].head_outs[1], 4 * bins).double().reshape(2, -1, 4, bins)
    zd = flat(seen['teacher'].head_outs[1], 4 * bins).double().reshape(2, -1, 4, bins)
    kl = (zd.softmax(-1) * (zd.log_softmax(-1) - xd.log_softmax(-1))).sum(-1).mean(-1)
    q = weights * t.max(-1)[0]
    reg = 4.0 * (q * kl).sum() / q.sum()
    torch.testing.assert_close(losses['loss_crosskd_reg'].double(), reg, rtol=1e-4, atol=1e-6)


def test_the_teacher_never_changes_while_the_student_tower_learns(registry_scope):
    model = mini_crosskd().train()
    teacher_before = copy.deepcopy(model.teacher.state_dict())
    head = model.bbox_head
    tower_before = head.cls_convs[0].conv.weight.detach().clone()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    assert not any(p is q for p in model.parameters() for q in model.teacher.parameters())
    inputs, samples = demo_batch(model, num_classes=6, size=96, num_boxes=4)
    for _ in range(2):
        optimizer.zero_grad()
        losses = model.loss(inputs, samples)
        (losses['loss_crosskd_cls'] + losses['loss_crosskd_reg']).backward()
        assert head.gfl_cls.weight.grad is None or not head.gfl_cls.weight.grad.any()
        assert head.cross_head.adapters['cls'].weight.grad.abs().sum() > 0
        assert all(p.grad is None for p in model.teacher.parameters())
        optimizer.step()
    assert not torch.equal(head.cls_convs[0].conv.weight, tower_before)
    for key, value in model.teacher.state_dict().items():
        assert torch.equal(value, teacher_before[key]), key
    assert not any(k.startswith('teacher') for k in model.state_dict())


def test_rotated_crosskd_trains_two_iterations(registry_scope):
    pytest.importorskip('mmrotate')
    from mmengine.registry import DefaultScope
    from test_rotated_distill import rotated_batch

    import ld_plugin.rotated  # noqa: F401
    with DefaultScope.overwrite_default_scope('mmrotate'):
        model = mini_crosskd(
            'configs/rotated/mini/crosskd_rotated-fcos-dist_r34_r18w16_synthetic-dota.py').train()
        assert model.bbox_head.distributions_per_prior == 5  # the angle is distilled too
        optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
        inputs, samples = rotated_batch()
        for _ in range(2):
            optimizer.zero_grad()
            losses = model.loss(inputs, samples)
            total = sum(v.sum() if not isinstance(v, list) else sum(v) for v in losses.values())
            for name in ('loss_crosskd_cls', 'loss_crosskd_reg'):
                assert torch.isfinite(losses[name]) and losses[name] > 0, name
            total.backward()
            optimizer.step()


# ------------------------------------------------------------------------------------- PKD
def test_pkd_equals_the_pearson_formula():
    rng = np.random.default_rng(0)
    s = rng.normal(size=(2, 3, 4, 5)) * 2 + 1
    t = 0.5 * s + rng.normal(size=s.shape)
    loss = PKDLoss(loss_weight=2.0)(torch.tensor(s, dtype=torch.float32),
                                    torch.tensor(t, dtype=torch.float32))

    def standardise(a):
        m = a.transpose(1, 0, 2, 3).reshape(3, -1)
        return (m - m.mean(1, keepdims=True)) / (m.std(1, ddof=1, keepdims=True) + 1e-6)

    expected = 2.0 * ((standardise(s) - standardise(t)) ** 2).mean() / 2
    assert loss.item() == pytest.approx(expected, rel=1e-5)
    # = λ (M - 1) / M · mean_c (1 - r_c), r_c the Pearson correlation of channel c
    flat_s, flat_t = (a.transpose(1, 0, 2, 3).reshape(3, -1) for a in (s, t))
    r = np.array([np.corrcoef(a, b)[0, 1] for a, b in zip(flat_s, flat_t)])
    m = flat_s.shape[1]
    assert loss.item() == pytest.approx(2.0 * (m - 1) / m * (1 - r).mean(), rel=1e-4)
    # scale-free: rescaling either feature per channel changes nothing
    scaled = PKDLoss(loss_weight=2.0)(torch.tensor(s * 100, dtype=torch.float32),
                                      torch.tensor(t * 0.01, dtype=torch.float32))
    assert scaled.item() == pytest.approx(loss.item(), rel=1e-4)


def test_pkd_refuses_other_widths_without_an_adapter():
    with pytest.raises(ValueError, match='student_channels and teacher_channels'):
        PKDLoss()(torch.zeros(1, 4, 2, 2), torch.zeros(1, 8, 2, 2))
    adapted = PKDLoss(student_channels=4, teacher_channels=8)
    assert adapted(torch.randn(2, 4, 3, 3), torch.randn(2, 8, 3, 3)).item() > 0


def test_plain_fcos_box_terms_refuse_norm_on_bbox(registry_scope):
    """FCOS with norm_on_bbox predicts strides while training, pixels in eval mode (the
    teacher's): box terms would compare the two."""
    head = dict(type='ld_plugin.DistillFCOSHead', num_classes=3, in_channels=8, feat_channels=8,
                stacked_convs=2, norm_on_bbox=True, cross_head=dict(reused_conv=1),
                norm_cfg=dict(type='GN', num_groups=4, requires_grad=True),
                distill_terms=copy.deepcopy(CROSSKD.crosskd_fcos.to_dict()))
    with pytest.raises(ValueError, match='norm_on_bbox=True makes FCOS predict strides'):
        MODELS.build(head)
    head['norm_on_bbox'] = False
    assert MODELS.build(head).cross_head.reused_conv == 1


def test_rotated_box_terms_need_the_angle_in_the_distributions(registry_scope):
    """Box terms are refused where the head cannot decode comparable boxes; the reason comes
    from the head (``box_distill_problem``), the refusal from the term."""
    pytest.importorskip('mmrotate')
    from mmengine.registry import DefaultScope

    import ld_plugin.rotated  # noqa: F401
    cfg = Config.fromfile(str(
        REPO_ROOT / 'configs/rotated/mini/bckd_rotated-fcos-dist_r34_r18w16_synthetic-dota.py'))
    cfg.model.teacher_ckpt, cfg.model.allow_random_teacher = None, True
    cfg.model.bbox_head.angle_support = None
    with DefaultScope.overwrite_default_scope('mmrotate'):
        with pytest.raises(ValueError, match="'loss_bckd_box' compares decoded boxes, but the "
                                             'angle is regressed outside the distributions'):
            MODELS.build(cfg.model)


def test_heterogeneous_swin_teacher_distills_into_a_resnet_student(registry_scope):
    """CrossKD's heterogeneous row at full size: Swin-T RetinaNet teacher, R-50 student (no
    adapter: both heads 256 wide over P3-P7); one step on two 64-px images."""
    cfg = Config.fromfile(
        str(REPO_ROOT / 'configs/crosskd/crosskd_r50-retinanet-swin-t_fpn_1x_coco.py'))
    cfg.model.update(teacher_ckpt=None, allow_random_teacher=True)
    cfg.model.backbone.init_cfg = None
    model = MODELS.build(cfg.model).train()
    assert type(model.teacher.backbone).__name__ == 'SwinTransformer'
    assert type(model.backbone).__name__ == 'ResNet'
    inputs, samples = demo_batch(model, num_classes=80)
    losses = model.loss(inputs, samples)
    assert losses['loss_crosskd_cls'] > 0 and losses['loss_crosskd_reg'] > 0
    sum(v if torch.is_tensor(v) else sum(v) for v in losses.values()).backward()
    assert all(p.grad is None for p in model.teacher.parameters())
    assert model.backbone.layer4[0].conv1.weight.grad.abs().sum() > 0
