# Rank Mimicking + prediction-guided feature imitation: RetinaNet R-101 2x teacher (38.9 AP,
# official mmdet checkpoint) -> RetinaNet R-50 2x student (baseline 37.4), COCO. Published:
# RetinaNet-R50 40.4 (+3.5, teacher unknown) and PFI alone 39.6 with this teacher pair
# (reference/bckd_rm.md B4). Weights 4 (RM) and 1.5 (PFI) as both third-party implementations.
# Batch 16 = 8 GPUs x 2 img, SGD lr 0.01 (mmdet's RetinaNet 2x schedule).
_base_ = [
    '../_base_/distill/retinanet-r101-2x_to_retinanet-r50-2x_coco.py',
    '../_base_/distill/kd_terms.py'
]
model = dict(
    bbox_head=dict(distill_terms=dict(loss_rm={{_base_.rank_mimicking}}, loss_pfi={{_base_.pfi}})))
