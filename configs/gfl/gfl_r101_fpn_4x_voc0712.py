# VOC LD teacher: GFL ResNet-101 FPN, PASCAL VOC 07+12, official teacher recipe (LD repo
# configs/gfl/gfl_r101_fpn_voc.py): 16 epochs x3 repeats, lr step at epoch 12, GIoU box loss,
# batch 6 = 2 GPUs x 3 img, lr 0.00375. No published AP for the teacher itself.
# Train it first: the VOC LD students load work_dirs/gfl_r101_fpn_4x_voc0712/epoch_16.pth.
_base_ = './gfl_r101_fpn_1x_voc0712.py'
model = dict(bbox_head=dict(loss_bbox=dict(type='GIoULoss', loss_weight=2.0)))
max_epochs = 16
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=500),
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True, milestones=[12], gamma=0.1)
]
