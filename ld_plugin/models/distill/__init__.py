"""The distillation mechanism shared by every student head: terms, regions, targets."""
from .targets import DistillTargets, TeacherOutputs
from .terms import DistillTerm, build_distill_terms

__all__ = ['DistillTargets', 'TeacherOutputs', 'DistillTerm', 'build_distill_terms']
