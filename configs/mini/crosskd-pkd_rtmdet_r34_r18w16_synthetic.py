# CrossKD + PKD (weight 6, CrossKD's setting) on the mini RTMDet; the FPNs differ in width
# (64 vs 128), so PKD adapts the student's features with a 1x1 conv first.
_base_ = './crosskd_rtmdet_r34_r18w16_synthetic.py'
model = dict(
    bbox_head=dict(distill_terms=dict(loss_pkd=dict(
        loss=dict(type='ld_plugin.PKDLoss', loss_weight=6.0, student_channels=64,
                  teacher_channels=128)))))
