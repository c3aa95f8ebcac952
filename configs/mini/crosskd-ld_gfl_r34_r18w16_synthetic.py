# CrossKD + LD's localisation terms on the student's own head (Main LD + VLR LD with the
# per-image presets of ld_gfl_r34_r18w16_synthetic.py, VLR from VLRATSSAssigner).
_base_ = ['./crosskd_gfl_r34_r18w16_synthetic.py', '../_base_/distill/ld_terms.py']
model = dict(
    bbox_head=dict(distill_terms=dict(loss_ld={{_base_.ld_main_per_image}},
                                      loss_vlr_ld={{_base_.ld_vlr_per_image}})),
    train_cfg=dict(assigner={{_base_.vlr_assigner}}))
