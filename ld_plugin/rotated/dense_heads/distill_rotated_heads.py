"""Rotated students through the same :class:`DistillHeadMixin` as the 2D heads."""
from mmrotate.registry import MODELS

from ld_plugin.models.dense_heads.distill_head_mixin import DistillHeadMixin
from .rotated_retina_distribution_head import RotatedRetinaDistributionHead


@MODELS.register_module()
class DistillRotatedRetinaDistributionHead(DistillHeadMixin, RotatedRetinaDistributionHead):
    """:class:`RotatedRetinaDistributionHead` + ``distill_terms``. Rotated-LD's region comes
    from ``train_cfg.assigner=dict(type='RotatedLDRegionAssigner', ...)`` (``region='vlr'``)."""
