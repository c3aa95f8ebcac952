# Feature-imitation baseline "GI Imitation" (MSE on FPN features, weight 2.0): GFL R-101 ms-2x
# teacher -> GFL R-50 student, COCO 1x. LD README comparison (reference/ld.md 3.2): 41.5 AP.
_base_ = [
    '../_base_/distill/gfl-r101-ms-2x_to_gfl-r50_1x_coco.py', '../_base_/distill/kd_terms.py'
]
model = dict(bbox_head=dict(distill_terms=dict(loss_imitation={{_base_.imitation_gibox}})))
