# Self-LD, Main LD only: GFL R-18 teacher -> GFL R-18 student (same architecture), COCO 1x.
# Reproduces reference/ld.md 6.3 "R18 -> R18": 36.1 AP, AP50 52.9, AP75 38.5 (baseline 35.8).
# Train the teacher first (tools/train.py configs/gfl/gfl_r18_fpn_1x_coco.py): this config
# loads work_dirs/gfl_r18_fpn_1x_coco/epoch_12.pth (relative to the working directory).
# Batch 16 = 8 GPUs x 2 img, SGD lr 0.01.
_base_ = './ld-main_r18-gflv1-r101_fpn_1x_coco.py'
model = dict(
    teacher_config='ld_plugin::gfl/gfl_r18_fpn_1x_coco.py',
    teacher_ckpt='work_dirs/gfl_r18_fpn_1x_coco/epoch_12.pth')
