# LD ablation (docs/benchmarks/): BCKD's localisation term alone (GIoU to the teacher's boxes at
# every prior, weighted by the class-score difference).
_base_ = ['../_base_/distill_r34_to_r18w16.py', '../../_base_/distill/kd_terms.py']
model = dict(bbox_head=dict(distill_terms=dict(loss_bckd_box={{_base_.bckd_box}})))
