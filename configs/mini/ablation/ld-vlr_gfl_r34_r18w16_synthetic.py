# LD ablation (docs/benchmarks/): VLR LD alone (VLRATSSAssigner), as in the mini LD recipe.
_base_ = ['../ld_gfl_r34_r18w16_synthetic.py']
model = dict(
    bbox_head=dict(distill_terms=dict(_delete_=True, loss_vlr_ld={{_base_.ld_vlr_per_image}})))
