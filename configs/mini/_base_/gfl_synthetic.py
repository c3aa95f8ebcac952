# mmdet's GFL R50 config moved to the synthetic shapes dataset (COCO format, written by
# tools/make_synthetic_dataset.py: 192x192 images, 6 classes) with a CPU-sized schedule.
# data_root is relative to the working directory (the repository root).
_base_ = ['mmdet::gfl/gfl_r50_fpn_1x_coco.py', '../../_base_/cpu_schedule.py']
custom_imports = dict(imports=['ld_plugin'], allow_failed_imports=False)
dataset_type = 'CocoDataset'
data_root = 'data/synthetic/'
metainfo = dict(
    classes=('filled_circle', 'filled_square', 'filled_triangle', 'outlined_circle',
             'outlined_square', 'cross'))
backend_args = None
# Teacher (ResNet-34, FPN 128) and student (ResNet-18 at 1/4 width, FPN 64) of every mini
# family, trained from scratch: configs/mini/*_r34_fpn128_* and *_r18w16_fpn64_* use these.
teacher_backbone = dict(depth=34, frozen_stages=-1, norm_eval=False, init_cfg=None)
teacher_neck = dict(in_channels=[64, 128, 256, 512], out_channels=128)
student_backbone = dict(
    depth=18, base_channels=16, frozen_stages=-1, norm_eval=False, init_cfg=None)
student_neck = dict(in_channels=[16, 32, 64, 128], out_channels=64)
img_scale = (192, 192)

train_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', scale=img_scale, keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='Resize', scale=img_scale, keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='PackDetInputs',
         meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor')),
]
train_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(_delete_=True, type='InfiniteSampler', shuffle=True),
    batch_sampler=dict(type='AspectRatioBatchSampler'),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        metainfo=metainfo,
        ann_file='annotations/instances_train.json',
        data_prefix=dict(img='train/'),
        filter_cfg=dict(filter_empty_gt=True, min_size=4),
        pipeline=train_pipeline,
        backend_args=backend_args))
val_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        metainfo=metainfo,
        ann_file='annotations/instances_val.json',
        data_prefix=dict(img='val/'),
        test_mode=True,
        pipeline=test_pipeline,
        backend_args=backend_args))
test_dataloader = val_dataloader
val_evaluator = dict(
    type='CocoMetric',
    ann_file=data_root + 'annotations/instances_val.json',
    metric='bbox',
    format_only=False,
    backend_args=backend_args)
test_evaluator = val_evaluator

# CPU-sized schedule (configs/_base_/cpu_schedule.py).
train_cfg = {{_base_.cpu_train_cfg}}
val_cfg = {{_base_.cpu_val_cfg}}
test_cfg = {{_base_.cpu_test_cfg}}
optim_wrapper = {{_base_.cpu_optim_wrapper}}
param_scheduler = {{_base_.cpu_param_scheduler}}
default_hooks = {{_base_.cpu_default_hooks}}
log_processor = {{_base_.cpu_log_processor}}
