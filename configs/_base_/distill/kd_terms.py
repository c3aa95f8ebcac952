# Distillation terms of BCKD (Yang et al., ICCV 2023), Rank Mimicking + PFI (Li et al., AAAI 2022)
# and the feature-imitation baselines of the LD repository (reference/bckd_rm.md, ld.md 3.2).
# Student configs pick terms with {{_base_.<name>}}. Feature terms need the FPN channels of the
# student and the teacher (256 for every COCO config here; the mini configs override them).

# BCKD classification: per-class binary KD, BCE(s, sigmoid(t)) * |sigmoid(t) - sigmoid(s)|,
# over all valid priors, normalised by the positives (averaged over GPUs); weight 1.0.
bckd_cls = dict(
    pred='cls', region='valid', weight='region', avg_factor='num_pos',
    loss=dict(type='ld_plugin.BinaryClassificationKDLoss', beta=1.0, loss_weight=1.0))
# BCKD localization: 1 - GIoU between the student's and the teacher's decoded boxes at every
# valid prior, weighted by max_c |sigmoid(t_c) - sigmoid(s_c)| (detached); weight 4.0.
# mode='giou' is the official code; mode='iou' the paper's text.
bckd_box = dict(
    pred='bbox', region='valid', weight='score_diff', avg_factor='num_pos',
    loss=dict(type='ld_plugin.IoULocalizationDistillationLoss', mode='giou', loss_weight=4.0))
bckd = dict(loss_bckd_cls=bckd_cls, loss_bckd_box=bckd_box)

# Rank Mimicking: per GT, softmax over its positives' class scores, KL(teacher || student).
rank_mimicking = dict(loss=dict(type='ld_plugin.RankMimickingLoss', T=1.0, loss_weight=4.0))
# Prediction-guided feature imitation, FPN 256 -> 256 (no adaptation layer), weight 1.5.
pfi = dict(
    loss=dict(type='ld_plugin.PredictionGuidedFeatureImitationLoss', student_channels=256,
              teacher_channels=256, loss_weight=1.5))

# Feature-imitation baselines (MSE on FPN features; official weight 2.0).
_imitation_loss = dict(
    type='ld_plugin.FeatureImitationLoss', student_channels=256, teacher_channels=256,
    loss_weight=2.0)
imitation_fitnet = dict(region='everywhere', loss=_imitation_loss)  # FitNets: the whole map
imitation_inside_gt = dict(region='inside_gt', loss=_imitation_loss)  # official 'fitnet' branch
imitation_finegrained = dict(region='finegrained', loss=_imitation_loss)
imitation_gibox = dict(region='gibox', loss=_imitation_loss)
