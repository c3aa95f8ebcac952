# RTMDet-m with edge-distribution regression (RTMDetSepBNDistributionHead, reg_max 16: the GFL /
# YOLOv8 / PP-YOLOE box representation), everything else mmdet's RTMDet-m (300 epochs, batch
# 256 = 8 GPUs x 32 img): the LD teacher of ld_rtmdet-dist-s-rtmdet-dist-m_300e_coco.py. No
# released weights: train it first (tools/dist_train.sh <this config> 8).
_base_ = 'mmdet::rtmdet/rtmdet_m_8xb32-300e_coco.py'
custom_imports = dict(imports=['ld_plugin'], allow_failed_imports=False)
model = dict(bbox_head=dict(type='ld_plugin.RTMDetSepBNDistributionHead', reg_max=16))
auto_scale_lr = dict(enable=False, base_batch_size=256)
