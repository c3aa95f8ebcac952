# CrossKD + BCKD's localization term on the student's own head (1 - GIoU of the decoded boxes
# at every valid prior, weighted by the score difference, weight 4.0). No published number;
# CrossKD alone: 43.7, BCKD alone: 43.2.
_base_ = ['./crosskd_r50-gflv1-r101-ms-2x_fpn_1x_coco.py', '../_base_/distill/kd_terms.py']
model = dict(bbox_head=dict(distill_terms=dict(loss_bckd_box={{_base_.bckd_box}})))
