# LD ablation (docs/benchmarks/): the mini LD recipe with its Main KD (softmax KD on the
# positives) replaced by BCKD's binary classification KD at every prior: LD's localisation
# terms plus the teacher's view of the background.
_base_ = ['../ld_gfl_r34_r18w16_synthetic.py', '../../_base_/distill/kd_terms.py']
model = dict(
    bbox_head=dict(distill_terms=dict(loss_kd=None, loss_bckd_cls={{_base_.bckd_cls}})))
