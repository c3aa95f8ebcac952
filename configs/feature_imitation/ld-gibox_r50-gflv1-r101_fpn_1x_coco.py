# LD full recipe (Main KD + Main LD + VLR LD) + GI imitation: GFL R-101 ms-2x -> GFL R-50, COCO
# 1x. LD README model list (reference/ld.md 3.2): 42.4 AP.
_base_ = ['../ld/ld_r50-gflv1-r101_fpn_1x_coco.py', '../_base_/distill/kd_terms.py']
model = dict(bbox_head=dict(distill_terms=dict(loss_imitation={{_base_.imitation_gibox}})))
