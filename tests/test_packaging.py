"""Packaged the OpenMMLab way: ``ld_plugin::`` configs from outside the repository (``_base_``,
teachers, ``mmengine.hub``), package metadata, and a regular (non-editable) install in a
temporary venv that reuses the installed stack and trains through ``mim train ld_plugin``."""
import os
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import pytest
import torch
from mmengine.config import Config

from ld_plugin.utils.package_scope import MIM_DIR, plugin_config_dir

from conftest import REPO_ROOT, demo_batch

OUTSIDE_CONFIG = """
_base_ = ['ld_plugin::mini/ld_gfl_r34_r18w16_synthetic.py',
          'ld_plugin::_base_/distill/kd_terms.py']
model = dict(teacher_config='ld_plugin::mini/gfl_r18w32_fpn128_synthetic.py',
             teacher_ckpt=None, allow_random_teacher=True,
             bbox_head=dict(distill_terms=dict(loss_bckd_cls={{_base_.bckd_cls}})))
"""


def write_outside_config(folder: Path, extra: str = '') -> Path:
    path = folder / 'my_distill.py'
    path.write_text(textwrap.dedent(OUTSIDE_CONFIG) + textwrap.dedent(extra))
    return path


def test_editable_install_links_the_packaged_configs():
    assert (MIM_DIR / 'configs').resolve() == (REPO_ROOT / 'configs').resolve()
    assert (MIM_DIR / 'tools' / 'train.py').resolve() == (REPO_ROOT / 'tools/train.py').resolve()
    assert plugin_config_dir().resolve() == (REPO_ROOT / 'configs').resolve()


def test_ld_plugin_bases_and_teachers_from_a_config_outside_the_repository(
        tmp_path, monkeypatch, registry_scope):
    from mmdet.registry import MODELS
    from mmengine.hub import get_config
    monkeypatch.chdir(tmp_path)  # nothing relative to the repository can be found from here
    cfg = Config.fromfile(str(write_outside_config(tmp_path)))
    head = cfg.model.bbox_head
    assert cfg.model.type == 'ld_plugin.DistillSingleStageDetector'
    assert set(head.distill_terms) == {'loss_ld', 'loss_vlr_ld', 'loss_kd', 'loss_bckd_cls'}
    assert head.distill_terms.loss_bckd_cls.loss.type == 'ld_plugin.BinaryClassificationKDLoss'
    # an ld_plugin:: base is read like a base given by its path: no scope of its own, so its
    # parts build in the inheriting config's (mmdet's) registries
    assert '_scope_' not in head.distill_terms.loss_bckd_cls.loss
    assert cfg.model.get('_scope_') == 'mmdet'
    teacher = get_config('ld_plugin::mini/gfl_r18w32_fpn128_synthetic.py')
    assert teacher.model.neck.out_channels == 128
    model = MODELS.build(cfg.model).train()
    assert model.teacher.neck.fpn_convs[0].conv.out_channels == 128  # the teacher named above
    inputs, samples = demo_batch(model, num_classes=head.num_classes, size=96)
    losses = model.loss(inputs, samples)
    assert torch.isfinite(losses['loss_bckd_cls']) and losses['loss_bckd_cls'] > 0


def test_a_missing_ld_plugin_config_names_the_file(tmp_path):
    bad = tmp_path / 'bad.py'
    bad.write_text("_base_ = 'ld_plugin::mini/no_such_config.py'\n")
    with pytest.raises(FileNotFoundError, match='no_such_config.py'):
        Config.fromfile(str(bad))


def test_package_metadata_declares_the_stack():
    from importlib.metadata import distributions

    import ld_plugin
    # the installed distribution (not an egg-info a build may leave in the working directory)
    (dist,) = distributions(name='ld_plugin', path=[sysconfig.get_paths()['purelib']])
    assert dist.metadata['Version'] == ld_plugin.__version__
    assert dist.metadata['License-Expression'] == 'Apache-2.0'
    required = ' '.join(dist.requires)
    for name in ('torch', 'mmengine', 'mmcv', 'mmdet'):
        assert name in required
    assert 'mmrotate-dev==1.0.1; extra == "rotated"' in required


def _venv_reusing_the_stack(folder: Path) -> Path:
    """A venv without its own packages whose ``sys.path`` ends with this venv's site-packages
    (a ``.pth`` line): torch, mmcv, mmdet and pip come from there, ld_plugin from its own."""
    base = getattr(sys, '_base_executable', sys.executable)
    subprocess.run([base, '-m', 'venv', '--without-pip', str(folder)], check=True)
    python = folder / 'bin' / 'python'
    own = subprocess.run([str(python), '-c', 'import sysconfig; print(sysconfig.get_paths()'
                          '["purelib"])'], capture_output=True, text=True, check=True)
    Path(own.stdout.strip(), 'installed_stack.pth').write_text(
        sysconfig.get_paths()['purelib'] + '\n')
    return python


@pytest.mark.slow
def test_regular_install_in_a_fresh_venv_trains_through_mim(tmp_path):
    """``pip install .`` (a wheel: configs and tools copied into ld_plugin/.mim) with no index,
    so every declared dependency must be met by the installed stack; some of the repository's
    tests against it; then, from a folder outside the repository, ``mim train ld_plugin`` a
    config that inherits ``ld_plugin::``."""
    from ld_plugin.datasets.synthetic import generate_dataset
    source = tmp_path / 'src'  # a copy: building a wheel never touches the working tree
    files = subprocess.run(['git', 'ls-files', '-co', '--exclude-standard'], cwd=REPO_ROOT,
                           capture_output=True, text=True, check=True).stdout.split()
    for name in files:
        if (REPO_ROOT / name).is_file() and not (REPO_ROOT / name).is_symlink():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            (source / name).write_bytes((REPO_ROOT / name).read_bytes())
    python = _venv_reusing_the_stack(tmp_path / 'venv')
    env = dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK='1')
    install = subprocess.run([str(python), '-m', 'pip', 'install', '--no-index',
                              '--no-build-isolation', str(source)], capture_output=True,
                             text=True, env=env, timeout=600)
    assert install.returncode == 0, install.stdout[-3000:] + install.stderr[-3000:]

    outside = tmp_path / 'outside'
    outside.mkdir()
    probe = subprocess.run([str(python), '-c', textwrap.dedent("""
        import ld_plugin, os
        from ld_plugin.utils.package_scope import MIM_DIR, plugin_config_dir
        print(ld_plugin.__file__)
        print(plugin_config_dir())
        print(os.path.islink(MIM_DIR / 'configs'))
        """)], cwd=outside, capture_output=True, text=True, env=env, timeout=300)
    assert probe.returncode == 0, probe.stderr[-3000:]
    package_file, config_dir, linked = probe.stdout.split()[-3:]
    assert package_file.startswith(str(tmp_path / 'venv'))  # not the editable checkout
    assert config_dir.startswith(str(tmp_path / 'venv')) and linked == 'False'
    assert not (source / 'ld_plugin' / '.mim').exists()

    # the repository's tests pass against the installed package (run from outside the copy,
    # whose ld_plugin/ would otherwise shadow it)
    tests = [str(source / 'tests' / name) for name in
             ('test_multi_teacher.py', 'test_teacher_ensemble.py', 'test_stop_distill.py')]
    pytest_run = subprocess.run([str(python), '-m', 'pytest', '-q', '-p', 'no:cacheprovider',
                                 *tests], cwd=outside, capture_output=True, text=True, env=env,
                                timeout=900)
    assert pytest_run.returncode == 0, pytest_run.stdout[-3000:] + pytest_run.stderr[-3000:]
    assert ' passed' in pytest_run.stdout and 'failed' not in pytest_run.stdout

    data = tmp_path / 'data'
    generate_dataset(str(data), num_train=8, num_val=4, img_size=64, seed=0,
                     progress=lambda *a, **k: None)
    loaders = ('train_dataloader', 'val_dataloader', 'test_dataloader')
    config = write_outside_config(outside, '\n'.join(
        [f"{loader} = dict(num_workers=0, persistent_workers=False, "
         f"dataset=dict(data_root='{data}/'))" for loader in loaders]
        + [f"val_evaluator = dict(ann_file='{data}/annotations/instances_val.json')",
           'test_evaluator = val_evaluator',
           'train_cfg = dict(max_iters=2, val_interval=1000)',
           'param_scheduler = []', 'default_hooks = dict(logger=dict(interval=1))', '']))
    train = subprocess.run([str(python), '-m', 'mim', 'train', 'ld_plugin', str(config),
                            '--work-dir', str(tmp_path / 'work')], cwd=outside,
                           capture_output=True, text=True, env=env, timeout=900)
    log = train.stdout + train.stderr
    assert train.returncode == 0, log[-4000:]
    assert 'Iter(train) [2/2]' in log and 'loss_bckd_cls' in log
    assert (tmp_path / 'work' / 'iter_2.pth').is_file()
