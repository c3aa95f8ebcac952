# GFL ResNet-50 FPN on PASCAL VOC 07+12 trainval -> VOC2007 test; the VOC data settings and
# schedule of the LD paper (official LD configs/gfl/gfl_r18_fpn1x_voc.py, reference/ld.md 5.3):
# RepeatDataset x3, 4 epochs, lr step at epoch 3, 1333x800, CIoU box loss, 20 classes.
# Batch 6 = 2 GPUs x 3 img, SGD lr 0.00375 (lr = batch / 16 * 0.01).
# Published (ld.md 6.4 row "- / R-50"): 55.8 AP, AP50 79.0, AP75 60.7.
# Metric: VOCMetric, mAP at IoU 0.5 (11-point, as VOC2007 and the official mmdet 2.x eval):
# the paper's AP50 column.
# The paper's "AP" is COCO-style (0.5:0.95): convert the test split once with
#   python .venv/lib/python3.11/site-packages/mmdet/.mim/tools/dataset_converters/pascal_voc.py \
#     data/VOCdevkit -o data/VOCdevkit/annotations --out-format coco
# and test with the val/test settings of mmdet::pascal_voc/faster-rcnn_r50_fpn_1x_voc0712-cocofmt.py
# (CocoDataset on annotations/voc07_test.json + CocoMetric). CocoMetric cannot simply be added
# to the VOCDataset loader: VOCDataset image ids ('000001') are not the json's integer ids.
_base_ = ['mmdet::gfl/gfl_r50_fpn_1x_coco.py', './_base_/resnet_fpn.py']
custom_imports = dict(imports=['ld_plugin'], allow_failed_imports=False)
model = dict(bbox_head=dict(num_classes=20, loss_bbox=dict(type='CIoULoss', loss_weight=2.0)))

# Data: as mmdet::_base_/datasets/voc0712.py with the COCO GFL pipelines (1333x800, flip 0.5)
# and, like mmdet 2.x (the official code), no bbox_min_size: small boxes stay positives.
dataset_type = 'VOCDataset'
data_root = 'data/VOCdevkit/'
train_dataloader = dict(
    batch_size=3,
    dataset=dict(
        _delete_=True,
        type='RepeatDataset',
        times=3,
        dataset=dict(
            type='ConcatDataset',
            # VOCDataset adds a per-year 'dataset_type' to its metainfo; ConcatDataset must
            # ignore it.
            ignore_keys=['dataset_type'],
            datasets=[
                dict(type=dataset_type, data_root=data_root,
                     ann_file=f'VOC{year}/ImageSets/Main/trainval.txt',
                     data_prefix=dict(sub_data_root=f'VOC{year}/'),
                     filter_cfg=dict(filter_empty_gt=True, min_size=32),
                     pipeline={{_base_.train_pipeline}}, backend_args={{_base_.backend_args}})
                for year in ('2007', '2012')
            ])))
val_dataloader = dict(
    batch_size=1,
    dataset=dict(
        _delete_=True,
        type=dataset_type,
        data_root=data_root,
        ann_file='VOC2007/ImageSets/Main/test.txt',
        data_prefix=dict(sub_data_root='VOC2007/'),
        test_mode=True,
        pipeline={{_base_.test_pipeline}},
        backend_args={{_base_.backend_args}}))
test_dataloader = val_dataloader
val_evaluator = dict(_delete_=True, type='VOCMetric', metric='mAP', eval_mode='11points')
test_evaluator = val_evaluator

# Schedule: 4 epochs of the 3x repeated set (12 passes), warm-up 500 iters, x0.1 at epoch 3.
max_epochs = 4
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=500),
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True, milestones=[3], gamma=0.1)
]
optim_wrapper = dict(optimizer=dict(lr=0.00375))
auto_scale_lr = dict(enable=False, base_batch_size=6)
