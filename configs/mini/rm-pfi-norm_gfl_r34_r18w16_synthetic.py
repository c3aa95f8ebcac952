# RM + PFI with the PFI feature difference normalised by the teacher's mean squared feature of
# each image and level (PredictionGuidedFeatureImitationLoss(normalize=True)). Not the
# published PFI: on this from-scratch teacher the FPN levels' RMS range from 6 (P5) to 170 (P7),
# so plain PFI is dominated by P6/P7 (starting near 390 against detection losses near 2) and
# pulls the student's features up instead of towards the teacher's (measured, docs/results.md).
_base_ = './rm-pfi_gfl_r34_r18w16_synthetic.py'
model = dict(bbox_head=dict(distill_terms=dict(loss_pfi=dict(loss=dict(normalize=True)))))
