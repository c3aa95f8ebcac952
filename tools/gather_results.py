"""Measured AP of trained configs beside the published numbers, as a markdown table.

    python tools/gather_results.py configs/ld/ld_r50-gflv1-r101_fpn_1x_coco.py work_dirs/my_run \\
        [--work-dir-root work_dirs] [--json CONFIG_STEM=results.json ...] [--out table.md]

Each target is a config file (its results are read from ``<work-dir-root>/<config stem>``, the
mmengine default) or a work dir (its config is the ``<stem>.py`` mmengine dumped there).
``--json`` gives a config's metrics from a file instead: one JSON object of metrics or an
mmengine scalars log. The paper's numbers come from the metafiles (``configs/*/metafile.yml``,
matched by config stem); each cell reads ``measured (paper, measured - paper)`` in percent.
"""
import argparse
import glob
import os.path as osp
import sys

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)

from ld_plugin.utils.results import (  # noqa: E402
    ResultRow,
    config_stem_of_work_dir,
    load_metafiles,
    markdown_table,
    read_metrics_file,
    read_work_dir,
    to_columns,
)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('targets', nargs='*', help='config files or mmengine work dirs')
    parser.add_argument('--work-dir-root', default='work_dirs',
                        help='where config targets were trained (default: work_dirs)')
    parser.add_argument('--json', nargs='+', default=[], metavar='CONFIG_STEM=FILE',
                        help='metrics of a config from a JSON file')
    parser.add_argument('--metafile', nargs='+', default=None,
                        help='metafiles with the paper numbers (default: configs/*/metafile.yml)')
    parser.add_argument('--out', help='also write the table to this markdown file')
    args = parser.parse_args(argv)
    if not args.targets and not args.json:
        parser.error('give at least one config, work dir or --json CONFIG_STEM=FILE')
    return args


def collect_rows(args: argparse.Namespace) -> list:
    metafiles = args.metafile or sorted(glob.glob(osp.join(ROOT, 'configs', '*', 'metafile.yml')))
    papers = load_metafiles(metafiles)
    rows = []
    for target in args.targets:
        if osp.isdir(target):
            stem, metrics = config_stem_of_work_dir(target), read_work_dir(target)
        elif osp.isfile(target) and target.endswith('.py'):
            stem = osp.splitext(osp.basename(target))[0]
            metrics = read_work_dir(osp.join(args.work_dir_root, stem))
        else:
            raise SystemExit(f'error: {target!r} is neither a config file (.py) nor a work '
                             'dir; pass a config of configs/ or the work dir of a run')
        rows.append((stem, metrics))
    for item in args.json:
        stem, sep, path = item.partition('=')
        if not sep or not osp.isfile(path):
            raise SystemExit(f'error: --json {item!r}: expected CONFIG_STEM=FILE with an '
                             'existing file')
        try:
            rows.append((osp.splitext(osp.basename(stem))[0], read_metrics_file(path)))
        except ValueError as error:
            raise SystemExit(f'error: --json {item!r}: {error}')
    result = []
    for stem, metrics in rows:
        paper = papers.get(stem, {})
        if stem not in papers:
            print(f'note: {stem} is in no metafile; its paper columns stay empty',
                  file=sys.stderr)
        if metrics is None:
            print(f'note: no evaluation found for {stem} (train or test it first)',
                  file=sys.stderr)
        result.append(ResultRow(stem, to_columns(metrics or {}), paper.get('metrics', {}),
                                paper.get('metafile', '')))
    return result


def main(argv=None) -> str:
    args = parse_args(argv)
    table = markdown_table(collect_rows(args))
    print(table)
    if args.out:
        with open(args.out, 'w') as f:
            f.write(table + '\n')
    return table


if __name__ == '__main__':
    main()
