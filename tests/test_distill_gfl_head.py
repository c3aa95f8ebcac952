"""DistillGFLHead against mmdet's own GFLHead / LDHead on identical inputs."""
import copy

import torch
from mmdet.registry import MODELS
from mmdet.testing import demo_mm_inputs
from mmengine.config import ConfigDict

from ld_plugin.models.distill import DistillOutputs

from conftest import LD_TERMS, tiny_gfl

SIZE = 96


def build_head(head_type, **extra):
    cfg = tiny_gfl(num_classes=4, head_type=head_type, reg_max=8)
    head = cfg['bbox_head']
    head.update(extra)
    if head_type == 'DistillGFLHead':
        cfg['train_cfg']['assigner'] = dict(type='VLRATSSAssigner', topk=9)
    head['train_cfg'] = ConfigDict(cfg['train_cfg'])
    head['test_cfg'] = ConfigDict(cfg['test_cfg'])
    return MODELS.build(ConfigDict(head))


def inputs(seed=0, num_boxes=4):
    torch.manual_seed(seed)
    feats = tuple(torch.randn(2, 16, SIZE // s, SIZE // s) for s in (8, 16, 32))
    packed = demo_mm_inputs(batch_size=2, image_shapes=[(3, SIZE, SIZE)] * 2,
                            num_items=[num_boxes, 1], num_classes=4, with_mask=False)
    for sample in packed['data_samples']:
        sample.set_metainfo(dict(pad_shape=(SIZE, SIZE), batch_input_shape=(SIZE, SIZE)))
    return feats, packed['data_samples']


def test_base_losses_equal_gfl_head():
    ours = build_head('DistillGFLHead', distill_terms=copy.deepcopy(LD_TERMS))
    theirs = build_head('GFLHead')
    theirs.load_state_dict(ours.state_dict())
    feats, samples = inputs()
    teacher = DistillOutputs(feats=feats, head_outs=theirs(feats))
    a = ours.loss(feats, samples, teacher=teacher)
    b = theirs.loss(feats, samples)
    for key in ('loss_cls', 'loss_bbox', 'loss_dfl'):
        torch.testing.assert_close(sum(a[key]), sum(b[key]))


def test_main_ld_equals_mmdet_ld_head():
    terms = {'loss_ld': LD_TERMS['loss_ld']}
    ours = build_head('DistillGFLHead', distill_terms=terms)
    theirs = build_head('LDHead', loss_ld=dict(type='KnowledgeDistillationKLDivLoss',
                                               loss_weight=0.25, T=10))
    theirs.load_state_dict(ours.state_dict())
    feats, samples = inputs(seed=1)
    torch.manual_seed(5)
    t_feats = tuple(f + torch.randn_like(f) for f in feats)
    teacher_outs = theirs(t_feats)
    a = ours.loss(feats, samples, teacher=DistillOutputs(feats=t_feats, head_outs=teacher_outs))
    b = theirs.loss(feats, teacher_outs, samples)
    assert sum(b['loss_ld']).item() > 0
    torch.testing.assert_close(a['loss_ld'], sum(b['loss_ld']))


def test_zero_distillation_when_student_is_teacher():
    head = build_head('DistillGFLHead', distill_terms=copy.deepcopy(LD_TERMS))
    feats, samples = inputs(seed=2)
    teacher = DistillOutputs(
        feats=feats, head_outs=tuple([o.detach() for o in out] for out in head(feats)))
    losses = head.loss(feats, samples, teacher=teacher)
    for key in ('loss_ld', 'loss_vlr_ld', 'loss_kd'):
        assert abs(losses[key].item()) < 1e-6, key
    grads = torch.autograd.grad(losses['loss_ld'] + losses['loss_vlr_ld'] + losses['loss_kd'],
                                list(head.parameters()), allow_unused=True)
    assert all(g is None or g.abs().max() < 1e-6 for g in grads)


def test_recorded_targets_match_gfl_targets():
    head = build_head('DistillGFLHead', distill_terms=copy.deepcopy(LD_TERMS))
    feats, samples = inputs(seed=3)
    records = {}
    original = head.loss_distill

    def spy(student, teacher, recs, gts):
        records['images'] = recs
        return original(student, teacher, recs, gts)

    head.loss_distill = spy
    head.loss(feats, samples, teacher=DistillOutputs(feats=feats, head_outs=head(feats)))
    cls_scores, _ = head(feats)
    sizes = [c.shape[-2:] for c in cls_scores]
    anchors, valid = head.get_anchors(sizes, [s.metainfo for s in samples], device='cpu')
    (_, labels, label_weights, *_rest) = head.get_targets(
        anchors, valid, [s.gt_instances for s in samples], [s.metainfo for s in samples])
    counts = [int(h) * int(w) * head.num_base_priors for h, w in sizes]
    for i, rec in enumerate(records['images']):
        torch.testing.assert_close(rec.labels, torch.cat([lvl[i] for lvl in labels]))
        torch.testing.assert_close(rec.label_weights, torch.cat([lvl[i] for lvl in label_weights]))
        assert rec.labels.numel() == sum(counts)
        assert (rec.vlr_weights > 0).any()


def test_image_without_gt():
    head = build_head('DistillGFLHead', distill_terms=copy.deepcopy(LD_TERMS))
    feats, samples = inputs(seed=4, num_boxes=0)
    for s in samples:
        s.gt_instances = s.gt_instances[:0]
    torch.manual_seed(0)
    t_outs = tuple([o.detach() + torch.randn_like(o) for o in out] for out in head(feats))
    losses = head.loss(feats, samples, teacher=DistillOutputs(feats=feats, head_outs=t_outs))
    assert losses['loss_ld'].item() == 0 and losses['loss_vlr_ld'].item() == 0
    assert all(torch.isfinite(v if isinstance(v, torch.Tensor) else sum(v))
               for v in losses.values())


def test_without_teacher_behaves_like_gfl():
    head = build_head('DistillGFLHead', distill_terms=copy.deepcopy(LD_TERMS))
    feats, samples = inputs(seed=6)
    losses = head.loss(feats, samples)
    assert set(losses) == {'loss_cls', 'loss_bbox', 'loss_dfl'}
