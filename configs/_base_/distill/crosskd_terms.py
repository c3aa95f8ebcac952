# CrossKD (Wang et al., CVPR 2024) and PKD (Cao et al., NeurIPS 2022) as distillation terms
# (reference/crosskd_pkd_rtmdet.md 1.3-1.4, 2). CrossKD's terms read the cross-head predictions
# (source='cross_head': the student's tower features at conv `reused_conv`, aligned to the
# teacher's statistics, through the teacher's remaining convs and predictors), so the student
# head needs cross_head=dict(reused_conv=k): 3 for GFL, ATSS and RetinaNet, 2 for FCOS.
# Student configs pick terms with {{_base_.<name>}}; they combine with every other term.

# Classification: the quality-focal KD form, BCE(x, sigmoid(t)) * |sigmoid(x) - sigmoid(t)|,
# at every valid prior (the head's label weights: RetinaNet's 0.4-0.5 IoU band is excluded),
# normalised by the positives averaged over GPUs (every level counted); weight 1.0 (0.4 for
# FCOS, at every point).
crosskd_cls = dict(
    source='cross_head', pred='cls', region='valid', weight='region',
    avg_factor='num_pos_all_levels',
    loss=dict(type='ld_plugin.BinaryClassificationKDLoss', beta=1.0, loss_weight=1.0))
# Localization of distribution heads (GFL): KL between the edge distributions (T = 1, summed
# over the bins), weighted by the teacher's top score at every valid prior and averaged with
# those weights over all levels of the batch (this GPU); weight 4.0.
crosskd_dist = dict(
    source='cross_head', pred='bbox_dist', region='valid', weight='teacher_score',
    avg_factor='weight_sum',
    loss=dict(type='ld_plugin.LocalizationDistillationLoss', T=1, bin_reduction='sum',
              loss_weight=4.0))
# Localization of plain heads (ATSS, RetinaNet): 1 - GIoU between the boxes decoded from the
# cross-head and the teacher predictions at the student's priors, weighted by the teacher's top
# score, normalised by the positives; weight 1.0.
crosskd_box = dict(
    source='cross_head', pred='bbox', region='valid', weight='teacher_score',
    avg_factor='num_pos_all_levels',
    loss=dict(type='ld_plugin.IoULocalizationDistillationLoss', mode='giou', loss_weight=1.0))
crosskd_gfl = dict(loss_crosskd_cls=crosskd_cls, loss_crosskd_reg=crosskd_dist)
crosskd_plain = dict(loss_crosskd_cls=crosskd_cls, loss_crosskd_reg=crosskd_box)
# FCOS: cls KD at every point (weight 0.4), -log IoU of the decoded boxes (weight 0.75). The
# official code divides both by the summed centerness targets; these divide by the positives.
crosskd_fcos = dict(
    loss_crosskd_cls=dict(crosskd_cls, region='everywhere',
                          loss=dict(crosskd_cls['loss'], loss_weight=0.4)),
    loss_crosskd_reg=dict(crosskd_box, loss=dict(crosskd_box['loss'], mode='log_iou',
                                                 loss_weight=0.75)))

# PKD: Pearson-correlation imitation of every FPN level (per-channel standardised MSE / 2),
# summed over the levels; CrossKD + PKD weights: GFL 6, RetinaNet 2, ATSS 1, FCOS 2.
pkd_gfl = dict(loss=dict(type='ld_plugin.PKDLoss', loss_weight=6.0))
pkd_retinanet = dict(loss=dict(type='ld_plugin.PKDLoss', loss_weight=2.0))
pkd_atss = dict(loss=dict(type='ld_plugin.PKDLoss', loss_weight=1.0))
pkd_fcos = dict(loss=dict(type='ld_plugin.PKDLoss', loss_weight=2.0))
