"""tools/benchmark: the mini-benchmark's bookkeeping and short real runs of both benchmarks."""
import json
import os
import os.path as osp
import subprocess
import sys

import pytest

from conftest import REPO_ROOT, demo_batch, load_script


def load_tool(name):
    return load_script(f'tools/benchmark/{name}.py')


def fake_run(ap, train_seconds=10.0):
    return {'coco/bbox_mAP': ap, 'coco/bbox_mAP_50': ap + 0.1, 'coco/bbox_mAP_75': ap - 0.05,
            'train_seconds': train_seconds}


def test_gap_recovered_and_seed_spread():
    mini = load_tool('compare')
    teacher = fake_run(0.50)
    students = {'plain': [fake_run(0.30), fake_run(0.32)],   # mean 31.0
                'ld': [fake_run(0.40), fake_run(0.36)]}      # mean 38.0
    rows = mini.report_rows(teacher, students)
    assert [r['key'] for r in rows] == ['teacher', 'plain', 'ld']
    assert rows[2]['recovered'] == pytest.approx(100 * (38.0 - 31.0) / (50.0 - 31.0))
    assert rows[1]['recovered'] is None
    assert mini.summarise([30.0, 32.0]) == '31.0 ± 1.0'
    assert mini.summarise([30.0]) == '30.0'


class FakeStage:
    def __init__(self, done, iters, per_iter):
        self.spec = {'iters': iters}
        self.done, self.per_iter = done, per_iter

    def iterations(self):
        return self.done, self.per_iter

    def remaining(self):
        return None if self.per_iter is None else (self.spec['iters'] - self.done) * self.per_iter


def test_eta_counts_running_and_waiting_stages():
    compare = load_tool('compare')
    running = [FakeStage(100, 600, 0.5), FakeStage(300, 600, 1.5)]  # 250 s and 450 s left
    waiting = [{'iters': 600}, {'iters': 600}]  # 1200 iterations at the mean 1.0 s/it
    assert compare.overall_eta(running, waiting, jobs=2) == pytest.approx((250 + 450 + 1200) / 2)
    assert compare.overall_eta([FakeStage(0, 600, None)], waiting, jobs=2) is None
    assert compare.format_duration(3725.4) == '1:02:05'


class SleepingStage(FakeStage):
    """A stage whose worker is a real process that would run for a minute."""

    def __init__(self, spec, args, threads):
        super().__init__(0, spec['iters'], None)
        self.spec = spec
        self.process = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])
        self.log_handle = open(os.devnull, 'w')
        SleepingStage.started.append(self)


def test_an_interrupted_comparison_stops_its_workers(monkeypatch):
    compare = load_tool('compare')
    SleepingStage.started = []
    monkeypatch.setattr(compare, 'Stage', SleepingStage)
    monkeypatch.setattr(compare, 'cached', lambda spec: None)

    def interrupt(seconds):
        raise KeyboardInterrupt

    monkeypatch.setattr(compare.time, 'sleep', interrupt)
    specs = [{'name': f'plain_seed{i}', 'config': 'c.py', 'iters': 600} for i in range(3)]
    args = type('Args', (), {'jobs': 2, 'progress_interval': 60.0})()
    with pytest.raises(KeyboardInterrupt):
        compare.run_stages(specs, args, threads=1)
    assert len(SleepingStage.started) == 2  # two slots; the third never started
    for stage in SleepingStage.started:
        assert stage.process.poll() is not None  # terminated, not left running orphaned


@pytest.mark.slow
def test_mini_benchmark_runs_caches_and_reports(tmp_path):
    out = tmp_path / 'report' / 'mini.md'
    command = [sys.executable, str(REPO_ROOT / 'tools/benchmark/mini.py'), '--teacher-iters', '2',
               '--student-iters', '2', '--num-train', '8', '--num-val', '4', '--image-size',
               '64', '--seeds', '0', '1', '--methods', 'ld', '--work-dir',
               str(tmp_path / 'work'), '--data-root', str(tmp_path / 'data'), '--out', str(out),
               '--progress-interval', '2']
    first = subprocess.run(command, capture_output=True, text=True, timeout=900, cwd=REPO_ROOT)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    text = out.read_text()
    for label in ('teacher (gfl_r34_fpn128_synthetic)', 'plain student', 'LD (full recipe)'):
        assert f'| {label} |' in text
    assert 'below 5: this run measures nothing' in text  # 2 iterations teach nothing
    assert (tmp_path / 'report' / 'mini.png').read_bytes()[:4] == b'\x89PNG'
    assert 'running: ' in first.stdout  # progress lines
    second = subprocess.run(command, capture_output=True, text=True, timeout=900, cwd=REPO_ROOT)
    assert second.returncode == 0
    assert second.stdout.count(': cached (') == 5  # teacher + 2 plain + 2 LD, nothing retrained
    assert 'training configs' not in second.stdout


@pytest.mark.slow
def test_speed_benchmark_reports_ratios_and_ld_head_parity(tmp_path):
    speed = load_tool('speed')
    out = tmp_path / 'speed.md'
    result = speed.main(['--size', '64', '96', '--batch', '1', '--reps', '1', '--methods',
                         'LD (full recipe)', 'LD (full recipe), two teachers', '--amp', 'both',
                         '--out', str(out)])
    step, two, amp_step, amp_two = result['steps']
    assert [r['amp'] for r in result['steps']] == [False, False, True, True]
    assert amp_two['ratio'] == pytest.approx(
        amp_two['distill'] / (amp_two['plain'] + 2 * amp_two['teacher']))
    assert 'mixed precision (torch.bfloat16)' in out.read_text()  # the CPU path of --amp
    assert all(row['ratio_both'] == pytest.approx(row['distill'] / row['both'])
               for row in result['steps'] if row['teachers'] == 1)  # one round: the medians
    for row in result['steps']:  # peak memory above the idle model, from the profiler on CPU
        assert row['peak'] > 0 and row['peak_plain'] > 0 and row['peak_teacher'] > 0
        assert row['memory_ratio'] == pytest.approx(
            row['peak'] / (row['peak_plain'] + row['teachers'] * row['peak_teacher']))
    assert step['ratio'] == pytest.approx(step['distill'] / (step['plain'] + step['teacher']))
    assert (step['teachers'], two['teachers']) == (1, 2)
    assert two['ratio'] == pytest.approx(two['distill'] / (two['plain'] + 2 * two['teacher']))
    for ours, theirs in result['ld_head']['values'].values():
        assert ours == pytest.approx(theirs, rel=1e-4)  # float32 sums in another order
    assert [r['num_gts'] for r in result['assigners']] == [10, 100]
    assert all(r['same_positives'] for r in result['assigners'])
    assert '| LD (full recipe) |' in out.read_text()


def test_peak_bytes_follows_allocations_and_frees():
    import torch
    speed = load_tool('speed')

    def work():  # 4 MB alive, then 4 + 4, one freed, then 4 + 8: peak 12 MB
        a = torch.ones(1000, 1000)
        b = a * 2
        del a
        c = torch.ones(2000, 1000)
        return float(b.sum() + c.sum())

    assert speed.peak_bytes(work, 'cpu') == pytest.approx(12e6, rel=0.01)


def _shapes_dataset(root, rotated: bool):
    """8 train / 2 val images of 64 px with one or two boxes each, in YOLO or DOTA labels."""
    import numpy as np
    from PIL import Image
    rng = np.random.default_rng(0)
    if not rotated:
        (root / 'data.yaml').parent.mkdir(parents=True, exist_ok=True)
        (root / 'data.yaml').write_text('names: [square, bar]\n')
    for split, count in (('train', 8), ('valid' if not rotated else 'val', 2)):
        for i in range(count):
            pixels = rng.integers(0, 60, (64, 64, 3), dtype=np.uint8)
            x, y = rng.integers(8, 32, 2)
            pixels[y:y + 20, x:x + 20] = 230
            (root / split / 'images').mkdir(parents=True, exist_ok=True)
            Image.fromarray(pixels).save(root / split / 'images' / f'{i}.jpg')
            folder = root / split / ('labelTxt' if rotated else 'labels')
            folder.mkdir(parents=True, exist_ok=True)
            if rotated:
                line = f'{x} {y} {x + 20} {y} {x + 20} {y + 20} {x} {y + 20} square 0'
            else:
                line = f'0 {(x + 10) / 64} {(y + 10) / 64} {20 / 64} {20 / 64}'
            (folder / f'{i}.txt').write_text(line + '\n')
    return root


@pytest.mark.slow
@pytest.mark.parametrize('fmt,family,methods,teacher_seeds', [
    ('yolo', 'gfl', ['bckd'], ['0', '1']), ('dota', 'rotated-fcos', ['ld', 'bckd'], ['0'])])
def test_compare_on_a_converted_dataset(fmt, family, methods, teacher_seeds, tmp_path):
    """Your own labels -> tools/convert_dataset.py -> compare.py: the classes come from the data
    (2 for YOLO, 1 for DOTA), the report names the data and its metrics; with two teacher seeds,
    the methods also run from the second teacher alone and from both."""
    src = _shapes_dataset(tmp_path / 'src', rotated=fmt == 'dota')
    data = tmp_path / 'data'
    convert = subprocess.run([sys.executable, str(REPO_ROOT / 'tools/convert_dataset.py'),
                              '--format', fmt, '--src', str(src), '--out', str(data),
                              '--quiet'], capture_output=True, text=True, timeout=300)
    assert convert.returncode == 0, convert.stderr
    out = tmp_path / 'report.md'
    command = [sys.executable, str(REPO_ROOT / 'tools/benchmark/compare.py'), '--data',
               str(data), '--img-size', '64', '--teacher-iters', '2', '--student-iters', '2',
               '--seeds', '0', '--methods', *methods, '--work-dir', str(tmp_path / 'work'),
               '--teacher-seeds', *teacher_seeds,
               '--out', str(out), '--credit', 'made up for this test']
    proc = subprocess.run(command, capture_output=True, text=True, timeout=900, cwd=REPO_ROOT)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    text = out.read_text()
    assert f'# {family} distillation on `data_' in text
    assert ('DOTA mAP (IoU 0.5) | mAP 0.5:0.95' if fmt == 'dota' else 'COCO mAP | AP50') in text
    assert 'Data credit: made up for this test' in text
    classes = '1 classes: square' if fmt == 'dota' else '2 classes: square, bar'
    assert classes in text
    spec = json.loads(next((tmp_path / 'work').rglob(f'{methods[0]}_seed0.spec.json'))
                      .read_text())
    teacher = spec['overrides']['model.teacher_config']
    assert teacher['bbox_head']['num_classes'] == (1 if fmt == 'dota' else 2)
    if len(teacher_seeds) > 1:
        for label in ('teacher (gfl_r34_fpn128_synthetic), seed 1', 'BCKD, teacher seed 1 alone',
                      'BCKD, teachers 0 + 1 averaged'):
            assert f'| {label} |' in text
        spec = json.loads(next((tmp_path / 'work').rglob('bckd_2teachers_seed0.spec.json'))
                          .read_text())
        teachers = spec['overrides']['model.teachers']
        assert teachers['seed0']['ckpt'] != teachers['seed1']['ckpt']
        assert all(osp.isfile(REPO_ROOT / t['ckpt']) or osp.isfile(t['ckpt'])
                   for t in teachers.values())


def test_compare_refuses_data_without_meta_and_a_family_of_the_other_format(tmp_path):
    compare = load_tool('compare')
    with pytest.raises(SystemExit):
        compare.parse_args(['--data', str(tmp_path)])
    data = _shapes_dataset(tmp_path / 'src', rotated=True)
    from ld_plugin.datasets.converters import ConvertOptions, convert
    convert('dota', data, tmp_path / 'dota', ConvertOptions(), log=lambda *_: None)
    args = compare.parse_args(['--data', str(tmp_path / 'dota')])
    assert args.family == 'rotated-fcos' and args.format == 'dota' and args.img_suffix == 'jpg'
    assert args.methods == ['ld', 'ld-dense-kd', 'bckd']
    with pytest.raises(SystemExit):
        compare.parse_args(['--data', str(tmp_path / 'dota'), '--family', 'gfl'])
    own = 'configs/rotated/mini/ld_rotated-fcos-dist_r34_r18w16_synthetic-dota.py'
    args = compare.parse_args(['--data', str(tmp_path / 'dota'), '--method', f'mine={own}'])
    assert args.methods == ['mine'] and args.configs['mine'] == own
    with pytest.raises(SystemExit):
        compare.parse_args(['--data', str(tmp_path / 'dota'), '--method', 'mine=nowhere.py'])


def test_paths_typed_by_the_user_are_read_from_their_working_directory(tmp_path, monkeypatch):
    compare = load_tool('compare')
    monkeypatch.chdir(tmp_path)
    assert compare.from_user('data/mine') == str(tmp_path / 'data' / 'mine')  # outside the repo
    monkeypatch.chdir(REPO_ROOT / 'docs')
    assert compare.from_user('../data/real/x') == 'data/real/x'  # inside: relative to the root
    assert compare.from_user(None) is None


def test_feature_adapters_follow_another_teachers_fpn_width():
    """With a teacher of another FPN width, PFI / imitation / PKD adapters take its width, and the
    adapted student builds and trains against that teacher (no channel error)."""
    import torch
    from mmengine.config import Config

    from ld_plugin.utils.experiment import prepare_config
    from ld_plugin.utils.families import FAMILIES
    compare = load_tool('compare')
    methods = FAMILIES['gfl']['methods']
    narrow = Config.fromfile(str(REPO_ROOT / 'configs/mini/gfl_r18w16_fpn64_synthetic.py'))
    default = Config.fromfile(str(REPO_ROOT / FAMILIES['gfl']['teacher']))
    key = 'model.bbox_head.distill_terms.loss_imitation.loss.teacher_channels'
    assert compare.adapter_overrides(methods['fi-gibox'], narrow) == {key: 64}
    assert compare.adapter_overrides(methods['fi-gibox'], default) == {}
    assert compare.adapter_overrides(methods['ld'], narrow) == {}
    assert 'loss_pkd' in ''.join(compare.adapter_overrides(methods['crosskd-pkd'], narrow))

    from mmdet.registry import MODELS
    from mmdet.utils import register_all_modules
    register_all_modules()
    overrides = {'model.teacher_config': dict(narrow.model.to_dict(), _delete_=True),
                 'model.teacher_ckpt': None, 'model.allow_random_teacher': True,
                 **compare.adapter_overrides(methods['fi-gibox'], narrow)}
    cfg, _ = prepare_config(str(REPO_ROOT / methods['fi-gibox']), 1, 'unused', 'unused', 0,
                            overrides=overrides)
    model = MODELS.build(cfg.model)
    inputs, samples = demo_batch(model, num_classes=len(cfg.model.bbox_head.get('classes', []))
                                 or cfg.model.bbox_head.num_classes, size=96)
    losses = model.loss(inputs, samples)
    assert torch.isfinite(losses['loss_imitation']) and losses['loss_imitation'] > 0


def test_teacher_seeds_add_each_teacher_alone_and_all_averaged():
    from types import SimpleNamespace

    from mmengine.config import Config

    from ld_plugin.utils.families import FAMILIES
    compare = load_tool('compare')
    methods = FAMILIES['gfl']['methods']
    model = Config.fromfile(str(REPO_ROOT / 'configs/mini/gfl_r18w16_fpn64_synthetic.py')).model
    teachers = {0: ({'checkpoint': 't0.pth'}, model.to_dict()),
                3: ({'checkpoint': 't3.pth'}, model.to_dict())}
    args = SimpleNamespace(configs=methods)
    variants = compare.student_variants('rm-pfi', teachers, args)
    assert [(name, label) for name, label, _ in variants] == [
        ('rm-pfi', 'RM + PFI'), ('rm-pfi_tseed3', 'RM + PFI, teacher seed 3 alone'),
        ('rm-pfi_2teachers', 'RM + PFI, teachers 0 + 3 averaged')]
    assert variants[1][2]['model.teacher_ckpt'] == 't3.pth'
    ensemble = variants[2][2]
    assert {n: t['ckpt'] for n, t in ensemble['model.teachers'].items()} == \
        {'seed0': 't0.pth', 'seed3': 't3.pth'}
    terms = ensemble['model.bbox_head.distill_terms']
    # the adapters follow the teachers' width (64) in every copy of the PFI term
    assert terms['loss_pfi_seed0']['loss']['teacher_channels'] == 64
    assert terms['loss_pfi_seed3']['teacher'] == 'seed3'
    # CrossKD reads one teacher's head: no averaged variant, the single ones remain
    assert [name for name, _, _ in compare.student_variants('crosskd', teachers, args)] == \
        ['crosskd', 'crosskd_tseed3']
    only = {0: teachers[0]}
    assert [name for name, _, _ in compare.student_variants('ld', only, args)] == ['ld']
