# CrossKD + VLR LD on the student's own head: the cross-head terms distill the teacher's
# predictions through the teacher's head, LD's VLR term distills the edge distributions of the
# student's own head over the Valuable Localization Region (weight 0.25, T 10; VLR from
# VLRATSSAssigner). No published number; CrossKD alone: 43.7.
_base_ = ['./crosskd_r50-gflv1-r101-ms-2x_fpn_1x_coco.py', '../_base_/distill/ld_terms.py']
model = dict(
    bbox_head=dict(distill_terms=dict(loss_vlr_ld={{_base_.ld_vlr}})),
    train_cfg=dict(assigner={{_base_.vlr_assigner}}))
