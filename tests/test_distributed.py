"""tools/dist_train.sh with 2 CPU processes (gloo): DDP wraps the student, not the teacher."""
import os
import subprocess
import sys

import pytest

from conftest import REPO_ROOT

pytestmark = pytest.mark.slow


@pytest.mark.parametrize('config, term', [('ld_gfl_r34_r18w16_synthetic.py', 'loss_ld'),
                                          ('bckd_gfl_r34_r18w16_synthetic.py', 'loss_bckd_cls')],
                         ids=['ld', 'bckd'])
def test_dist_train_two_cpu_processes(config, term, tmp_path):
    from ld_plugin.datasets.synthetic import generate_dataset
    data = tmp_path / 'data'
    generate_dataset(str(data), num_train=8, num_val=4, img_size=96, seed=1,
                     progress=lambda *a, **k: None)
    env = dict(os.environ, PYTHON=sys.executable, PORT=str(29517 + len(config)))
    cmd = ['bash', str(REPO_ROOT / 'tools' / 'dist_train.sh'),
           str(REPO_ROOT / 'configs/mini' / config), '2',
           '--work-dir', str(tmp_path / 'work'), '--cfg-options', 'train_cfg.max_iters=2',
           'model.teacher_ckpt=None', 'model.allow_random_teacher=True',
           'train_dataloader.batch_size=2',
           'train_dataloader.num_workers=0', 'train_dataloader.persistent_workers=False',
           f'train_dataloader.dataset.data_root={data}/', 'default_hooks.logger.interval=1',
           f'val_dataloader.dataset.data_root={data}/',
           f'test_dataloader.dataset.data_root={data}/',
           f'val_evaluator.ann_file={data}/annotations/instances_val.json',
           f'test_evaluator.ann_file={data}/annotations/instances_val.json',
           'val_dataloader.num_workers=0', 'val_dataloader.persistent_workers=False',
           'model.test_cfg.score_thr=0.0']
    proc = subprocess.run(cmd, cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                          timeout=600)
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-3000:]
    assert 'Distributed training: True' in log
    assert 'Iter(train) [2/2]' in log and f'{term}:' in log
    assert os.path.isfile(tmp_path / 'work' / 'iter_2.pth')
