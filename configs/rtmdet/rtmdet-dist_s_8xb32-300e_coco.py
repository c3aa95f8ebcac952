# RTMDet-s with edge-distribution regression (reg_max 16), otherwise mmdet's RTMDet-s: the
# plain baseline of the LD student (ld_rtmdet-dist-s-rtmdet-dist-m_300e_coco.py).
_base_ = 'mmdet::rtmdet/rtmdet_s_8xb32-300e_coco.py'
custom_imports = dict(imports=['ld_plugin'], allow_failed_imports=False)
model = dict(bbox_head=dict(type='ld_plugin.RTMDetSepBNDistributionHead', reg_max=16))
auto_scale_lr = dict(enable=False, base_batch_size=256)
