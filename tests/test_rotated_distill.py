"""Rotated LD / KD / BCKD through the shared distillation mechanism, on a CPU: the region,
the box distillation loss, teacher/student checks and one training step."""
import copy

import pytest
import torch

pytest.importorskip('mmrotate')
from mmdet.structures import DetDataSample  # noqa: E402
from mmdet.structures.bbox import bbox_overlaps  # noqa: E402
from mmengine.registry import DefaultScope  # noqa: E402
from mmengine.structures import InstanceData  # noqa: E402
from mmrotate.registry import MODELS, TASK_UTILS  # noqa: E402
from mmrotate.structures.bbox import RotatedBoxes  # noqa: E402

import ld_plugin.rotated  # noqa: E402,F401
from ld_plugin.models.distill.compatibility import IncompatibleTeacherError  # noqa: E402
from ld_plugin.utils.config import resolve_teacher_config  # noqa: E402

SIZE = 128


@pytest.fixture(autouse=True)
def rotated_scope():
    with DefaultScope.overwrite_default_scope('mmrotate'):  # restored afterwards
        yield


def test_ld_region_is_the_iou_band_of_the_horizontal_proxies():
    torch.manual_seed(0)
    priors = torch.cat([torch.rand(40, 2) * 100, torch.full((40, 2), 24.0),
                        torch.full((40, 1), -1.5708)], 1)
    levels = [25, 15]
    gts = torch.tensor([[40., 40., 30., 12., 0.6], [70., 60., 20., 40., -0.3]])
    assigner = TASK_UTILS.build(dict(type='RotatedLDRegionAssigner', pos_iou_thr=0.5,
                                     neg_iou_thr=0.4, min_pos_iou=0,
                                     iou_calculator=dict(type='RBboxOverlaps2D')))
    result = assigner.assign(InstanceData(priors=RotatedBoxes(priors)),
                             InstanceData(bboxes=RotatedBoxes(gts), labels=torch.tensor([0, 1])),
                             num_level_priors=levels)
    weights = result.get_extra_property('vlr_weights')

    def hbb(b):  # angle dropped
        return torch.stack([b[:, 0] - b[:, 2] / 2, b[:, 1] - b[:, 3] / 2,
                            b[:, 0] + b[:, 2] / 2, b[:, 1] + b[:, 3] / 2], 1)

    iou = bbox_overlaps(hbb(priors), hbb(gts))
    expected = torch.zeros(40)
    for g in range(2):
        top = torch.cat([iou[:25, g].sort(descending=True)[0][:9],
                         iou[25:, g].sort(descending=True)[0][:9]])
        alpha = top.mean() + top.std()
        inside = iou[:, g] >= 0.25 * alpha
        expected = torch.maximum(expected, torch.where(inside, iou[:, g], torch.zeros(40)))
    assert (expected > 0).sum() > 2
    torch.testing.assert_close(weights, expected)
    # no upper bound: every positive is in the region
    assert (weights[result.gt_inds > 0] > 0).all()
    with pytest.raises(ValueError, match='needs the number of priors per FPN level'):
        assigner.assign(InstanceData(priors=RotatedBoxes(priors)),
                        InstanceData(bboxes=RotatedBoxes(gts), labels=torch.tensor([0, 1])))


def test_box_distillation_loss_is_the_box_loss_towards_the_detached_teacher():
    torch.manual_seed(1)
    student = torch.cat([torch.rand(6, 2) * 50, torch.rand(6, 2) * 20 + 5, torch.rand(6, 1)], 1)
    teacher = student + torch.randn(6, 5) * 2
    teacher[:, 2:4] = teacher[:, 2:4].abs() + 1
    student.requires_grad_(True)
    teacher.requires_grad_(True)
    weight = torch.rand(6)
    box_loss = dict(type='GDLoss', loss_type='kld', fun='log1p', tau=1)
    loss = MODELS.build(dict(type='BoxDistillationLoss', box_loss=box_loss, loss_weight=3.0))
    value = loss(student, teacher, weight=weight, avg_factor=2.0)
    reference = MODELS.build(dict(box_loss, loss_weight=1.0))(student, teacher.detach(),
                                                              weight=weight, avg_factor=2.0)
    torch.testing.assert_close(value, 3.0 * reference)
    value.backward()
    assert teacher.grad is None and student.grad.abs().sum() > 0
    with pytest.raises(ValueError, match="box_loss must be a loss config with a 'type'"):
        MODELS.build(dict(type='BoxDistillationLoss', box_loss='kld'))


def tiny_retina(head_type: str, **head) -> dict:
    model = resolve_teacher_config(
        'mmrotate::rotated_retinanet/rotated-retinanet-rbox-oc_r50_fpn_1x_dota.py').to_dict()
    model['backbone'].update(depth=18, base_channels=8, init_cfg=None, frozen_stages=-1,
                             norm_eval=False)
    model['neck'].update(in_channels=[8, 16, 32, 64], out_channels=16)
    model['bbox_head'].update(
        type=head_type, num_classes=5, in_channels=16, feat_channels=16, stacked_convs=1,
        reg_decoded_bbox=True,
        loss_bbox=dict(type='GDLoss', loss_type='kld', fun='log1p', tau=1, loss_weight=1.0),
        **head)
    return model


TERMS = dict(
    loss_ld=dict(pred='bbox_dist', region='vlr', weight='region', avg_factor='level_count',
                 loss=dict(type='LocalizationDistillationLoss', loss_weight=15, T=5)),
    loss_kd=dict(pred='cls', region='vlr', weight='region', avg_factor='level_count',
                 loss=dict(type='ClassificationKDLoss', loss_weight=15, T=5)),
    loss_bckd_cls=dict(pred='cls', region='valid', avg_factor='num_pos',
                       loss=dict(type='BinaryClassificationKDLoss')),
    loss_bckd_box=dict(pred='bbox', region='valid', weight='score_diff', avg_factor='num_pos',
                       loss=dict(type='BoxDistillationLoss',
                                 box_loss=dict(type='GDLoss', loss_type='kld', fun='log1p',
                                               tau=1))))


def student_config(teacher: dict, terms=TERMS) -> dict:
    student = tiny_retina('DistillRotatedRetinaDistributionHead',
                          distill_terms=copy.deepcopy(terms))
    student['train_cfg']['assigner'].update(type='RotatedLDRegionAssigner', topk=9, gamma=0.25)
    return dict(student, type='DistillSingleStageDetector', teacher_config=dict(model=teacher))


def rotated_batch():
    samples = []
    for boxes in ([[40., 50., 40., 16., 0.5], [90., 80., 30., 10., 1.2]],
                  [[64., 60., 50., 20., -0.7]]):
        sample = DetDataSample(metainfo=dict(img_shape=(SIZE, SIZE), pad_shape=(SIZE, SIZE),
                                             batch_input_shape=(SIZE, SIZE),
                                             scale_factor=(1.0, 1.0), ori_shape=(SIZE, SIZE)))
        sample.gt_instances = InstanceData(bboxes=RotatedBoxes(torch.tensor(boxes)),
                                           labels=torch.arange(len(boxes)))
        samples.append(sample)
    torch.manual_seed(3)
    return torch.randn(2, 3, SIZE, SIZE), samples


def test_rotated_ld_kd_bckd_step_runs_on_cpu_and_only_trains_the_student():
    model = MODELS.build(student_config(tiny_retina('RotatedRetinaDistributionHead')))
    model.train()
    inputs, samples = rotated_batch()
    losses = model.loss(inputs, samples)
    for name in TERMS:
        assert torch.isfinite(losses[name]) and losses[name].item() > 0, name
    sum(losses[name] for name in TERMS).backward()
    assert all(p.grad is None for p in model.teacher.parameters())
    assert model.bbox_head.retina_reg.weight.grad.abs().sum() > 0


def test_student_equal_to_teacher_gives_zero_distillation():
    teacher = tiny_retina('RotatedRetinaDistributionHead')
    model = MODELS.build(student_config(teacher))
    model.teacher.load_state_dict(model.state_dict(), strict=False)
    model.eval()  # BN in eval mode in both
    inputs, samples = rotated_batch()
    x = model.extract_feat(inputs)
    outs = model.teacher.bbox_head(model.teacher.extract_feat(inputs))
    from ld_plugin.models.distill import DistillOutputs
    losses = model.bbox_head.loss(x, samples, teacher=DistillOutputs(feats=x, head_outs=outs))
    for name in TERMS:
        assert abs(losses[name].item()) < 1e-5, (name, losses[name].item())


def test_teacher_with_other_supports_or_a_plain_head_is_rejected():
    teacher = tiny_retina('RotatedRetinaDistributionHead', angle_support=(-2.0, 2.0))
    with pytest.raises(IncompatibleTeacherError, match=r'distribution supports .*teacher'):
        MODELS.build(student_config(teacher))
    plain = tiny_retina('RotatedRetinaHead')
    with pytest.raises(IncompatibleTeacherError, match='predicts no edge distribution'):
        MODELS.build(student_config(plain))


def tiny_fcos(head_type: str, **head) -> dict:
    model = resolve_teacher_config(
        'mmrotate::rotated_fcos/rotated-fcos-le90_r50_fpn_kld_1x_dota.py').to_dict()
    model['backbone'].update(depth=18, base_channels=8, init_cfg=None, frozen_stages=-1,
                             norm_eval=False)
    model['neck'].update(in_channels=[8, 16, 32, 64], out_channels=16)
    model['bbox_head'].update(
        type=head_type, num_classes=5, in_channels=16, feat_channels=16, stacked_convs=1,
        norm_cfg=dict(type='GN', num_groups=4, requires_grad=True), reg_max=8,
        angle_support=(-1.5707963, 1.5707963),
        loss_bbox=dict(type='GDLoss', loss_type='kld', fun='log1p', tau=1, loss_weight=1.0),
        **head)
    return model


FCOS_TERMS = dict(
    loss_ld=dict(pred='bbox_dist', region='main', weight='student_score', avg_factor=4.0,
                 loss=dict(type='LocalizationDistillationLoss', loss_weight=0.25, T=10)),
    loss_vlr_ld=dict(pred='bbox_dist', region='vlr', weight='student_score', avg_factor=4.0,
                     loss=dict(type='LocalizationDistillationLoss', loss_weight=0.0625, T=10)),
    loss_kd=dict(pred='cls', region='main', weight='region', avg_factor='level_count',
                 loss=dict(type='ClassificationKDLoss', loss_weight=10, T=2)),
    loss_rm=dict(loss=dict(type='RankMimickingLoss', loss_weight=4.0)),
    loss_bckd_box=TERMS['loss_bckd_box'])


def fcos_student():
    """A rotated FCOS distribution student with every FCOS term, in training mode."""
    teacher = tiny_fcos('RotatedFCOSDistributionHead')
    student = tiny_fcos('DistillRotatedFCOSDistributionHead',
                        distill_terms=copy.deepcopy(FCOS_TERMS))
    model = MODELS.build(dict(student, type='DistillSingleStageDetector',
                              teacher_config=dict(model=teacher)))
    return model.train()


def test_rotated_fcos_student_distills_distances_and_angle_bins():
    model = fcos_student()
    inputs, samples = rotated_batch()
    losses = model.loss(inputs, samples)
    for name in FCOS_TERMS:
        assert torch.isfinite(losses[name]) and losses[name].item() > 0, name
    # the angle bins are distilled too: Main LD alone reaches their logits
    losses['loss_ld'].backward(retain_graph=True)
    grad = model.bbox_head.conv_reg.weight.grad.reshape(5, 9, -1)
    assert grad[4].abs().sum() > 0
    sum(losses[name] for name in FCOS_TERMS).backward()
    assert all(p.grad is None for p in model.teacher.parameters())


def test_rotated_fcos_student_with_square_gts():
    """mmrotate's target computation regularises the GT boxes in place, which turns a square
    (w == h) by 90 degrees at every call; the recorded assignment must still be the head's (a
    positive point regressing 'no GT box of its label' stopped training on such data)."""
    model = fcos_student()
    inputs, samples = rotated_batch()
    squares = [[40., 50., 20., 20., 0.0], [90., 80., 24., 24., 0.3]]
    samples[0].gt_instances.bboxes = RotatedBoxes(torch.tensor(squares))
    losses = model.loss(inputs, samples)
    assert all(torch.isfinite(losses[name]) for name in FCOS_TERMS)
    assert losses['loss_ld'].item() > 0
