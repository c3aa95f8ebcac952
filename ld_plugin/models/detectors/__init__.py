from ..distill.compatibility import IncompatibleTeacherError, check_teacher_student
from .distill_single_stage import DistillSingleStageDetector
from .teacher_loading import TeacherCheckpointError, load_teacher_checkpoint

__all__ = ['DistillSingleStageDetector', 'IncompatibleTeacherError', 'TeacherCheckpointError',
           'check_teacher_student', 'load_teacher_checkpoint']
