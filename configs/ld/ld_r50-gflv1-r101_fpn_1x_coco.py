# LD, full recipe ("Ours" = Main KD + Main LD + VLR LD): GFL R-101 ms-2x teacher -> GFL R-50
# student, COCO 1x. Reproduces reference/ld.md 6.2 "R101 -> R50 1x" = 2.3 ablation row
# "Main KD + Main LD + VLR LD": 42.1 AP, AP50 60.3, AP75 45.6 (COCO val2017; baseline 40.1).
# Batch 16 = 8 GPUs x 2 img, SGD lr 0.01 (official settings). The official LD terms are not
# normalised by the batch: keep 2 img/GPU or use ld_main_per_image / ld_vlr_per_image.
# The teacher weights are the official mmdet GFL R-101 ms-2x checkpoint (44.6 AP).
_base_ = [
    '../_base_/distill/gfl-r101-ms-2x_to_gfl-r50_1x_coco.py', '../_base_/distill/ld_terms.py',
    '../gfl/_base_/resnet_fpn.py'
]
model = dict(
    bbox_head=dict(distill_terms={{_base_.ld_full_recipe}}),
    train_cfg=dict(assigner={{_base_.vlr_assigner}}))
