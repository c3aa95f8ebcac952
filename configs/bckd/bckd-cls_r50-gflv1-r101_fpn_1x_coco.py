# BCKD ablation, classification term only: bckd_rm.md A8.2 "cls-only (BCD)": 42.0 AP
# (paper, secondary source).
_base_ = './bckd_r50-gflv1-r101_fpn_1x_coco.py'
model = dict(bbox_head=dict(distill_terms=dict(loss_bckd_box=None)))
