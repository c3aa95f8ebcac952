# DOTA-v1.0 as the Rotated-LD paper uses it (reference/ld.md 6.6), as variables for the
# rotated configs: images split 1024/200 with mmrotate's tools/data/dota/split (data_root
# 'data/split_ss_dota/'), train on train, evaluate on val with the DOTA mAP (AP50, 11 points)
# and the COCO-style mean over IoU 0.50:0.95 (dota_coco/mAP); and the 2x schedule of the
# R-34 teachers.
dota_train_split = dict(ann_file='train/annfiles/', data_prefix=dict(img_path='train/images/'))
dota_val_split = dict(ann_file='val/annfiles/', data_prefix=dict(img_path='val/images/'))
dota_evaluators = [
    dict(type='DOTAMetric', metric='mAP'),
    dict(type='DOTAMetric', metric='mAP', prefix='dota_coco',
         iou_thrs=[0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95]),
]
dota_2x_train_cfg = dict(max_epochs=24)
dota_2x_param_scheduler = [
    dict(type='LinearLR', start_factor=1.0 / 3, by_epoch=False, begin=0, end=500),
    dict(type='MultiStepLR', begin=0, end=24, by_epoch=True, milestones=[16, 22], gamma=0.1)
]
