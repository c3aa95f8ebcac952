# LD ablation (docs/benchmarks/): BCKD's classification term alone (binary KD at every prior,
# background included), to tell which of BCKD's two terms carries its gain.
_base_ = ['../_base_/distill_r34_to_r18w16.py', '../../_base_/distill/kd_terms.py']
model = dict(bbox_head=dict(distill_terms=dict(loss_bckd_cls={{_base_.bckd_cls}})))
