# Rank Mimicking + prediction-guided feature imitation on the mini RTMDet (teacher FPN 128,
# student FPN 64: PFI learns a 1x1 adaptation 64 -> 128); weights as on the mini GFL.
_base_ = ['./_base_/distill_rtmdet_r34_to_r18w16.py', './_base_/feature_terms_fpn64_to_128.py']
model = dict(bbox_head=dict(distill_terms=dict(loss_rm={{_base_.rank_mimicking}},
                                               loss_pfi={{_base_.pfi}})))
