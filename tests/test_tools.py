"""Command-line tools run end to end on tiny inputs."""
import subprocess
import sys

import pytest

from ld_plugin.datasets.synthetic import generate_dataset

from conftest import REPO_ROOT, load_script


@pytest.mark.parametrize('config', ['ld_gfl_r34_r18w16_synthetic.py',
                                    'ld_retinanet-dist_r34_r18w16_synthetic.py'])
def test_plot_regions_writes_png(config, tmp_path):
    data = tmp_path / 'data'
    generate_dataset(str(data), num_train=1, num_val=2, img_size=96, seed=4,
                     progress=lambda *a, **k: None)
    out = tmp_path / 'regions.png'
    proc = subprocess.run(
        [sys.executable, str(REPO_ROOT / 'tools/analysis/plot_regions.py'),
         str(REPO_ROOT / 'configs/mini' / config),
         str(data / 'val' / '000000.png'), '--ann',
         str(data / 'annotations' / 'instances_val.json'), '--out', str(out)],
        capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert out.stat().st_size > 1000 and out.read_bytes()[:4] == b'\x89PNG'


def test_plot_regions_rejects_config_without_vlr(tmp_path):
    data = tmp_path / 'data'
    generate_dataset(str(data), num_train=1, num_val=1, img_size=64, seed=4,
                     progress=lambda *a, **k: None)
    proc = subprocess.run(
        [sys.executable, str(REPO_ROOT / 'tools/analysis/plot_regions.py'),
         str(REPO_ROOT / 'configs/mini/gfl_r18w16_fpn64_synthetic.py'),
         str(data / 'val' / '000000.png'), '--ann',
         str(data / 'annotations' / 'instances_val.json'), '--out', str(tmp_path / 'x.png')],
        capture_output=True, text=True, timeout=300)
    assert proc.returncode != 0 and 'VLRATSSAssigner' in proc.stderr


def test_run_demo_rejects_a_method_the_family_lacks():
    proc = subprocess.run(
        [sys.executable, str(REPO_ROOT / 'tools/run_demo.py'), '--family', 'fcos',
         '--methods', 'ld', 'bckd'], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2
    assert "--family fcos has no mini config for ['bckd']; choose from ['ld']" in proc.stderr


def test_run_demo_defaults_to_the_recommended_recipe_where_the_family_has_it():
    run_demo = load_script('tools/run_demo.py')
    assert run_demo.parse_args([]).methods == ['ld-dense-kd']
    assert run_demo.parse_args(['--family', 'rotated-fcos']).methods == ['ld-dense-kd']
    assert run_demo.parse_args(['--family', 'atss']).methods == ['ld']
    assert run_demo.parse_args(['--methods', 'ld', 'bckd']).methods == ['ld', 'bckd']


def test_loss_values_prints_every_term():
    proc = subprocess.run(
        [sys.executable, str(REPO_ROOT / 'tools/analysis/loss_values.py'),
         str(REPO_ROOT / 'configs/mini/bckd_gfl_r34_r18w16_synthetic.py'), '--seed', '1'],
        capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    values = dict(line.split() for line in proc.stdout.splitlines()
                  if line.startswith('  loss_'))
    assert set(values) == {'loss_cls', 'loss_bbox', 'loss_dfl', 'loss_bckd_cls', 'loss_bckd_box'}
    assert all(float(v) >= 0 for v in values.values())


@pytest.mark.parametrize('family', ['gfl', 'rtmdet', 'rtmdet-dist', 'rotated-retinanet',
                                    'rotated-fcos'])
def test_demo_points_every_stage_at_its_data_format(family, tmp_path):
    compare = load_script('tools/benchmark/compare.py')
    from ld_plugin.utils.experiment import METRICS
    from ld_plugin.utils.families import FAMILIES
    args = compare.parse_args(['--family', family, '--work-dir', str(tmp_path), '--methods',
                               *FAMILIES[family]['methods']])
    rotated = family.startswith('rotated')
    assert args.data_root == ('data/synthetic_192px_1500_dota' if rotated
                              else 'data/synthetic_192px_1500')
    configs = FAMILIES[family]
    for name, config in [('teacher', configs['teacher']), ('student', configs['student']),
                         *configs['methods'].items()]:
        spec = compare.stage_spec(name, config, 10, 0, args)
        cfg, config_hash = compare.prepare(spec)
        assert config_hash == spec['hash']
        assert cfg.train_cfg.max_iters == 10 and cfg.work_dir == spec['work_dir']
        for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
            assert cfg[loader].dataset.data_root == args.data_root + '/'
        evaluators = cfg.test_evaluator if rotated else [cfg.test_evaluator]
        prefixes = {e.get('prefix', 'dota' if rotated else 'coco') for e in evaluators}
        reported = {key.split('/')[0] for _, key in METRICS[args.format]}
        assert reported <= prefixes, (config, prefixes)
        if not rotated:
            assert cfg.test_evaluator.ann_file == (
                'data/synthetic_192px_1500/annotations/instances_val.json')


def test_demo_refuses_an_altered_released_teacher(tmp_path, monkeypatch):
    run_demo = load_script('tools/run_demo.py')
    from ld_plugin.utils.families import RELEASED_TEACHERS
    released = dict(RELEASED_TEACHERS['gfl'])
    path = REPO_ROOT / released['checkpoint']
    assert path.is_file(), 'the released demo teacher is committed'
    assert run_demo.sha256(str(path)) == released['sha256']
    altered = tmp_path / 'teacher.pth'
    altered.write_bytes(path.read_bytes()[:-10])
    monkeypatch.setitem(RELEASED_TEACHERS, 'gfl', dict(released, checkpoint=str(altered)))
    with pytest.raises(ValueError, match='--retrain-teacher'):
        run_demo.compare_argv(run_demo.parse_args([]))
    monkeypatch.setitem(RELEASED_TEACHERS, 'gfl', dict(released, checkpoint='nowhere.pth'))
    with pytest.raises(FileNotFoundError, match='is missing'):
        run_demo.compare_argv(run_demo.parse_args([]))
    argv = run_demo.compare_argv(run_demo.parse_args(['--retrain-teacher']))
    assert argv[argv.index('--teacher-iters') + 1] == str(released['iters'])
    assert '--teacher-ckpt' not in argv


def test_demo_verdict_compares_gain_and_seed_spread():
    run_demo = load_script('tools/run_demo.py')

    def rows(plain, ld):
        return [dict(key='teacher', label='teacher', runs=[{'m': 0.5}]),
                dict(key='plain', label='plain', runs=[{'m': v} for v in plain]),
                dict(key='ld', label='LD', runs=[{'m': v} for v in ld])]

    (line,) = run_demo.verdict(rows([0.20, 0.22], [0.25, 0.26]), 'm', 'AP')
    assert '+4.5 AP' in line and 'spread over the seeds 2.0' in line and line.endswith('yes')
    (line,) = run_demo.verdict(rows([0.20, 0.26], [0.25, 0.27]), 'm', 'AP')
    assert 'spread over the seeds 6.0' in line and line.endswith('no')


def test_test_tool_needs_no_teacher_weights(registry_scope):
    """tools/test.py runs a distillation config's student alone: the teacher checkpoint (often
    on another machine) is neither loaded nor needed."""
    from mmdet.registry import MODELS
    from mmengine.config import Config
    test_tool = load_script('tools/test.py')
    cfg = Config.fromfile(str(REPO_ROOT / 'configs/mini/ld_gfl_r34_r18w16_synthetic.py'))
    cfg.model.teacher_ckpt = '/nowhere/teacher.pth'
    test_tool.student_only(cfg)
    model = MODELS.build(cfg.model)
    model.init_weights()  # a training would refuse a random teacher; testing is allowed
    assert model.teacher is not None


def test_publish_checkpoint_keeps_weights_in_half_precision(tmp_path):
    import hashlib

    import torch
    publish = load_script('tools/publish_checkpoint.py')
    weights = {'conv.weight': torch.randn(4, 3), 'bn.num_batches_tracked': torch.tensor(7)}
    source = tmp_path / 'iter_10.pth'
    torch.save({'state_dict': weights, 'meta': {'dataset_meta': {'classes': ('a',)}},
                'optimizer': {'state': {0: torch.randn(1000)}}}, source)
    path, digest = publish.publish(str(source), str(tmp_path / 'zoo' / 'teacher'), fp16=True)
    assert path == str(tmp_path / 'zoo' / f'teacher-{digest[:8]}.pth')
    with open(path, 'rb') as f:
        assert hashlib.sha256(f.read()).hexdigest() == digest
    release = torch.load(path, weights_only=False)
    assert set(release) == {'state_dict', 'meta'}  # no optimizer
    assert release['state_dict']['conv.weight'].dtype == torch.float16
    assert torch.allclose(release['state_dict']['conv.weight'].float(), weights['conv.weight'],
                          atol=1e-3)
    assert release['state_dict']['bn.num_batches_tracked'].item() == 7
    assert release['meta']['dataset_meta']['classes'] == ('a',)
    assert publish.main([str(tmp_path / 'missing.pth'), str(tmp_path / 'x')]) == 2


def test_feature_rms_prints_each_level_of_the_checkpoint(tmp_path, registry_scope):
    """The RMS per FPN level of a saved (seeded random) RTMDet equals the hand computation on
    the same seeded batch; a distillation config is refused with the fix."""
    import re

    import torch
    from mmdet.registry import MODELS
    from mmengine.config import Config
    config = REPO_ROOT / 'configs/mini/rtmdet_r18w16_fpn64_synthetic.py'
    torch.manual_seed(3)
    model = MODELS.build(Config.fromfile(str(config)).model).eval()
    ckpt = tmp_path / 'model.pth'
    torch.save({'state_dict': model.state_dict()}, ckpt)
    tool = REPO_ROOT / 'tools/analysis/feature_rms.py'
    proc = subprocess.run([sys.executable, str(tool), str(config), str(ckpt), '--images', '2'],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    printed = [float(v) for v in re.findall(r'P\d (\d+\.\d)', proc.stdout)]
    example_batch = load_script('tools/analysis/loss_values.py').example_batch
    with torch.no_grad():
        inputs = model.data_preprocessor(example_batch(0, num_images=2), False)['inputs']
        expected = [(f * f).sum().div(f.numel()).sqrt().item() for f in model.extract_feat(inputs)]
    assert len(printed) == len(expected) == 5
    assert printed == pytest.approx(expected, abs=0.051)

    distill = REPO_ROOT / 'configs/mini/bckd_rtmdet_r34_r18w16_synthetic.py'
    refused = subprocess.run([sys.executable, str(tool), str(distill), str(ckpt)],
                             capture_output=True, text=True, timeout=300)
    assert refused.returncode != 0 and 'is a distillation config' in refused.stderr
