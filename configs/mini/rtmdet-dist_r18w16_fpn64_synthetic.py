# The small synthetic RTMDet with edge-distribution regression (reg_max 16): its accuracy alone
# against rtmdet_r18w16_fpn64_synthetic.py tells whether the representation costs anything.
_base_ = './rtmdet_r18w16_fpn64_synthetic.py'
model = dict(bbox_head=dict(type='ld_plugin.RTMDetSepBNDistributionHead', reg_max=16,
                             edge_init_decay=0.5))
