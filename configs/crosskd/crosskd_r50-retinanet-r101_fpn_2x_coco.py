# CrossKD: RetinaNet R-101 2x teacher (38.9 AP) -> RetinaNet R-50 2x student (37.4). Published:
# 39.7 (reference/crosskd_pkd_rtmdet.md 1.7). Cross head after conv 3 (conv + bias, no norm);
# cls KD at the valid anchors (the 0.4-0.5 IoU band excluded), 1 - GIoU of the boxes decoded at
# the student's anchors, weighted by the teacher score (weights 1.0 / 1.0). Batch 16 =
# 8 GPUs x 2 img, SGD lr 0.01 (mmdet's RetinaNet 2x schedule).
_base_ = [
    '../_base_/distill/retinanet-r101-2x_to_retinanet-r50-2x_coco.py',
    '../_base_/distill/crosskd_terms.py'
]
model = dict(
    bbox_head=dict(cross_head=dict(reused_conv=3), distill_terms={{_base_.crosskd_plain}}))
