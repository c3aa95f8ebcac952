# LD, Main LD only (the mmdet port's recipe): GFL R-101 ms-2x teacher -> GFL R-50 student,
# COCO 1x. Reproduces reference/ld.md 6.1 "R-101 -> R-50 1x": 41.1 AP, AP50 58.7, AP75 44.9
# (official README; = 2.3 ablation row "Main LD"); mmdet port: 41.0 AP.
# Batch 16 = 8 GPUs x 2 img, SGD lr 0.01. Plain ATSS assigner: no VLR term.
_base_ = './ld_r50-gflv1-r101_fpn_1x_coco.py'
model = dict(
    bbox_head=dict(distill_terms=dict(loss_vlr_ld=None, loss_kd=None)),
    train_cfg=dict(assigner=dict(_delete_=True, type='ATSSAssigner', topk=9)))
