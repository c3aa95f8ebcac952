# LD ablation, Main KD only (classification KD on the positives, no LD): GFL R-101 ms-2x
# teacher -> GFL R-50 student, COCO 1x. Reproduces reference/ld.md 2.3 row "Main KD":
# about 40.2 AP (+0.1 over the 40.1 baseline; paper, secondary source).
# Batch 16 = 8 GPUs x 2 img, SGD lr 0.01.
_base_ = './ld_r50-gflv1-r101_fpn_1x_coco.py'
model = dict(
    bbox_head=dict(distill_terms=dict(loss_ld=None, loss_vlr_ld=None)),
    train_cfg=dict(assigner=dict(_delete_=True, type='ATSSAssigner', topk=9)))
