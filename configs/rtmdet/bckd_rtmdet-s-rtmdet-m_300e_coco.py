# BCKD on RTMDet: RTMDet-m (49.1) -> RTMDet-s (44.5); mmyolo's CWD on the neck: 45.7 AP (the anchor;
# no BCKD number is published for RTMDet). Binary class KD at every valid point and 1 - GIoU between
# the decoded boxes weighted by the score difference (kd_terms.py: bckd, the GFL weights 1 / 4).
_base_ = ['../_base_/distill/rtmdet-m_to_rtmdet-s_coco.py', '../_base_/distill/kd_terms.py']
model = dict(bbox_head=dict(distill_terms={{_base_.bckd}}))
