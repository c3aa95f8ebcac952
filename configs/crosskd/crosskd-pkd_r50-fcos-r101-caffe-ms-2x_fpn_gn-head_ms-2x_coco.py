# CrossKD + PKD on the FPN (weight 2): FCOS R-101 caffe ms-2x -> R-50 caffe ms-2x. Published:
# 41.3 (reference/crosskd_pkd_rtmdet.md 1.7); CrossKD alone 41.1, baseline 38.5.
_base_ = './crosskd_r50-fcos-r101-caffe-ms-2x_fpn_gn-head_ms-2x_coco.py'
model = dict(bbox_head=dict(distill_terms=dict(loss_pkd={{_base_.pkd_fcos}})))
