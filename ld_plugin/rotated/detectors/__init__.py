"""The teacher-student detector, registered in mmrotate's registry too: the same class and
guarantees as the 2D one (hidden frozen teacher, compatibility checks, checkpoint loading)."""
from mmrotate.registry import MODELS

from ld_plugin.models.detectors import DistillSingleStageDetector

MODELS.register_module(name='DistillSingleStageDetector', module=DistillSingleStageDetector)

__all__ = ['DistillSingleStageDetector']
