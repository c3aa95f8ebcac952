# Distillation terms of the LD paper (Zheng et al., CVPR 2022 / TPAMI 2023), with the official
# code's weights and normalisation (reference/ld.md 1.3, 2.3, 3.1). Student configs pick terms
# with {{_base_.<name>}}; see README "Configs" for the ablation rows.
#
# Normalisation: the official LD terms are sums over the region divided by a constant (4 edges,
# 16 for VLR), so their magnitude grows with images per GPU (official setting: 2-3 images/GPU).
# The *_per_image variants divide by the number of images per GPU instead and use twice the
# weight: identical to the official loss at 2 images/GPU, independent of the batch elsewhere.

# Main LD: positives, weight = student's max class probability, T = 10, lambda = 0.25.
ld_main = dict(
    pred='bbox_dist', region='main', weight='student_score', avg_factor=4.0,
    loss=dict(type='ld_plugin.LocalizationDistillationLoss', loss_weight=0.25, T=10))
# VLR LD: Valuable Localization Region, weight = IoU with its GT, T = 10, lambda = 0.25 (/16).
ld_vlr = dict(
    pred='bbox_dist', region='vlr', weight='region', avg_factor=16.0,
    loss=dict(type='ld_plugin.LocalizationDistillationLoss', loss_weight=0.25, T=10))
# Main KD: softmax KD over classes on the positives, mean per level, T = 2, lambda = 10.
kd_main = dict(
    pred='cls', region='main', weight='region', avg_factor='level_count',
    loss=dict(type='ld_plugin.ClassificationKDLoss', loss_weight=10, T=2))
# VLR KD: off in the recommended recipe (the paper's last ablation row).
kd_vlr = dict(
    pred='cls', region='vlr', weight='region', avg_factor='level_count',
    loss=dict(type='ld_plugin.ClassificationKDLoss', loss_weight=10, T=2))

# The paper's recommended recipe ("Ours" = Main KD + Main LD + VLR LD), as a whole distill_terms.
ld_full_recipe = dict(loss_ld=ld_main, loss_vlr_ld=ld_vlr, loss_kd=kd_main)

# Batch-size independent variants (see above).
ld_main_per_image = dict(
    pred='bbox_dist', region='main', weight='student_score', avg_factor='num_images',
    loss=dict(type='ld_plugin.LocalizationDistillationLoss', loss_weight=0.5, T=10))
ld_vlr_per_image = dict(
    pred='bbox_dist', region='vlr', weight='region', avg_factor='num_images',
    loss=dict(type='ld_plugin.LocalizationDistillationLoss', loss_weight=0.125, T=10))

# ATSS positives + VLR weights (gamma = 0.25, true DIoU; diou_mode='official' reproduces the
# official code's IoF-based DIoU exactly).
vlr_assigner = dict(type='ld_plugin.VLRATSSAssigner', topk=9, gamma=0.25)

# LD on the distribution ATSS / RetinaNet / FCOS heads (official LDATSSHead, LDRetinaHead,
# LDFCOSHead; reference/ld.md 2.4 and 3.1). Main LD and Main KD as above except RetinaNet
# (LD lambda 5, KD T = 8). The VLR LD is the Main LD loss times a head-specific factor over
# the head's VLR, divided by 4: ATSS 0.15 (VLRATSSAssigner), RetinaNet 0.03 (VLRMaxIoUAssigner,
# positives removed), FCOS 0.25 (points inside a GT that are not positive, weighted by the
# student's score).
ld_vlr_atss = dict(
    pred='bbox_dist', region='vlr', weight='region', avg_factor=4.0,
    loss=dict(type='ld_plugin.LocalizationDistillationLoss', loss_weight=0.25 * 0.15, T=10))
ld_main_retina = dict(
    pred='bbox_dist', region='main', weight='student_score', avg_factor=4.0,
    loss=dict(type='ld_plugin.LocalizationDistillationLoss', loss_weight=5.0, T=10))
ld_vlr_retina = dict(
    pred='bbox_dist', region='vlr', weight='region', avg_factor=4.0,
    loss=dict(type='ld_plugin.LocalizationDistillationLoss', loss_weight=5.0 * 0.03, T=10))
kd_main_retina = dict(
    pred='cls', region='main', weight='region', avg_factor='level_count',
    loss=dict(type='ld_plugin.ClassificationKDLoss', loss_weight=10, T=8))
ld_vlr_fcos = dict(
    pred='bbox_dist', region='vlr', weight='student_score', avg_factor=4.0,
    loss=dict(type='ld_plugin.LocalizationDistillationLoss', loss_weight=0.25 * 0.25, T=10))
ld_atss_recipe = dict(loss_ld=ld_main, loss_vlr_ld=ld_vlr_atss, loss_kd=kd_main)
ld_retina_recipe = dict(loss_ld=ld_main_retina, loss_vlr_ld=ld_vlr_retina, loss_kd=kd_main_retina)
ld_fcos_recipe = dict(loss_ld=ld_main, loss_vlr_ld=ld_vlr_fcos, loss_kd=kd_main)

# RetinaNet's max-IoU positives (mmdet's RetinaNet settings) + the VLR with positives removed.
vlr_max_iou_assigner = dict(
    type='ld_plugin.VLRMaxIoUAssigner', pos_iou_thr=0.5, neg_iou_thr=0.4, min_pos_iou=0,
    ignore_iof_thr=-1, topk=9, gamma=0.25)
