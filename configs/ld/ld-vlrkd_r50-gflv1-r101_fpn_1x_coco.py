# LD ablation, full recipe + VLR KD (Main KD + Main LD + VLR LD + VLR KD, the term the paper
# drops): GFL R-101 ms-2x teacher -> GFL R-50 student, COCO 1x. Reproduces reference/ld.md 2.3
# last row "+ VLR KD": 42.0 AP (paper, secondary source). Batch 16 = 8 GPUs x 2 img, lr 0.01.
_base_ = './ld_r50-gflv1-r101_fpn_1x_coco.py'
model = dict(bbox_head=dict(distill_terms=dict(loss_vlr_kd={{_base_.kd_vlr}})))
