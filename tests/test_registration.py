"""Plugin parts resolve without the right import: ``import ld_plugin`` registers the rotated
parts too, and ``type='ld_plugin.<Name>'`` makes mmengine import the plugin itself.

Each case runs in a fresh interpreter, where nothing is registered beforehand (case14).
"""
import subprocess
import sys
import textwrap

import pytest

import ld_plugin

from conftest import REPO_ROOT

ROTATED_MINI = 'configs/rotated/mini/rld_rotated-retinanet-dist-kld_r34_r18w16_synthetic-dota.py'
LD_MINI = 'configs/mini/ld_gfl_r34_r18w16_synthetic.py'


def run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, '-c', textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=300, cwd=REPO_ROOT)


BUILD = '''
cfg.model.teacher_ckpt = None
model = MODELS.build(cfg.model)
print('BUILT', type(model).__name__, type(model.bbox_head).__name__)
'''

CASES = {
    # custom_imports=['ld_plugin'] in a rotated config (instead of ld_plugin.rotated)
    'rotated config importing ld_plugin': f'''
        from mmengine.config import Config
        from mmengine.registry import DefaultScope
        import mmrotate.models
        cfg = Config.fromfile('{ROTATED_MINI}', import_custom_modules=False)
        import ld_plugin
        from mmrotate.registry import MODELS
        DefaultScope.get_instance('x', scope_name='mmrotate')
    ''' + textwrap.indent(BUILD, ' ' * 8),
    # no custom_imports at all, mmdet's registry (as `mim train mmdet` builds it)
    '2D config without custom_imports': f'''
        from mmengine.config import Config
        from mmdet.utils import register_all_modules
        register_all_modules()
        cfg = Config.fromfile('{LD_MINI}', import_custom_modules=False)
        from mmdet.registry import MODELS
    ''' + textwrap.indent(BUILD, ' ' * 8),
    # no custom_imports, mmrotate's registry and scope
    'rotated config without custom_imports': f'''
        from mmengine.config import Config
        from mmrotate.utils import register_all_modules
        register_all_modules()
        cfg = Config.fromfile('{ROTATED_MINI}', import_custom_modules=False)
        from mmrotate.registry import MODELS
    ''' + textwrap.indent(BUILD, ' ' * 8),
}


@pytest.mark.parametrize('case', sorted(CASES))
def test_shipped_configs_build_without_the_plugin_import(case):
    proc = run(CASES[case])
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert 'BUILT DistillSingleStageDetector Distill' in proc.stdout


def test_registered_parts_are_package_attributes():
    from mmdet.registry import MODELS, TASK_UTILS
    assert ld_plugin.DistillSingleStageDetector is MODELS.get('DistillSingleStageDetector')
    assert ld_plugin.VLRATSSAssigner is TASK_UTILS.get('VLRATSSAssigner')
    assert MODELS.get('ld_plugin.DistillGFLHead') is ld_plugin.DistillGFLHead
    assert ld_plugin.WITH_ROTATED
    from mmrotate.registry import MODELS as ROTATED_MODELS
    assert ld_plugin.RotatedFCOSDistributionHead is \
        ROTATED_MODELS.get('RotatedFCOSDistributionHead')
    with pytest.raises(AttributeError, match="no attribute or registered part 'GFLHead'"):
        ld_plugin.GFLHead  # mmdet's own parts are not ours  # noqa: B018


def test_a_prefixed_name_imports_the_plugin_for_the_plain_names():
    """One ``ld_plugin.<Name>`` (e.g. the detector's type) makes mmengine import the package,
    after which the unprefixed names of the parts inside resolve too."""
    proc = run('''
        from mmdet.utils import register_all_modules
        register_all_modules()
        from mmdet.registry import MODELS
        MODELS.build(dict(type='ld_plugin.LocalizationDistillationLoss'))
        print('BUILT')
        MODELS.build(dict(type='LocalizationDistillationLoss'))
    ''')
    assert 'BUILT' in proc.stdout, proc.stderr[-2000:]
    # after the prefixed name imported the plugin, the plain name resolves too
    assert proc.returncode == 0, proc.stderr[-2000:]
