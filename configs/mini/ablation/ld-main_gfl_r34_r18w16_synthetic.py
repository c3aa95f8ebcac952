# LD ablation (docs/benchmarks/): Main LD alone, the weight and normalisation of the mini
# LD recipe (../ld_gfl_r34_r18w16_synthetic.py). Run with tools/benchmark/compare.py
# --method ld-main=configs/mini/ablation/ld-main_gfl_r34_r18w16_synthetic.py.
_base_ = ['../ld_gfl_r34_r18w16_synthetic.py']
model = dict(
    bbox_head=dict(distill_terms=dict(_delete_=True, loss_ld={{_base_.ld_main_per_image}})))
