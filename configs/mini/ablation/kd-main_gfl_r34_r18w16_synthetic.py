# LD ablation (docs/benchmarks/): Main KD alone (softmax KD on the positives, T = 2), with
# the mini LD recipe's weight 0.75 (10 x 6 / 80 classes).
_base_ = ['../ld_gfl_r34_r18w16_synthetic.py']
model = dict(
    bbox_head=dict(
        distill_terms=dict(
            _delete_=True,
            loss_kd=dict(
                pred='cls', region='main', weight='region', avg_factor='level_count',
                loss=dict(type='ld_plugin.ClassificationKDLoss', loss_weight=0.75, T=2)))))
