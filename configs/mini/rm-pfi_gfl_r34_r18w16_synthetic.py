# Rank Mimicking + prediction-guided feature imitation from the synthetic GFL-R34 teacher (FPN
# 128 channels) into the small student (FPN 64): PFI learns a 1x1 adaptation 64 -> 128.
_base_ = ['./_base_/distill_r34_to_r18w16.py', './_base_/feature_terms_fpn64_to_128.py']
model = dict(bbox_head=dict(distill_terms=dict(loss_rm={{_base_.rank_mimicking}},
                                               loss_pfi={{_base_.pfi}})))
