# CrossKD on RTMDet: RTMDet-s (44.5) -> RTMDet-tiny (40.9); mmyolo's CWD on the neck: 41.8 AP (the
# anchor; CrossKD publishes no RTMDet number). The student's towers after their conv 1 (of 2) go
# through a 1x1 adapter to the teacher's 128 channels, are aligned to the teacher's statistics per
# level (RTMDet's towers share their convs, with one BN per level) and run through the teacher's
# conv 2 and predictors; the plain-head terms (QFL-form KD, GIoU weighted by the teacher score).
_base_ = ['../_base_/distill/rtmdet-s_to_rtmdet-tiny_coco.py', '../_base_/distill/crosskd_terms.py']
model = dict(
    bbox_head=dict(cross_head=dict(reused_conv=1, teacher_channels=128),
                   distill_terms={{_base_.crosskd_plain}}))
