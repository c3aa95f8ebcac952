"""Which checkpoint ``--resume`` reads: a truncated one (a run killed while mmengine wrote it in
place) is named with the complete checkpoint to use instead, before anything is built."""
import glob
import logging
import os.path as osp
import re
import zipfile
from typing import List, Optional

from mmengine.logging import print_log

#: the first bytes of a checkpoint in torch's legacy (non-zip) format: a pickle protocol 2
#: header (such a file cannot be checked without reading it whole; it is taken as complete)
LEGACY_HEADER = b'\x80\x02'
#: checkpoints a run can resume from: mmengine's ``iter_N.pth`` / ``epoch_N.pth`` (a
#: ``best_*.pth`` holds no optimizer or scheduler state)
RESUMABLE = re.compile(r'^(iter|epoch)_(\d+)\.pth$')


class IncompleteCheckpointError(ValueError):
    """A checkpoint file that is not a complete torch archive."""


def checkpoint_is_complete(path: str) -> bool:
    """Whether ``path`` is a complete ``torch.save`` archive (a zip file whose central
    directory, written last, is there; a truncated file has none). A file in torch's legacy
    format is taken as complete."""
    if not osp.isfile(path):
        return False
    if zipfile.is_zipfile(path):
        return True
    with open(path, 'rb') as f:
        return f.read(len(LEGACY_HEADER)) == LEGACY_HEADER


def latest_complete_checkpoint(*folders: str) -> Optional[str]:
    """The complete resumable checkpoint (:data:`RESUMABLE`) with the highest iteration /
    epoch number in ``folders``."""
    found: List[tuple] = []
    for folder in dict.fromkeys(folders):  # each once, in order
        for path in glob.glob(osp.join(folder, '*.pth')):
            match = RESUMABLE.match(osp.basename(path))
            if match:
                found.append((int(match.group(2)), path))
    for _, path in sorted(found, reverse=True):
        if checkpoint_is_complete(path):
            return path
    return None


def _instead(*folders: str) -> str:
    good = latest_complete_checkpoint(*folders)
    where = ' or '.join(dict.fromkeys(folders))
    return (f'the latest complete checkpoint there is {good}: resume with --resume {good}'
            if good else f'{where} holds no complete checkpoint: train again without --resume')


def resume_checkpoint(work_dir: str, requested: Optional[str] = None) -> Optional[str]:
    """The checkpoint to resume from: ``requested``, or (``None``) the one ``last_checkpoint``
    of ``work_dir`` names, else None (nothing to resume: training starts from scratch).

    When ``last_checkpoint`` names an incomplete file, the latest complete ``iter_N`` /
    ``epoch_N`` checkpoint of that file's folder (a checkpoint hook's ``out_dir``) or of
    ``work_dir`` is used instead, with a warning in the log naming both.

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
    folders = (osp.dirname(named), work_dir) if named else (work_dir, )
    good = latest_complete_checkpoint(*folders)
    if good is None:
        raise IncompleteCheckpointError(
            f'--resume: {last} names {named or "nothing"}, which is incomplete or missing; '
            + _instead(*folders))
    print_log(f'--resume: {last} names {named}, which is incomplete or missing (was the run '
              f'killed while writing it?); resuming from the latest complete checkpoint {good}',
              logger='current', level=logging.WARNING)
    return good
