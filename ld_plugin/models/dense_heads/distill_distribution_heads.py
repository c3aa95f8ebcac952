"""LD students on the distribution ATSS, RetinaNet and FCOS heads (official ``LDATSSHead``,
``LDRetinaHead``, ``LDFCOSHead``), through the same :class:`DistillHeadMixin` as GFL.

Their VLR differs by assignment (set by config, see ``configs/ld/``):

- ATSS: :class:`VLRATSSAssigner` (the DIoU band of the ATSS statistics);
- RetinaNet: :class:`VLRMaxIoUAssigner` (max-IoU positives, the same DIoU band with the
  positives removed);
- RTMDet: :class:`VLRDynamicSoftLabelAssigner` (RTMDet's assignment; the VLR of its points is
  FCOS's below);
- FCOS: the points inside a GT box that are not positive (no priors, hence no DIoU), weight 1,
  times the student's score with ``weight='student_score'``.
"""
from mmdet.registry import MODELS

from .distill_head_mixin import DistillHeadMixin
from .distribution_heads import ATSSDistributionHead, FCOSDistributionHead, RetinaDistributionHead
from .rtmdet_distribution_heads import RTMDetDistributionHead, RTMDetSepBNDistributionHead


@MODELS.register_module()
class DistillATSSDistributionHead(DistillHeadMixin, ATSSDistributionHead):
    """:class:`ATSSDistributionHead` + ``distill_terms``."""


@MODELS.register_module()
class DistillRetinaDistributionHead(DistillHeadMixin, RetinaDistributionHead):
    """:class:`RetinaDistributionHead` + ``distill_terms``."""


@MODELS.register_module()
class DistillFCOSDistributionHead(DistillHeadMixin, FCOSDistributionHead):
    """:class:`FCOSDistributionHead` + ``distill_terms``."""


@MODELS.register_module()
class DistillRTMDetDistributionHead(DistillHeadMixin, RTMDetDistributionHead):
    """:class:`RTMDetDistributionHead` + ``distill_terms``."""


@MODELS.register_module()
class DistillRTMDetSepBNDistributionHead(DistillHeadMixin, RTMDetSepBNDistributionHead):
    """:class:`RTMDetSepBNDistributionHead` + ``distill_terms``."""
