# BCKD (binary classification KD + IoU-based localization distillation): GFL R-101 ms-2x
# teacher -> GFL R-50 student, COCO 1x. Reproduces reference/bckd_rm.md A8.1: 43.2 AP
# (baseline 40.1). Official settings: batch 16 = 8 GPUs x 2 img, SGD lr 0.01, weights 1.0 / 4.0,
# plain ATSS assignment; both terms are normalised by the number of positives.
_base_ = [
    '../_base_/distill/gfl-r101-ms-2x_to_gfl-r50_1x_coco.py', '../_base_/distill/kd_terms.py'
]
model = dict(bbox_head=dict(distill_terms={{_base_.bckd}}))
