"""Reading measured metrics and the metafiles' numbers (tools/gather_results.py)."""
import json

import pytest

from ld_plugin.utils.results import (
    ResultRow,
    config_stem_of_work_dir,
    load_metafiles,
    markdown_table,
    read_metrics_file,
    read_work_dir,
    to_columns,
)

from conftest import REPO_ROOT


def test_columns_of_each_evaluator_in_percent():
    coco = {'coco/bbox_mAP': 0.412, 'coco/bbox_mAP_50': 0.6, 'coco/bbox_mAP_75': 0.45,
            'coco/bbox_mAP_s': -1.0, 'coco/bbox_mAP_m': 0.5, 'coco/bbox_mAP_l': 0.55}
    assert to_columns(coco) == pytest.approx(
        {'box AP': 41.2, 'AP50': 60.0, 'AP75': 45.0, 'APm': 50.0, 'APl': 55.0})
    assert to_columns({'pascal_voc/mAP': 0.812}) == pytest.approx({'AP50': 81.2})
    dota = {'dota/mAP': 0.638, 'dota/AP50': 0.638, 'dota_coco/mAP': 0.391,
            'dota_coco/AP50': 0.63, 'dota_coco/AP75': 0.40}
    assert to_columns(dota) == pytest.approx({'box AP': 39.1, 'AP50': 63.8, 'AP75': 40.0})


def test_metafiles_by_config_stem():
    models = load_metafiles(sorted(REPO_ROOT.glob('configs/*/metafile.yml')))
    assert models['ld_r50-gflv1-r101_fpn_1x_coco']['metrics'] == {
        'box AP': 42.1, 'AP50': 60.3, 'AP75': 45.6}
    rotated = models['rld_r18-rotated-retinanet-dist-hbox-oc-r34_fpn_kld_1x_dota']
    assert rotated['metrics'] == {'box AP': 39.1, 'AP50': 63.8}
    assert rotated['dataset'] == 'DOTA-v1.0'


def test_last_evaluation_of_the_newest_run_wins(tmp_path):
    old, new = tmp_path / '20260101_000000', tmp_path / '20260102_000000'
    for run, aps in ((old, (0.5,)), (new, (0.1, 0.2))):
        run.mkdir()
        lines = [json.dumps({'loss': 1.0, 'step': 1})]
        lines += [json.dumps({'coco/bbox_mAP': ap, 'step': 2}) for ap in aps]
        (run / f'{run.name}.json').write_text('\n'.join(lines) + '\n')
    assert read_work_dir(str(tmp_path))['coco/bbox_mAP'] == 0.2
    (new / f'{new.name}.json').write_text(json.dumps({'loss': 1.0}) + '\n')  # crashed run
    assert read_work_dir(str(tmp_path))['coco/bbox_mAP'] == 0.5
    assert read_work_dir(str(tmp_path / 'missing')) is None


def test_metrics_file_of_one_object_and_a_clear_error(tmp_path):
    one = tmp_path / 'result.json'
    one.write_text(json.dumps({'dota/mAP': 0.3, 'name': 'x'}, indent=2))
    assert read_metrics_file(str(one))['dota/mAP'] == 0.3
    bad = tmp_path / 'bad.json'
    bad.write_text(json.dumps({'loss': 1.0}))
    with pytest.raises(ValueError, match="bad.json has no evaluation metrics"):
        read_metrics_file(str(bad))


def test_config_stem_from_the_dumped_config(tmp_path):
    (tmp_path / 'ld_x.py').write_text('')
    assert config_stem_of_work_dir(str(tmp_path)) == 'ld_x'


def test_table_cells():
    rows = [ResultRow('a', {'box AP': 40.04, 'AP50': 60.0}, {'box AP': 41.0}),
            ResultRow('b', {}, {'box AP': 30.0})]
    assert markdown_table(rows).splitlines() == [
        '| config | box AP | AP50 |', '|---|---|---|',
        '| a | 40.0 (41.0, -1.0) | 60.0 |', '| b | not run (30.0) | — |']
