# Self-LD, Main LD only: GFL R-50 1x teacher -> GFL R-50 student (same architecture), COCO 1x.
# Reproduces reference/ld.md 6.3 "R50 -> R50": 40.6 AP, AP50 58.2, AP75 43.8 (baseline 40.1).
# Teacher weights: the official mmdet GFL R-50 1x checkpoint (40.2 AP; the paper's own R-50
# teacher had 40.1). Batch 16 = 8 GPUs x 2 img, SGD lr 0.01.
_base_ = './ld-main_r50-gflv1-r101_fpn_1x_coco.py'
model = dict(
    teacher_config='mmdet::gfl/gfl_r50_fpn_1x_coco.py',
    teacher_ckpt='https://download.openmmlab.com/mmdetection/v2.0/gfl/gfl_r50_fpn_1x_coco/gfl_r50_fpn_1x_coco_20200629_121244-25944287.pth')  # noqa: E501
