# BCKD on the mini RTMDet (binary class KD at every point + GIoU weighted by the score
# difference; weights 1 / 4 as on GFL).
_base_ = ['./_base_/distill_rtmdet_r34_to_r18w16.py', '../_base_/distill/kd_terms.py']
model = dict(bbox_head=dict(distill_terms={{_base_.bckd}}))
