# CrossKD on the mini RTMDet: the student's towers after conv 1 (of 2), a 1x1 adapter 64 -> 128,
# aligned per level to the teacher's statistics, through the teacher's conv 2 (its BN of that
# level) and predictors; the plain-head terms (QFL-form KD + GIoU weighted by the teacher score).
_base_ = ['./_base_/distill_rtmdet_r34_to_r18w16.py', '../_base_/distill/crosskd_terms.py']
model = dict(
    bbox_head=dict(cross_head=dict(reused_conv=1, teacher_channels=128),
                   distill_terms={{_base_.crosskd_plain}}))
