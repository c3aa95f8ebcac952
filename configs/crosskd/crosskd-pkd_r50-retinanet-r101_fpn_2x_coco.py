# CrossKD + PKD on the FPN (weight 2): RetinaNet R-101 2x -> R-50 2x. Published: 39.8
# (reference/crosskd_pkd_rtmdet.md 1.7); CrossKD alone 39.7, baseline 37.4.
_base_ = './crosskd_r50-retinanet-r101_fpn_2x_coco.py'
model = dict(bbox_head=dict(distill_terms=dict(loss_pkd={{_base_.pkd_retinanet}})))
