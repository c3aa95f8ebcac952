# CrossKD from the synthetic GFL-R34 teacher (4 convs of 128 channels per tower) into the small
# student (2 convs of 64): the student's tower output after its 2nd conv goes through a 1x1
# adapter 64 -> 128 (trained with the student, unused at inference), is aligned to the teacher's
# statistics after the teacher's 2nd conv and runs through the teacher's convs 3-4 and
# predictors. Terms and weights: CrossKD's GFL settings (configs/_base_/distill/crosskd_terms.py).
_base_ = ['./_base_/distill_r34_to_r18w16.py', '../_base_/distill/crosskd_terms.py']
model = dict(
    bbox_head=dict(cross_head=dict(reused_conv=2, teacher_channels=128),
                   distill_terms={{_base_.crosskd_gfl}}))
