# The small GFL teacher (ResNet-18 at 1/2 width, FPN 128) with augmentation for small real
# datasets: multi-scale training (longest side 0.6-1.0 x the image size; downscaling only, so an
# iteration costs no more than a plain one), flips and photometric distortion. Students keep
# the plain pipeline; compare.py rescales the scale with --img-size.
_base_ = './gfl_r18w32_fpn128_synthetic.py'
train_pipeline = [
    dict(type='LoadImageFromFile', backend_args={{_base_.backend_args}}),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='PhotoMetricDistortion'),
    dict(type='RandomResize', scale={{_base_.img_scale}}, ratio_range=(0.6, 1.0), keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
