# LD on RTMDet (the recommended recipe, docs/benchmarks/ld_recipe.md): distribution RTMDet-m
# teacher -> distribution RTMDet-s student. Main LD + VLR LD with the per-image presets (32 img
# per GPU: the official per-GPU sums would scale with the batch), VLR = the points inside a GT
# that are not positive (VLRDynamicSoftLabelAssigner: RTMDet's assignment), and BCKD's binary
# class KD at every valid point. Anchor: mmyolo's CWD, RTMDet-m -> RTMDet-s 44.6 -> 45.7 AP.
# Train the teacher first (rtmdet-dist_m_8xb32-300e_coco.py).
_base_ = ['../_base_/distill/rtmdet-m_to_rtmdet-s_coco.py', '../_base_/distill/ld_terms.py',
          '../_base_/distill/kd_terms.py']
model = dict(
    teacher_config='ld_plugin::rtmdet/rtmdet-dist_m_8xb32-300e_coco.py',
    teacher_ckpt='work_dirs/rtmdet-dist_m_8xb32-300e_coco/epoch_300.pth',
    bbox_head=dict(
        type='ld_plugin.DistillRTMDetSepBNDistributionHead', reg_max=16,
        distill_terms=dict(loss_ld={{_base_.ld_main_per_image}},
                           loss_vlr_ld={{_base_.ld_vlr_per_image}},
                           loss_bckd_cls={{_base_.bckd_cls}})),
    train_cfg=dict(assigner=dict(type='ld_plugin.VLRDynamicSoftLabelAssigner', topk=13)))
