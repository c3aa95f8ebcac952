# LD, Main LD only: GFL R-101-DCN ms-2x teacher -> GFL R-101 student, COCO 2x multi-scale.
# Reproduces reference/ld.md 6.1 "R-101-DCN -> R-101 2x": 45.4 AP, AP50 63.1, AP75 49.5
# (official README); mmdet port: 45.5 AP (baseline 44.6). Batch 16 = 8 GPUs x 2 img, lr 0.01.
_base_ = './ld_r101-gflv1-r101-dcn_fpn_2x_coco.py'
model = dict(
    bbox_head=dict(distill_terms=dict(loss_vlr_ld=None, loss_kd=None)),
    train_cfg=dict(assigner=dict(_delete_=True, type='ATSSAssigner', topk=9)))
