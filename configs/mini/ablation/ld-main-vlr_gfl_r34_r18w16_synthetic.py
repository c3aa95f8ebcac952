# LD ablation (docs/benchmarks/): Main LD + VLR LD, no class KD.
_base_ = ['../ld_gfl_r34_r18w16_synthetic.py']
model = dict(
    bbox_head=dict(
        distill_terms=dict(_delete_=True, loss_ld={{_base_.ld_main_per_image}},
                           loss_vlr_ld={{_base_.ld_vlr_per_image}})))
