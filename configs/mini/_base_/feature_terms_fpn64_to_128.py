# The feature terms of ../../_base_/distill/kd_terms.py between the mini configs' FPNs: student
# 64 channels, teacher 128 (each term learns a 1x1 adaptation 64 -> 128); weights unchanged.
_base_ = '../../_base_/distill/kd_terms.py'
pfi = dict(loss=dict(student_channels=64, teacher_channels=128))
imitation_gibox = dict(loss=dict(student_channels=64, teacher_channels=128))
