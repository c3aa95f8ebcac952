# Full LD recipe (Main LD + VLR LD + Main KD) from the synthetic GFL-R34 teacher into the small
# student.
_base_ = ['./_base_/distill_r34_to_r18w16.py', '../_base_/distill/ld_terms.py']
model = dict(
    bbox_head=dict(distill_terms={{_base_.ld_full_recipe}}),
    train_cfg=dict(assigner={{_base_.vlr_assigner}}))
