# CrossKD + PKD on the FPN (weight 1): ATSS R-101 1x -> R-50 1x. Published: 41.8
# (reference/crosskd_pkd_rtmdet.md 1.7); CrossKD alone 41.8, baseline 39.4.
_base_ = './crosskd_r50-atss-r101_fpn_1x_coco.py'
model = dict(bbox_head=dict(distill_terms=dict(loss_pkd={{_base_.pkd_atss}})))
