# LD ablation, Main LD + VLR LD (no KD): GFL R-101 ms-2x teacher -> GFL R-50 student, COCO 1x.
# Reproduces reference/ld.md 2.3 row "Main LD + VLR LD": 41.8 AP (paper, secondary source).
# Batch 16 = 8 GPUs x 2 img, SGD lr 0.01.
_base_ = './ld_r50-gflv1-r101_fpn_1x_coco.py'
model = dict(bbox_head=dict(distill_terms=dict(loss_kd=None)))
