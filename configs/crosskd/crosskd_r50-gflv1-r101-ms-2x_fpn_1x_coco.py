# CrossKD (Wang et al., CVPR 2024): GFL R-101 ms-2x teacher (44.7 AP in mmdet's metafile) ->
# GFL R-50 1x student (40.2). Published: 43.7 (reference/crosskd_pkd_rtmdet.md 1.7). The
# student's cls and reg tower features after conv 3 (pre-activation), aligned to the teacher's
# per-channel statistics, run through the teacher's 4th conv, predictors and scales; the
# cross-head predictions are distilled towards the teacher's (cls: quality-focal KD, weight 1.0;
# reg: KL of the edge distributions weighted by the teacher score, weight 4.0). Batch 16 =
# 8 GPUs x 2 img, SGD lr 0.01 (mmdet's GFL 1x settings, CrossKD's).
_base_ = [
    '../_base_/distill/gfl-r101-ms-2x_to_gfl-r50_1x_coco.py', '../_base_/distill/crosskd_terms.py'
]
model = dict(
    bbox_head=dict(cross_head=dict(reused_conv=3), distill_terms={{_base_.crosskd_gfl}}))
