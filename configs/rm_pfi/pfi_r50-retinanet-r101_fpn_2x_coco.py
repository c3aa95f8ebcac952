# Prediction-guided feature imitation only (RetinaNet R-101 2x -> R-50 2x): 39.6 AP quoted by
# the GlobalKD README for this pair (bckd_rm.md B4); paper ablation: PFI alone +2.3 AP.
_base_ = './rm-pfi_r50-retinanet-r101_fpn_2x_coco.py'
model = dict(bbox_head=dict(distill_terms=dict(loss_rm=None)))
