# The recommended LD recipe (docs/benchmarks/ld_recipe.md): LD's localisation terms (Main LD +
# VLR LD, per-image presets as ld_gfl_r34_r18w16_synthetic.py) with the softmax Main KD on the
# positives replaced by BCKD's binary per-class KD at every prior (weight 1.0, normalised by the
# positives; configs/_base_/distill/kd_terms.py). Chosen on the synthetic shapes, confirmed
# unchanged on BCCD photos; unlike the softmax KD it needs no rescaling with the class count and
# is not constant on one-class data.
_base_ = ['./ld_gfl_r34_r18w16_synthetic.py', '../_base_/distill/kd_terms.py']
model = dict(
    bbox_head=dict(distill_terms=dict(loss_kd=None, loss_bckd_cls={{_base_.bckd_cls}})))
