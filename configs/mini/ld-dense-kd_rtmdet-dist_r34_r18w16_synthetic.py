# LD on the distribution RTMDet (the recommended recipe): Main LD + VLR LD (per-image presets;
# VLR = points inside a GT that are not positive, VLRDynamicSoftLabelAssigner) + BCKD's binary
# class KD at every point, from the distribution RTMDet teacher.
_base_ = ['./rtmdet-dist_r18w16_fpn64_synthetic.py', '../_base_/distill/ld_terms.py',
          '../_base_/distill/kd_terms.py']
model = dict(
    type='ld_plugin.DistillSingleStageDetector',
    teacher_config='ld_plugin::mini/rtmdet-dist_r34_fpn128_synthetic.py',
    teacher_ckpt='work_dirs/rtmdet-dist_r34_fpn128_synthetic/iter_1500.pth',
    bbox_head=dict(
        type='ld_plugin.DistillRTMDetSepBNDistributionHead',
        distill_terms=dict(loss_ld={{_base_.ld_main_per_image}},
                           loss_vlr_ld={{_base_.ld_vlr_per_image}},
                           loss_bckd_cls={{_base_.bckd_cls}})),
    train_cfg=dict(assigner=dict(type='ld_plugin.VLRDynamicSoftLabelAssigner', topk=13)))
