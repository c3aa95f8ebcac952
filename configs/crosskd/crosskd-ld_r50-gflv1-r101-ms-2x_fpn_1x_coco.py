# CrossKD + Main LD on the student's own head (edge distributions of the positives, weighted by
# the student's score, weight 0.25, T 10). No published number; CrossKD alone: 43.7.
_base_ = ['./crosskd_r50-gflv1-r101-ms-2x_fpn_1x_coco.py', '../_base_/distill/ld_terms.py']
model = dict(bbox_head=dict(distill_terms=dict(loss_ld={{_base_.ld_main}})))
