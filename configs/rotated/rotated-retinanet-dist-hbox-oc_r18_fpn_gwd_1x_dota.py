# Rotated RetinaNet R-18 1x with distribution regression and the GWD box loss (weight 5, as
# mmrotate's GWD config and Rotated-LD's rotated_retinanet_distribution_hbb_gwd): the plain
# R-18 GWD baseline (paper: 37.1 AP, reference/ld.md 6.6).
_base_ = './rotated-retinanet-dist-hbox-oc_r18_fpn_kld_1x_dota.py'
model = dict(bbox_head=dict(loss_bbox=dict(_delete_=True, type='GDLoss', loss_type='gwd',
                                           loss_weight=5.0)))
