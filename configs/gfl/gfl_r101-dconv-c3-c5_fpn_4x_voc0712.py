# VOC LD teacher: GFL ResNet-101-DCN (c3-c5) FPN, PASCAL VOC 07+12, the R-101 teacher recipe
# (gfl_r101_fpn_4x_voc0712.py: 16 epochs x3 repeats, step 12, GIoU) with DCN. The official
# repo ships no config for this teacher: the schedule is assumed equal to the R-101 one.
# Teacher of the VOC LD students (reference/ld.md 6.4); train it first:
# they load work_dirs/gfl_r101-dconv-c3-c5_fpn_4x_voc0712/epoch_16.pth.
_base_ = './gfl_r101_fpn_4x_voc0712.py'
model = {{_base_.r101_dcn_fpn}}
