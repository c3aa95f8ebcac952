# The recommended LD recipe on rotated FCOS (docs/benchmarks/ld_recipe.md): LD's localisation
# terms (Main LD + VLR LD over the distances and angle bins, as ld_rotated-fcos-...) with the
# softmax Main KD replaced by BCKD's binary per-class KD at every prior (weight 1.0, normalised
# by the positives). Unlike the softmax KD it needs no rescaling with the class count and is not
# constant on one-class data.
_base_ = ['./ld_rotated-fcos-dist_r34_r18w16_synthetic-dota.py', '../_base_/rld_terms.py']
model = dict(
    bbox_head=dict(
        distill_terms=dict(loss_kd=None,
                           loss_bckd_cls={{_base_.rotated_bckd_terms.loss_bckd_cls}})))
