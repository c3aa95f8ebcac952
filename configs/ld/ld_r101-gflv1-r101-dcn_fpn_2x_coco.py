# LD, full recipe (Main KD + Main LD + VLR LD): GFL R-101-DCN ms-2x teacher -> GFL R-101
# student, COCO 2x multi-scale (24 epochs, steps 16/22, 1333x[480, 800]; reference/ld.md 5.2,
# 5.3). No GFL v1 number is published for this recipe; with Main LD only the row is 45.4 AP
# (ld-main_r101-gflv1-r101-dcn_fpn_2x_coco.py; baseline R-101 2x 44.6).
# Batch 16 = 8 GPUs x 2 img, SGD lr 0.01.
_base_ = './ld_r50-gflv1-r101_fpn_1x_coco.py'
model = dict(
    backbone={{_base_.r101_fpn.backbone}},
    neck={{_base_.r101_fpn.neck}},
    teacher_config='mmdet::gfl/gfl_r101-dconv-c3-c5_fpn_ms-2x_coco.py',
    teacher_ckpt='https://download.openmmlab.com/mmdetection/v2.0/gfl/gfl_r101_fpn_dconv_c3-c5_mstrain_2x_coco/gfl_r101_fpn_dconv_c3-c5_mstrain_2x_coco_20200630_102002-134b07df.pth')  # noqa: E501

# 2x multi-scale schedule of mmdet::gfl/gfl_r50_fpn_ms-2x_coco.py.
max_epochs = 24
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=500),
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True, milestones=[16, 22],
         gamma=0.1)
]
train_pipeline = [
    dict(type='LoadImageFromFile', backend_args={{_base_.backend_args}}),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='RandomResize', scale=[(1333, 480), (1333, 800)], keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs')
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
