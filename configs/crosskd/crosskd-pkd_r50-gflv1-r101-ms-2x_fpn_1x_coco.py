# CrossKD + PKD on the FPN (weight 6): GFL R-101 ms-2x -> GFL R-50 1x. Published: 43.9
# (reference/crosskd_pkd_rtmdet.md 1.7); CrossKD alone 43.7, baseline 40.2.
_base_ = './crosskd_r50-gflv1-r101-ms-2x_fpn_1x_coco.py'
model = dict(bbox_head=dict(distill_terms=dict(loss_pkd={{_base_.pkd_gfl}})))
