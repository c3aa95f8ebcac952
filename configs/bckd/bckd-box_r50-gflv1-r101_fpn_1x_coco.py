# BCKD ablation, localization term only: bckd_rm.md A8.2 "loc-only (IoU-LD)": 42.3 AP
# (paper, secondary source).
_base_ = './bckd_r50-gflv1-r101_fpn_1x_coco.py'
model = dict(bbox_head=dict(distill_terms=dict(loss_bckd_cls=None)))
