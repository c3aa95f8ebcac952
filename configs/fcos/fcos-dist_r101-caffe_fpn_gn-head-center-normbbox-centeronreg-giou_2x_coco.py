# FCOS R-101 (caffe) 2x with general-distribution regression: the teacher of LD on FCOS
# (official configs/gfl/fcos_gfl_r101_2x_center.py; no public checkpoint, train it first).
# Same caffe normalisation as the R-50 student (detectron2 weights), 24 epochs, steps 16/22.
_base_ = './fcos-dist_r50-caffe_fpn_gn-head-center-normbbox-centeronreg-giou_1x_coco.py'
model = dict(
    backbone=dict(
        depth=101,
        init_cfg=dict(type='Pretrained', checkpoint='open-mmlab://detectron2/resnet101_caffe')))
train_cfg = dict(max_epochs=24)
param_scheduler = [
    dict(type='LinearLR', start_factor=1.0 / 3.0, by_epoch=False, begin=0, end=500),
    dict(type='MultiStepLR', begin=0, end=24, by_epoch=True, milestones=[16, 22], gamma=0.1)
]
