# LD ablation (docs/benchmarks/): the mini LD recipe with Main LD and VLR LD four times
# heavier (per-image weights 2.0 and 0.5), Main KD unchanged.
_base_ = ['../ld_gfl_r34_r18w16_synthetic.py']
model = dict(
    bbox_head=dict(
        distill_terms=dict(
            loss_ld=dict(loss=dict(loss_weight=2.0)),
            loss_vlr_ld=dict(loss=dict(loss_weight=0.5)))))
