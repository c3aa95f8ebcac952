"""The distillation mechanism shared by every student head: outputs, regions, terms, targets.

See ``docs/architecture.md`` for the data flow.
"""
from .cross_head import CrossHead
from .outputs import DistillOutputs
from .recorder import record_calls, record_outputs, replace_inputs
from .regions import NORMALISERS, REGIONS, WEIGHTS
from .targets import DistillTargets
from .terms import DistillTerm, build_distill_terms, register_term

__all__ = ['CrossHead', 'DistillOutputs', 'DistillTargets', 'DistillTerm', 'build_distill_terms',
           'register_term', 'record_calls', 'record_outputs', 'replace_inputs', 'REGIONS',
           'WEIGHTS', 'NORMALISERS']
