# Backbone + FPN input channels of the GFL students and teachers, as a change to the model of
# mmdet::gfl/gfl_r50_fpn_1x_coco.py (ResNet-50, FPN 256, 5 levels). One definition shared by
# the baseline, LD, self-LD and VOC chains. Use as `model = {{_base_.r18_fpn}}` (merged into
# the inherited model) or `backbone={{_base_.r18_fpn.backbone}}`. ImageNet weights from
# torchvision, loaded by init_weights() at the start of training.
r18_fpn = dict(
    backbone=dict(depth=18,
                  init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet18')),
    neck=dict(in_channels=[64, 128, 256, 512]))
r34_fpn = dict(
    backbone=dict(depth=34,
                  init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet34')),
    neck=dict(in_channels=[64, 128, 256, 512]))
r101_fpn = dict(
    backbone=dict(depth=101,
                  init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet101')),
    neck=dict(in_channels=[256, 512, 1024, 2048]))
# DCN in stages c3-c5, as mmdet::gfl/gfl_r101-dconv-c3-c5_fpn_ms-2x_coco.py.
r101_dcn_fpn = dict(
    backbone=dict(depth=101,
                  dcn=dict(type='DCN', deform_groups=1, fallback_on_stride=False),
                  stage_with_dcn=(False, True, True, True),
                  init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet101')),
    neck=dict(in_channels=[256, 512, 1024, 2048]))
