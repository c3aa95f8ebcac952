# GFL ResNet-18 FPN 1x on COCO: the plain R-18 student baseline mmdet lacks (LD README,
# reference/ld.md 6.1 row "- / R-18 / 1x": 35.8 AP, AP50 53.1, AP75 38.2, COCO val2017).
# Also the teacher of the R-18 self-LD config (ld/ld-main_r18-gflv1-r18_fpn_1x_coco.py).
# Batch 16 = 8 GPUs x 2 img, SGD lr 0.01, as mmdet's GFL R-50 1x.
_base_ = ['mmdet::gfl/gfl_r50_fpn_1x_coco.py', './_base_/resnet_fpn.py']
custom_imports = dict(imports=['ld_plugin'], allow_failed_imports=False)
model = {{_base_.r18_fpn}}
