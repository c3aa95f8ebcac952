# BCKD (binary classification KD + IoU-based localization distillation) from the synthetic
# GFL-R34 teacher into the small student.
_base_ = ['./_base_/distill_r34_to_r18w16.py', '../_base_/distill/kd_terms.py']
model = dict(bbox_head=dict(distill_terms={{_base_.bckd}}))
