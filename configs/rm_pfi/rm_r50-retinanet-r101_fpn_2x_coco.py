# Rank Mimicking only (RetinaNet R-101 2x -> R-50 2x). Paper ablation: RM alone +1.4 AP
# (bckd_rm.md B4, secondary source, baseline unknown).
_base_ = './rm-pfi_r50-retinanet-r101_fpn_2x_coco.py'
model = dict(bbox_head=dict(distill_terms=dict(loss_pfi=None)))
