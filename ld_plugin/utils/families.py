"""The mini configs per detector family: teacher, plain student and distilled students.

One table for ``tools/run_demo.py`` and ``tools/benchmark/compare.py``. Each family trains on one
data format (``'coco'`` axis-aligned or ``'dota'`` oriented); the distilled students read the
family's teacher. Paths are relative to the repository root.
"""
from typing import Dict

MINI = 'configs/mini'
ROTATED_MINI = 'configs/rotated/mini'

#: family -> teacher, student (plain baseline), methods (method -> distilled config), format
FAMILIES: Dict[str, dict] = {
    'gfl': dict(
        teacher=f'{MINI}/gfl_r34_fpn128_synthetic.py',
        student=f'{MINI}/gfl_r18w16_fpn64_synthetic.py',
        methods={
            'ld': f'{MINI}/ld_gfl_r34_r18w16_synthetic.py',
            'ld-dense-kd': f'{MINI}/ld-dense-kd_gfl_r34_r18w16_synthetic.py',
            'bckd': f'{MINI}/bckd_gfl_r34_r18w16_synthetic.py',
            'rm-pfi': f'{MINI}/rm-pfi_gfl_r34_r18w16_synthetic.py',
            'rm-pfi-norm': f'{MINI}/rm-pfi-norm_gfl_r34_r18w16_synthetic.py',
            'fi-gibox': f'{MINI}/fi-gibox_gfl_r34_r18w16_synthetic.py',
            'crosskd': f'{MINI}/crosskd_gfl_r34_r18w16_synthetic.py',
            'crosskd-pkd': f'{MINI}/crosskd-pkd_gfl_r34_r18w16_synthetic.py',
            'crosskd-ld': f'{MINI}/crosskd-ld_gfl_r34_r18w16_synthetic.py',
        },
        format='coco'),
    **{family: dict(
        teacher=f'{MINI}/{family}-dist_r34_fpn128_synthetic.py',
        student=f'{MINI}/{family}-dist_r18w16_fpn64_synthetic.py',
        methods={'ld': f'{MINI}/ld_{family}-dist_r34_r18w16_synthetic.py'},
        format='coco')
       for family in ('atss', 'retinanet', 'fcos')},
    'rtmdet': dict(
        teacher=f'{MINI}/rtmdet_r34_fpn128_synthetic.py',
        student=f'{MINI}/rtmdet_r18w16_fpn64_synthetic.py',
        methods={method: f'{MINI}/{method}_rtmdet_r34_r18w16_synthetic.py'
                 for method in ('bckd', 'rm-pfi', 'fi-gibox', 'crosskd', 'crosskd-pkd')},
        format='coco'),
    'rtmdet-dist': dict(
        teacher=f'{MINI}/rtmdet-dist_r34_fpn128_synthetic.py',
        student=f'{MINI}/rtmdet-dist_r18w16_fpn64_synthetic.py',
        methods={'ld-dense-kd': f'{MINI}/ld-dense-kd_rtmdet-dist_r34_r18w16_synthetic.py'},
        format='coco'),
    'rotated-retinanet': dict(
        teacher=f'{ROTATED_MINI}/rotated-retinanet-dist-kld_r34_fpn128_synthetic-dota.py',
        student=f'{ROTATED_MINI}/rotated-retinanet-dist-kld_r18w16_fpn64_synthetic-dota.py',
        methods={
            'ld': f'{ROTATED_MINI}/rld_rotated-retinanet-dist-kld_r34_r18w16_synthetic-dota.py',
            'bckd': f'{ROTATED_MINI}/bckd_rotated-retinanet-dist-kld_r34_r18w16_synthetic-dota.py',
            'crosskd':
                f'{ROTATED_MINI}/crosskd_rotated-retinanet-dist-kld_r34_r18w16_synthetic-dota.py',
        },
        format='dota'),
    'rotated-fcos': dict(
        teacher=f'{ROTATED_MINI}/rotated-fcos-dist_r34_fpn128_synthetic-dota.py',
        student=f'{ROTATED_MINI}/rotated-fcos-dist_r18w16_fpn64_synthetic-dota.py',
        methods={
            'ld': f'{ROTATED_MINI}/ld_rotated-fcos-dist_r34_r18w16_synthetic-dota.py',
            'ld-dense-kd':
                f'{ROTATED_MINI}/ld-dense-kd_rotated-fcos-dist_r34_r18w16_synthetic-dota.py',
            'bckd': f'{ROTATED_MINI}/bckd_rotated-fcos-dist_r34_r18w16_synthetic-dota.py',
            'crosskd': f'{ROTATED_MINI}/crosskd_rotated-fcos-dist_r34_r18w16_synthetic-dota.py',
        },
        format='dota'),
}

#: the family a dataset of each format is compared on when none is chosen
DEFAULT_FAMILY = {'coco': 'gfl', 'dota': 'rotated-fcos'}

#: row labels of the reports
LABELS = {'teacher': 'teacher', 'plain': 'plain student', 'ld': 'LD (full recipe)',
          'ld-dense-kd': 'LD + dense KD (recommended)',
          'bckd': 'BCKD', 'rm-pfi': 'RM + PFI',
          'rm-pfi-norm': 'RM + PFI (normalised features)',
          'fi-gibox': 'feature imitation (GI box)', 'crosskd': 'CrossKD',
          'crosskd-pkd': 'CrossKD + PKD', 'crosskd-ld': 'CrossKD + LD (own head)'}

#: the recommended LD recipe (docs/benchmarks/ld_recipe.md): the demo's distilled student and
#: one of compare.py's default methods, where a family has it
RECOMMENDED_LD = 'ld-dense-kd'

METHODS = sorted({method for family in FAMILIES.values() for method in family['methods']})

#: released teachers (docs/model_zoo.md): the demo starts from these instead of training one
RELEASED_TEACHERS: Dict[str, dict] = {
    'gfl': dict(
        config=f'{MINI}/gfl_r18w32_fpn128_synthetic.py',
        checkpoint='checkpoints/gfl_r18w32_fpn128_synthetic_2000it-eebce2e9.pth',
        sha256='eebce2e9b3f629ccf20364fb4222a5e9e39bfe43e7cf7ae5ba338042f7bdda1e',
        iters=2000),
}
