"""Which checkpoint ``--resume`` reads: a truncated one (a run killed while mmengine wrote it in
place) is named with the complete checkpoint to use instead, before anything is built."""
import glob
import os.path as osp
import re
import warnings
import zipfile
from typing import Optional


class IncompleteCheckpointError(ValueError):
    """A checkpoint file that is not a complete torch archive."""


def checkpoint_is_complete(path: str) -> bool:
    """Whether ``path`` is a complete ``torch.save`` archive (a zip file whose central
    directory, written last, is there; a truncated file has none)."""
    return osp.isfile(path) and zipfile.is_zipfile(path)


def _step(path: str) -> int:
    match = re.search(r'(\d+)\.pth$', osp.basename(path))
    return int(match.group(1)) if match else -1


def latest_complete_checkpoint(work_dir: str) -> Optional[str]:
    """The complete ``*.pth`` of ``work_dir`` with the highest iteration / epoch number."""
    for path in sorted(glob.glob(osp.join(work_dir, '*.pth')), key=_step, reverse=True):
        if checkpoint_is_complete(path):
            return path
    return None


def _instead(work_dir: str) -> str:
    good = latest_complete_checkpoint(work_dir)
    return (f'the latest complete checkpoint there is {good}: resume with --resume {good}'
            if good else f'{work_dir} holds no complete checkpoint: train again without --resume')


def resume_checkpoint(work_dir: str, requested: Optional[str] = None) -> Optional[str]:
    """The checkpoint to resume from: ``requested``, or (``None``) the one ``last_checkpoint``
    of ``work_dir`` names, else None (nothing to resume: training starts from scratch).

    When ``last_checkpoint`` names an incomplete file, the latest complete checkpoint of
    ``work_dir`` is used instead, with a warning naming both.

    Raises:
        FileNotFoundError: ``requested`` does not exist.
        IncompleteCheckpointError: ``requested`` is incomplete, or ``last_checkpoint`` names an
            incomplete file and no complete one is left; the message names the file and the
            complete checkpoint to use.
    """
    if requested is not None:
        if not osp.isfile(requested):
            raise FileNotFoundError(f'--resume {requested}: no such file')
        if not checkpoint_is_complete(requested):
            raise IncompleteCheckpointError(
                f'--resume {requested}: the checkpoint is incomplete (a truncated archive; was '
                f'the run killed while writing it?); '
                + _instead(osp.dirname(osp.abspath(requested))))
        return requested
    last = osp.join(work_dir, 'last_checkpoint')
    if not osp.isfile(last):
        return None
    with open(last) as f:
        named = f.read().strip()
    if checkpoint_is_complete(named):
        return named
    good = latest_complete_checkpoint(work_dir)
    if good is None:
        raise IncompleteCheckpointError(
            f'--resume: {last} names {named or "nothing"}, which is incomplete or missing; '
            + _instead(work_dir))
    warnings.warn(f'--resume: {last} names {named}, which is incomplete or missing (was the run '
                  f'killed while writing it?); resuming from the latest complete checkpoint '
                  f'{good}')
    return good
