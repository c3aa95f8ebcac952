"""CrossKD's cross head (Wang et al., "CrossKD: Cross-Head Knowledge Distillation for Object
Detection", CVPR 2024, Sec. 3): the student's tower features continue through the teacher's head.

At the ``reused_conv``-th conv of each tower (cls and reg), the student's pre-activation
feature S is aligned to the teacher's per-channel statistics at the same conv,
``Ŝ = (S − μ_S) / (σ_S + 1e-6) · σ_T + μ_T`` (mean and unbiased std over N, H, W, per
channel), activated as the teacher's conv activates (ReLU in GFL/ATSS/FCOS/RetinaNet) and fed to
the teacher's remaining convs, predictors and scales. The resulting predictions ("cross-head
predictions") are distilled towards the teacher's own by terms with ``source='cross_head'``;
their gradients flow through the frozen teacher modules into the student's tower, backbone and
neck; the teacher's parameters never change. ``reused_conv=0`` feeds the aligned FPN feature to
the whole teacher head.

The teacher head runs through its own ``forward`` (so scales, ``exp``, centerness, angle
branches and distribution heads need no head-specific code): its convs before
``reused_conv`` see a 1×1 slice of the teacher's FPN features (a few FLOPs) and the input of its
``reused_conv``-th conv is replaced by Ŝ.

With towers of different widths (C_s ≠ C_t) a learnable 1×1 adapter C_s → C_t (bias-free,
trained with the student, unused at inference) is put before the alignment when
``teacher_channels`` is set.
"""
from typing import Dict, List, Optional

import torch.nn as nn
from torch import Tensor

from ..losses.pkd_loss import channel_moments
from .compatibility import IncompatibleTeacherError
from .outputs import DistillOutputs
from .recorder import record_outputs, replace_inputs

TOWERS = ('cls', 'reg')


def align_statistics(student: Tensor, teacher: Tensor, eps: float = 1e-6) -> Tensor:
    """Per-channel re-standardisation of ``student`` (N, C, H, W) to ``teacher``'s statistics.

    ``(S − μ_S) / (σ_S + eps) · σ_T + μ_T``, μ and σ the mean and unbiased std of each
    channel over N, H and W (all processes under DDP, see :func:`channel_moments`); the teacher
    statistics are constants (CrossKD Sec. 3.2).
    """
    s_mean, s_std = channel_moments(student)
    t_mean, t_std = channel_moments(teacher.detach())
    return (student - s_mean) / (s_std + eps) * t_std + t_mean


def _tower(head: nn.Module, tower: str) -> Optional[nn.ModuleList]:
    convs = getattr(head, f'{tower}_convs', None)
    return convs if isinstance(convs, nn.ModuleList) else None


def _per_level(convs: nn.ModuleList) -> bool:
    """Whether a tower holds one conv list per FPN level (RTMDet's separate-BN head: shared
    conv weights, one norm per level) instead of one list shared by every level."""
    return len(convs) > 0 and isinstance(convs[0], nn.ModuleList)


def _depth(convs: nn.ModuleList) -> int:
    return len(convs[0]) if _per_level(convs) else len(convs)


def _convs_at(convs: nn.ModuleList, index: int) -> List[nn.Module]:
    """The tower's conv ``index`` (0-based): one module called at every level, or one per
    level, in level order."""
    return [level[index] for level in convs] if _per_level(convs) else [convs[index]]


def pre_activation(conv_module: nn.Module) -> nn.Module:
    """The sub-module whose output is the conv module's pre-activation (conv, then norm)."""
    if getattr(conv_module, 'with_norm', False):
        order = tuple(getattr(conv_module, 'order', ('conv', 'norm', 'act')))
        if order.index('norm') > order.index('act'):
            raise ValueError(f'cross head: a conv module ordered {order} normalises after its '
                             "activation; CrossKD needs ('conv', 'norm', 'act')")
        return getattr(conv_module, conv_module.norm_name)
    return getattr(conv_module, 'conv', conv_module)


def _activation(conv_module: nn.Module) -> nn.Module:
    if getattr(conv_module, 'with_activation', False):
        return conv_module.activate
    return nn.Identity()


class CrossHead(nn.Module):
    """Runs the student's tower features through the teacher's head (CrossKD).

    Args:
        reused_conv: k, the tower conv (1-based) whose pre-activation output is taken from
            the student; the teacher's convs k+1.. and predictors follow. 3 for GFL, ATSS and
            RetinaNet, 2 for FCOS (CrossKD's published settings); 0 feeds the FPN features.
        teacher_channels: the teacher tower's width when it differs from the student's: a 1×1
            adapter per tower maps the student's width to it. ``None``: the widths must match.
        eps: added to the student's std in the alignment.

    Raises:
        ValueError: ``reused_conv`` not an int in [0, stacked_convs] of the student head.
        IncompatibleTeacherError (:meth:`check_teacher`): a teacher head without that conv,
            or a width that differs and no ``teacher_channels``.
    """

    def __init__(self, reused_conv: int = 3, teacher_channels: Optional[int] = None,
                 eps: float = 1e-6) -> None:
        super().__init__()
        if not isinstance(reused_conv, int) or reused_conv < 0:
            raise ValueError(f'cross_head: reused_conv={reused_conv!r} must be an int >= 0')
        if teacher_channels is not None and (not isinstance(teacher_channels, int)
                                             or teacher_channels <= 0):
            raise ValueError(f'cross_head: teacher_channels={teacher_channels!r} must be a '
                             'positive int or None')
        self.reused_conv = reused_conv
        self.teacher_channels = teacher_channels
        self.eps = eps
        self.adapters = nn.ModuleDict()

    # ------------------------------------------------------------------------------- checks
    def _width(self, head: nn.Module) -> int:
        return head.in_channels if self.reused_conv == 0 else head.feat_channels

    def _check_convs(self, head: nn.Module, who: str, error: type) -> None:
        for tower in TOWERS:
            convs = _tower(head, tower)
            if convs is None:
                raise error(f'cross_head: the {who} head {type(head).__name__} has no '
                            f'{tower}_convs tower; CrossKD reuses the towers of dense heads '
                            '(GFL, ATSS, FCOS, RetinaNet, RTMDet and their distribution '
                            'versions)')
            # the student gives the output of its conv k, the teacher continues after it
            depth = _depth(convs)
            last = depth if who == 'student' else depth - 1
            if self.reused_conv > last:
                raise error(f'cross_head: reused_conv={self.reused_conv} but the {who} head '
                            f'{type(head).__name__} has {depth} {tower} convs; choose '
                            f'0..{last}' + (' (at least one teacher conv must follow)'
                                            if who == 'teacher' else ''))

    def build_for(self, student_head: nn.Module) -> None:
        """Check the student head and create the adapters (called by the student head)."""
        self._check_convs(student_head, 'student', ValueError)
        width = self._width(student_head)
        if self.teacher_channels is not None and self.teacher_channels != width:
            for key in self._inputs():
                self.adapters[key] = nn.Conv2d(width, self.teacher_channels, 1, bias=False)

    def _inputs(self) -> tuple:
        """What enters the teacher head: the FPN feature (k = 0) or each tower's feature."""
        return ('fpn', ) if self.reused_conv == 0 else TOWERS

    def check_teacher(self, teacher_head: nn.Module, student_head: nn.Module) -> None:
        """The teacher head has the conv to continue from, and the widths meet."""
        self._check_convs(teacher_head, 'teacher', IncompatibleTeacherError)
        t_width, s_width = self._width(teacher_head), self._width(student_head)
        expected = self.teacher_channels or s_width
        if t_width != expected:
            what = 'FPN' if self.reused_conv == 0 else 'tower'
            raise IncompatibleTeacherError(
                f'cross_head: the teacher {what} has {t_width} channels, the student {what} '
                f'{s_width}' + (f' and teacher_channels={self.teacher_channels}'
                                if self.teacher_channels else '')
                + f'; set cross_head.teacher_channels={t_width} to train a 1x1 adapter '
                f'{s_width} -> {t_width} with the student (unused at inference)')

    # ------------------------------------------------------------------------------ running
    def record(self, head: nn.Module):
        """Context manager recording ``head``'s tower features at ``reused_conv`` during its
        forward: ``{'cls': [per level], 'reg': [per level]}`` (empty for ``reused_conv=0``)."""
        if self.reused_conv == 0:
            return record_outputs({})
        return record_outputs({tower: [pre_activation(conv) for conv in _convs_at(
            _tower(head, tower), self.reused_conv - 1)] for tower in TOWERS}, clone=True)

    def forward(self, student: DistillOutputs, teacher: DistillOutputs) -> DistillOutputs:
        """Cross-head predictions: ``student``'s tower features through ``teacher.head``.

        Returns:
            :class:`DistillOutputs` with the teacher head's output tuple (same shapes as the
            teacher's ``head_outs``) and the student's FPN features.
        """
        head = teacher.head
        if self.reused_conv == 0:
            aligned = [self._align(s, t, 'fpn')
                       for s, t in zip(student.feats, teacher.feats)]
            return DistillOutputs(feats=student.feats, head_outs=head(aligned), head=head)
        inputs: Dict[str, List[Tensor]] = {}
        modules: Dict[str, List[nn.Module]] = {}
        for tower in TOWERS:
            convs = _tower(head, tower)
            activate = _activation(_convs_at(convs, self.reused_conv - 1)[0])
            inputs[tower] = [activate(self._align(s, t, tower)) for s, t in
                             zip(student.tower_feats[tower], teacher.tower_feats[tower])]
            modules[tower] = _convs_at(convs, self.reused_conv)
        stubs = [f[..., :1, :1] for f in teacher.feats]
        with replace_inputs(modules, inputs):
            head_outs = head(stubs)
        return DistillOutputs(feats=student.feats, head_outs=head_outs, head=head)

    def _align(self, student: Tensor, teacher: Tensor, key: str) -> Tensor:
        if key in self.adapters:
            student = self.adapters[key](student)
        return align_statistics(student, teacher, self.eps)
