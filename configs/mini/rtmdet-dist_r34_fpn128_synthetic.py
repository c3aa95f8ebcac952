# The synthetic RTMDet teacher with edge-distribution regression (RTMDetSepBNDistributionHead,
# reg_max 16), the LD teacher of ld-dense-kd_rtmdet-dist_r34_r18w16_synthetic.py.
_base_ = './rtmdet_r34_fpn128_synthetic.py'
model = dict(bbox_head=dict(type='ld_plugin.RTMDetSepBNDistributionHead', reg_max=16,
                             edge_init_decay=0.5))
