"""Measured results of mmengine work dirs beside the published numbers of the metafiles.

Used by ``tools/gather_results.py``. Metrics are reported in percent under the metafiles'
column names: ``box AP``, ``AP50``, ``AP75``, ``APs``, ``APm``, ``APl``.
"""
import glob
import json
import os.path as osp
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional

import yaml

#: metafile column -> the evaluator keys that measure it, first found wins. VOC: the
#: metafiles' AP50 is VOCMetric's mAP@0.5; DOTA: mAP at IoU 0.5 and the COCO-style mean.
COLUMNS: Dict[str, tuple] = {
    'box AP': ('coco/bbox_mAP', 'dota_coco/mAP'),
    'AP50': ('coco/bbox_mAP_50', 'pascal_voc/mAP', 'dota/mAP', 'dota_coco/AP50'),
    'AP75': ('coco/bbox_mAP_75', 'dota_coco/AP75'),
    'APs': ('coco/bbox_mAP_s',),
    'APm': ('coco/bbox_mAP_m',),
    'APl': ('coco/bbox_mAP_l',),
}


@dataclass
class ResultRow:
    """One config: its measured metrics and the paper's (both in percent, by column)."""
    name: str
    measured: Dict[str, float] = field(default_factory=dict)
    paper: Dict[str, float] = field(default_factory=dict)
    source: str = ''


def load_metafiles(paths: Iterable[str]) -> Dict[str, dict]:
    """Metafile models by config stem: ``{stem: {'metrics': {...}, 'dataset': ...}}``."""
    models = {}
    for path in paths:
        with open(path) as f:
            meta = yaml.safe_load(f) or {}
        for model in meta.get('Models', []):
            metrics, dataset = {}, ''
            for result in model.get('Results', []) or []:
                metrics.update({k: float(v) for k, v in result.get('Metrics', {}).items()})
                dataset = result.get('Dataset', dataset)
            stem = osp.splitext(osp.basename(model['Config']))[0]
            models[stem] = dict(metrics=metrics, dataset=dataset, metafile=path)
    return models


def to_columns(raw: Dict[str, float]) -> Dict[str, float]:
    """Evaluator metrics (fractions) -> metafile columns in percent."""
    columns = {}
    for column, keys in COLUMNS.items():
        for key in keys:
            if key in raw and raw[key] is not None and raw[key] >= 0:  # COCO uses -1 for n/a
                columns[column] = 100.0 * float(raw[key])
                break
    return columns


def _metric_records(lines: Iterable[str]) -> List[dict]:
    records = []
    for line in lines:
        line = line.strip()
        if not line:
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(record, dict) and any(k in record for keys in COLUMNS.values()
                                            for k in keys):
            records.append(record)
    return records


def read_metrics_file(path: str) -> Dict[str, float]:
    """The last evaluation in a JSON file: an mmengine scalars log (one JSON object per line)
    or one JSON object of metrics (``tools/test.py`` results, ``demo_result.json``)."""
    with open(path) as f:
        text = f.read()
    try:
        whole = json.loads(text)
    except json.JSONDecodeError:
        whole = None
    records = _metric_records([json.dumps(whole)] if isinstance(whole, dict)
                              else text.splitlines())
    if not records:
        raise ValueError(f'{path} has no evaluation metrics (expected keys such as '
                         "'coco/bbox_mAP', 'pascal_voc/mAP' or 'dota/mAP')")
    return records[-1]


def read_work_dir(work_dir: str) -> Optional[Dict[str, float]]:
    """The last evaluation of the newest run in an mmengine work dir, or None if none ran.

    mmengine writes each run's scalars to ``<work_dir>/<timestamp>/<timestamp>.json``; a
    validation and a following test both land there, the last one wins.
    """
    for log in sorted(glob.glob(osp.join(work_dir, '*', '*.json')), reverse=True):
        try:
            return read_metrics_file(log)
        except ValueError:
            continue
    return None


def config_stem_of_work_dir(work_dir: str) -> str:
    """The config a work dir was trained from: mmengine dumps it as ``<stem>.py`` there."""
    dumped = sorted(glob.glob(osp.join(work_dir, '*.py')))
    if len(dumped) == 1:
        return osp.splitext(osp.basename(dumped[0]))[0]
    return osp.basename(osp.normpath(work_dir))


def markdown_table(rows: List[ResultRow], columns: Iterable[str] = tuple(COLUMNS)) -> str:
    """``measured (paper, difference)`` per column; columns nobody has are left out."""
    columns = [c for c in columns if any(c in r.measured or c in r.paper for r in rows)]
    lines = ['| config | ' + ' | '.join(columns) + ' |', '|---' * (len(columns) + 1) + '|']
    for row in rows:
        cells = []
        for column in columns:
            measured, paper = row.measured.get(column), row.paper.get(column)
            if measured is None:
                cells.append('—' if paper is None else f'not run ({paper:.1f})')
            elif paper is None:
                cells.append(f'{measured:.1f}')
            else:
                cells.append(f'{measured:.1f} ({paper:.1f}, {measured - paper:+.1f})')
        lines.append(f'| {row.name} | ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines)
