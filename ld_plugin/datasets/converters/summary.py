"""The conversion summary: counts per split and class, drops and repairs; as a dict (stored in
``meta.json``) and as a printed table."""
from __future__ import annotations

from typing import Dict, List, Sequence, Tuple

from .records import DROP_REASONS, REPAIRS, Problems
from .writers import OutputImage

__all__ = ['build_summary', 'format_summary']


def build_summary(classes: Sequence[str], splits: Dict[str, List[OutputImage]],
                  problems: Problems, left_out: Tuple[int, int] = (0, 0)) -> dict:
    """Summary dict.

    Keys: ``splits`` ``{split: {images, boxes, empty_images, difficult}}`` and ``total``
    (difficult counts VOC/DOTA difficult and COCO crowd objects); ``per_class`` ``{split or
    'total': {class: boxes}}``; ``left_out`` ``{images, boxes}`` (images in no split list,
    ``left_out``); ``boxes_read`` (= written + dropped + left out); ``dropped`` ``{reason:
    {why, count, per_split, per_class, examples}}`` and ``dropped_total``; ``boxes_clipped``;
    ``images_resized``; ``repairs`` ``{kind: {what, count, examples}}`` (every other repair).
    """
    table: Dict[str, dict] = {}
    per_class: Dict[str, Dict[str, int]] = {}
    for split, images in splits.items():
        objects = [obj for image in images for obj in image.objects]
        table[split] = dict(images=len(images), boxes=len(objects),
                            empty_images=sum(not image.objects for image in images),
                            difficult=sum(bool(o.difficult or o.crowd) for o in objects))
        per_class[split] = {c: 0 for c in classes}
        for obj in objects:
            per_class[split][classes[obj.label]] += 1
    table_total = {k: sum(row[k] for row in table.values())
                   for k in ('images', 'boxes', 'empty_images', 'difficult')}
    per_class['total'] = {c: sum(per_class[s][c] for s in splits) for c in classes}
    dropped = {reason: dict(why=why, count=problems.counts[reason],
                            per_split=dict(problems.split_counts.get(reason, {})),
                            per_class={classes[i]: n for i, n in sorted(
                                problems.label_counts.get(reason, {}).items())},
                            examples=problems.examples.get(reason, []))
               for reason, why in DROP_REASONS.items() if problems.counts.get(reason)}
    dropped_total = sum(d['count'] for d in dropped.values())
    repairs = {kind: dict(what=what, count=problems.counts[kind],
                          examples=problems.examples.get(kind, []))
               for kind, what in REPAIRS.items() if problems.counts.get(kind)}
    return dict(splits=table, total=table_total, per_class=per_class,
                left_out=dict(images=left_out[0], boxes=left_out[1]),
                boxes_read=table_total['boxes'] + dropped_total + left_out[1], dropped=dropped,
                dropped_total=dropped_total, boxes_clipped=problems.counts.get('clipped', 0),
                images_resized=problems.counts.get('resized', 0), repairs=repairs)


def _table(header: Sequence[str], rows: Sequence[Sequence]) -> List[str]:
    cells = [[str(c) for c in header]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    return ['  '.join(c.ljust(w) if i == 0 else c.rjust(w)
                      for i, (c, w) in enumerate(zip(row, widths))) for row in cells]


def format_summary(summary: dict) -> str:
    """The summary as text: images left out (first, when any), a split table, a boxes-per-class
    table, then drops and repairs with the first examples (file:line, XML object or COCO
    annotation id)."""
    splits = list(summary['splits'])
    keys = ('images', 'boxes', 'empty_images', 'difficult')
    rows = [[s] + [summary['splits'][s][k] for k in keys] for s in splits]
    rows.append(['total'] + [summary['total'][k] for k in keys])
    left = summary.get('left_out', {}).get('images', 0)
    lines = [f'LEFT OUT: {left} images with {summary["left_out"]["boxes"]} boxes (in no split '
             'list; not in the tables below)', ''] if left else []
    lines += _table(['split', 'images', 'boxes', 'empty images', 'difficult'], rows)
    lines.append('')
    classes = list(summary['per_class']['total'])
    lines += _table(['class'] + splits + ['total'],
                    [[c] + [summary['per_class'][s][c] for s in splits + ['total']]
                     for c in classes])
    lines.append('')
    lines.append(f'boxes read {summary["boxes_read"]}, written {summary["total"]["boxes"]}, '
                 f'dropped {summary["dropped_total"]}'
                 + (f', left out with their images {summary["left_out"]["boxes"]}' if left else ''))
    for info in summary['dropped'].values():
        parts = [', '.join(f'{k} {n}' for k, n in info[key].items())
                 for key in ('per_split', 'per_class') if info[key]]
        lines.append(f'  dropped, {info["why"]}: {info["count"]}'
                     + (f' ({"; ".join(parts)})' if parts else ''))
        lines += [f'      e.g. {e}' for e in info['examples']]
    for info in summary['repairs'].values():
        lines.append(f'  {info["what"]}: {info["count"]}')
        lines += [f'      e.g. {e}' for e in info['examples']]
    if not summary['dropped'] and not summary['repairs']:
        lines.append('  nothing dropped, clipped or resized')
    return '\n'.join(lines)
