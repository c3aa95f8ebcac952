"""A real run: tiny teacher -> save -> LD student from that checkpoint -> save, resume, evaluate."""
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from ld_plugin.datasets.synthetic import generate_dataset
from ld_plugin.utils.schedule import set_max_iters

from conftest import REPO_ROOT

pytestmark = pytest.mark.slow


def configure(config: str, data_root: str, work_dir: str, iters: int) -> Config:
    cfg = Config.fromfile(str(REPO_ROOT / 'configs' / config))
    set_max_iters(cfg, iters)
    root = data_root.rstrip('/') + '/'
    for name in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        loader = cfg[name]
        loader.dataset.data_root = root
        loader.batch_size = 4
        loader.num_workers = 0
        loader.persistent_workers = False
    cfg.test_evaluator.ann_file = root + 'annotations/instances_val.json'
    cfg.val_evaluator = cfg.test_evaluator
    cfg.work_dir = work_dir
    cfg.randomness = dict(seed=0)
    cfg.default_hooks.logger.interval = 1
    cfg.model.test_cfg.score_thr = 0.0  # a few iterations give low scores; keep them
    return cfg


@pytest.fixture(scope='module')
def synthetic_root(tmp_path_factory):
    root = tmp_path_factory.mktemp('synthetic')
    generate_dataset(str(root), num_train=16, num_val=8, img_size=96, seed=3,
                     progress=lambda *a, **k: None)
    return str(root)


@pytest.fixture(scope='module')
def teacher_ckpt(synthetic_root, tmp_path_factory):
    """A tiny GFL-R34 teacher trained for 4 iterations and saved by mmengine."""
    teacher_dir = str(tmp_path_factory.mktemp('teacher'))
    cfg = configure('mini/gfl_r34_fpn128_synthetic.py', synthetic_root, teacher_dir, 4)
    Runner.from_cfg(cfg).train()
    path = osp.join(teacher_dir, 'iter_4.pth')
    assert osp.isfile(path)
    return path


def test_teacher_then_ld_student_save_resume_evaluate(synthetic_root, teacher_ckpt, tmp_path):
    student_dir = str(tmp_path / 'student')
    cfg = configure('mini/ld_gfl_r34_r18w16_synthetic.py', synthetic_root, student_dir, 3)
    cfg.model.teacher_ckpt = teacher_ckpt
    runner = Runner.from_cfg(cfg)
    runner.train()
    teacher_state = torch.load(teacher_ckpt, map_location='cpu')['state_dict']
    for k, v in runner.model.teacher.state_dict().items():  # the trained teacher was loaded
        torch.testing.assert_close(v, teacher_state[k])
    student_ckpt = osp.join(student_dir, 'iter_3.pth')
    saved = torch.load(student_ckpt, map_location='cpu')  # weights_only=True by default
    assert not any(k.startswith('teacher') for k in saved['state_dict'])
    assert saved['meta']['iter'] == 3
    metrics = runner.test()
    assert 'coco/bbox_mAP' in metrics and 0.0 <= metrics['coco/bbox_mAP'] <= 1.0

    # resume: same iteration count, optimizer state, teacher
    cfg = configure('mini/ld_gfl_r34_r18w16_synthetic.py', synthetic_root, student_dir, 5)
    cfg.model.teacher_ckpt = teacher_ckpt
    cfg.resume = True
    cfg.load_from = student_ckpt
    resumed = Runner.from_cfg(cfg)
    resumed.train()
    assert resumed.iter == 5
    state = resumed.optim_wrapper.optimizer.state_dict()['state']
    assert state and all(int(s['step']) == 5 for s in state.values())

    # the student checkpoint loads into the plain mmdet student for inference
    from mmdet.apis import init_detector
    plain = Config.fromfile(str(REPO_ROOT / 'configs/mini/gfl_r18w16_fpn64_synthetic.py'))
    model = init_detector(plain, osp.join(student_dir, 'iter_5.pth'), device='cpu')
    assert type(model.bbox_head).__name__ == 'GFLHead'


@pytest.mark.parametrize('config', ['mini/bckd_gfl_r34_r18w16_synthetic.py',
                                    'mini/rm-pfi_gfl_r34_r18w16_synthetic.py'])
def test_other_methods_train_from_the_teacher_and_evaluate(config, synthetic_root, teacher_ckpt,
                                                          tmp_path):
    cfg = configure(config, synthetic_root, str(tmp_path / 'student'), 2)
    cfg.model.teacher_ckpt = teacher_ckpt
    runner = Runner.from_cfg(cfg)
    runner.train()
    terms = [k for k, v in cfg.model.bbox_head.distill_terms.items() if v is not None]
    logged = runner.message_hub.log_scalars
    assert all(f'train/{t}' in logged for t in terms), sorted(logged)
    metrics = runner.test()
    assert 0.0 <= metrics['coco/bbox_mAP'] <= 1.0


@pytest.mark.parametrize('family', ['atss', 'retinanet', 'fcos'])
def test_distribution_family_trains_as_teacher_and_as_ld_student(family, synthetic_root,
                                                                 tmp_path):
    """The mini distribution teacher trains and is saved; its LD student (full recipe with the
    family's VLR) trains from that checkpoint, logs every term, and its checkpoint loads into
    the plain distribution student for evaluation."""
    teacher_dir, student_dir = str(tmp_path / 'teacher'), str(tmp_path / 'student')
    Runner.from_cfg(configure(f'mini/{family}-dist_r34_fpn128_synthetic.py', synthetic_root,
                              teacher_dir, 2)).train()
    cfg = configure(f'mini/ld_{family}-dist_r34_r18w16_synthetic.py', synthetic_root,
                    student_dir, 2)
    cfg.model.teacher_ckpt = osp.join(teacher_dir, 'iter_2.pth')
    runner = Runner.from_cfg(cfg)
    runner.train()
    logged = runner.message_hub.log_scalars
    assert {'train/loss_ld', 'train/loss_vlr_ld', 'train/loss_kd'} <= set(logged), sorted(logged)
    assert all(torch.isfinite(torch.tensor(logged[f'train/{k}'].current()))
               for k in ('loss_ld', 'loss_vlr_ld', 'loss_kd'))

    plain = configure(f'mini/{family}-dist_r18w16_fpn64_synthetic.py', synthetic_root,
                      str(tmp_path / 'plain'), 2)
    plain.load_from = osp.join(student_dir, 'iter_2.pth')
    metrics = Runner.from_cfg(plain).test()
    assert 0.0 <= metrics['coco/bbox_mAP'] <= 1.0


def test_gather_results_reads_a_synthetic_run_beside_its_metafile(synthetic_root, tmp_path):
    work_dir = str(tmp_path / 'run')
    cfg = configure('mini/gfl_r18w16_fpn64_synthetic.py', synthetic_root, work_dir, 2)
    runner = Runner.from_cfg(cfg)
    runner.train()
    measured = runner.test()
    metafile = tmp_path / 'metafile.yml'
    metafile.write_text(
        'Models:\n  - Name: mini\n    Config: configs/mini/gfl_r18w16_fpn64_synthetic.py\n'
        '    Results:\n      - Task: Object Detection\n        Dataset: synthetic\n'
        '        Metrics:\n          box AP: 40.0\n          AP50: 55.5\n')
    out = tmp_path / 'table.md'
    proc = subprocess.run(
        [sys.executable, str(REPO_ROOT / 'tools/gather_results.py'), work_dir,
         'configs/ld/ld_r50-gflv1-r101_fpn_1x_coco.py', '--work-dir-root', str(tmp_path),
         '--metafile', str(metafile), str(REPO_ROOT / 'configs/ld/metafile.yml'),
         '--out', str(out)], capture_output=True, text=True, timeout=300, cwd=REPO_ROOT)
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = out.read_text().splitlines()
    sizes = [k for k in ('s', 'm', 'l') if measured[f'coco/bbox_mAP_{k}'] >= 0]  # -1: no GT
    assert lines[0] == ('| config | box AP | AP50 | AP75 | ' +
                        ''.join(f'AP{k} | ' for k in sizes)).rstrip()
    ap, ap50 = 100 * measured['coco/bbox_mAP'], 100 * measured['coco/bbox_mAP_50']

    assert lines[2] == (
        f'| gfl_r18w16_fpn64_synthetic | {ap:.1f} ({40.0:.1f}, {ap - 40.0:+.1f}) | '
        f'{ap50:.1f} ({55.5:.1f}, {ap50 - 55.5:+.1f}) | ' +
        ' | '.join(f"{100 * measured[f'coco/bbox_mAP_{k}']:.1f}" for k in ('75', *sizes)) +
        ' |')
    # a config never trained under --work-dir-root: paper numbers, marked as not run
    assert lines[3] == ('| ld_r50-gflv1-r101_fpn_1x_coco | not run (42.1) | not run (60.3) | '
                        'not run (45.6) |' + ' — |' * len(sizes))
    assert 'no evaluation found for ld_r50-gflv1-r101_fpn_1x_coco' in proc.stderr


def data_options(root: str) -> list:
    root = root.rstrip('/') + '/'
    options = [f'{split}.dataset.data_root={root}' for split in
               ('train_dataloader', 'val_dataloader', 'test_dataloader')]
    options += [f'{split}.{key}' for split in ('train_dataloader', 'val_dataloader',
                                               'test_dataloader')
                for key in ('num_workers=0', 'persistent_workers=False')]
    return options + [f'val_evaluator.ann_file={root}annotations/instances_val.json',
                      f'test_evaluator.ann_file={root}annotations/instances_val.json']


def test_killed_run_resumes_and_its_checkpoint_serves_plain_mmdet(synthetic_root, teacher_ckpt,
                                                                  tmp_path):
    """SIGKILL a distillation run between checkpoints, --resume it, then evaluate and run
    inference on its checkpoint in fresh processes that import only mmdet and ld_plugin."""
    import signal
    import time
    work = tmp_path / 'work'
    config = str(REPO_ROOT / 'configs/mini/ld_gfl_r34_r18w16_synthetic.py')
    command = [sys.executable, str(REPO_ROOT / 'tools/train.py'), config, '--work-dir',
               str(work), '--cfg-options', 'train_cfg.max_iters=6', 'train_cfg.val_interval=100',
               'default_hooks.checkpoint.interval=2', 'default_hooks.logger.interval=1',
               'train_dataloader.batch_size=2', f'model.teacher_ckpt={teacher_ckpt}',
               'param_scheduler.0.end=2', 'param_scheduler.1.begin=2', 'param_scheduler.1.end=6',
               *data_options(synthetic_root)]
    run = subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, start_new_session=True)
    deadline = time.time() + 600

    def saved(name):  # mmengine names the checkpoint in last_checkpoint once it is written
        last = work / 'last_checkpoint'
        return last.exists() and last.read_text().strip().endswith(name)

    while not saved('iter_4.pth') and run.poll() is None and time.time() < deadline:
        time.sleep(0.2)
    assert run.poll() is None, 'the run ended before it could be killed:\n' + run.stdout.read()
    os.killpg(run.pid, signal.SIGKILL)  # the trainer and its workers, mid-run
    run.wait()
    assert not (work / 'iter_6.pth').exists()
    killed_at = torch.load(work / 'iter_4.pth', map_location='cpu', weights_only=False)

    resumed = subprocess.run(command + ['--resume'], cwd=REPO_ROOT, capture_output=True,
                             text=True, timeout=600)
    log = resumed.stdout + resumed.stderr
    assert resumed.returncode == 0, log[-3000:]
    assert 'resumed epoch: 0, iter: 4' in log
    assert 'Iter(train) [5/6]' in log and 'Iter(train) [1/6]' not in log
    final = torch.load(work / 'iter_6.pth', map_location='cpu', weights_only=False)
    assert final['meta']['iter'] == 6
    assert not any(k.startswith('teacher') for k in final['state_dict'])
    # the optimizer went on from the killed run's state: 6 steps, not 2
    steps = {int(s['step']) for s in final['optimizer']['state'].values()}
    assert steps == {6}, steps
    assert {int(s['step']) for s in killed_at['optimizer']['state'].values()} == {4}

    # fresh processes importing only mmdet + ld_plugin (which registers its rotated parts too
    # when mmrotate is installed): evaluate with the plain student config, and run mmdet's
    # inference API on one image
    plain = str(REPO_ROOT / 'configs/mini/gfl_r18w16_fpn64_synthetic.py')
    tested = subprocess.run([sys.executable, str(REPO_ROOT / 'tools/test.py'), plain,
                             str(work / 'iter_6.pth'), '--work-dir', str(tmp_path / 'eval'),
                             '--cfg-options', *data_options(synthetic_root)],
                            cwd=REPO_ROOT, capture_output=True, text=True, timeout=600)
    assert tested.returncode == 0, (tested.stdout + tested.stderr)[-3000:]
    assert 'coco/bbox_mAP:' in tested.stdout + tested.stderr
    script = (
        'import sys, mmdet, ld_plugin\n'
        'from mmdet.apis import init_detector, inference_detector\n'
        'model = init_detector(sys.argv[1], sys.argv[2], device="cpu")\n'
        'result = inference_detector(model, sys.argv[3])\n'
        'mods = [m for m in sys.modules if m.split(".")[0] in ("mmrazor", )]\n'
        'print("boxes", len(result.pred_instances), "head", type(model.bbox_head).__name__, '
        '"others", mods)\n')
    image = osp.join(synthetic_root, 'val', '000000.png')
    inferred = subprocess.run([sys.executable, '-c', script, plain, str(work / 'iter_6.pth'),
                               image], cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert inferred.returncode == 0, inferred.stderr[-3000:]
    assert 'head GFLHead others []' in inferred.stdout


SLOW_WRITER = '''
import runpy, sys, time
sys.path.insert(0, {repo!r})
import ld_plugin.engine.hooks.atomic_checkpoint_hook as hook
calls, write = [], hook.write_chunks
def slow_write(file, data):  # the second checkpoint: half of it, then hang until killed
    calls.append(len(data))
    if len(calls) == 2:
        file.write(memoryview(data)[:len(data) // 2])
        file.flush()
        open({marker!r}, 'w').close()
        time.sleep(600)
    write(file, data)
hook.write_chunks = slow_write
sys.argv = [{train!r}] + sys.argv[1:]
runpy.run_path({train!r}, run_name='__main__')
'''


def test_sigkill_during_a_checkpoint_write_loses_nothing(synthetic_root, tmp_path):
    """SIGKILL while the second checkpoint is half written (a slowed writer): the previous
    checkpoint and last_checkpoint stay intact, ``--resume`` continues from it; a truncated file
    (what mmengine's in-place write leaves) is named with the complete checkpoint to use,
    whether given to ``--resume`` or named by last_checkpoint."""
    import signal
    import time

    from ld_plugin.engine.resume import checkpoint_is_complete
    work, marker = tmp_path / 'work', tmp_path / 'writing'
    train = str(REPO_ROOT / 'tools/train.py')
    wrapper = tmp_path / 'slow_train.py'
    wrapper.write_text(SLOW_WRITER.format(repo=str(REPO_ROOT), marker=str(marker), train=train))
    options = ['--work-dir', str(work), '--cfg-options', 'train_cfg.max_iters=6',
               'train_cfg.val_interval=100', 'default_hooks.checkpoint.interval=2',
               'default_hooks.checkpoint.max_keep_ckpts=1',
               'default_hooks.logger.interval=1', 'train_dataloader.batch_size=2',
               'param_scheduler.0.end=2', 'param_scheduler.1.begin=2',
               'param_scheduler.1.end=6', *data_options(synthetic_root)]
    config = str(REPO_ROOT / 'configs/mini/gfl_r18w16_fpn64_synthetic.py')
    run = subprocess.Popen([sys.executable, str(wrapper), config, *options], cwd=REPO_ROOT,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           start_new_session=True)
    deadline = time.time() + 600
    while not marker.exists() and run.poll() is None and time.time() < deadline:
        time.sleep(0.2)
    assert run.poll() is None, 'the run ended before it could be killed:\n' + run.stdout.read()
    os.killpg(run.pid, signal.SIGKILL)  # mid-write of iter_4.pth
    run.wait()
    # max_keep_ckpts=1: mmengine would have removed iter_2.pth before writing iter_4.pth
    assert checkpoint_is_complete(str(work / 'iter_2.pth'))
    assert not (work / 'iter_4.pth').exists()
    assert not checkpoint_is_complete(str(work / 'iter_4.pth.part'))  # the half-written part
    assert (work / 'last_checkpoint').read_text() == str(work / 'iter_2.pth')

    command = [sys.executable, train, config, *options]
    resumed = subprocess.run(command + ['--resume'], cwd=REPO_ROOT, capture_output=True,
                             text=True, timeout=600)
    log = resumed.stdout + resumed.stderr
    assert resumed.returncode == 0, log[-3000:]
    assert 'resumed epoch: 0, iter: 2' in log and 'Iter(train) [6/6]' in log
    assert checkpoint_is_complete(str(work / 'iter_6.pth'))
    assert not list(work.glob('*.part'))  # the next write of iter_4.pth replaced the part
    assert sorted(p.name for p in work.glob('*.pth')) == ['iter_6.pth']  # max_keep_ckpts=1

    broken = work / 'iter_8.pth'
    data = (work / 'iter_6.pth').read_bytes()
    broken.write_bytes(data[:len(data) // 2])
    given = subprocess.run(command + ['--resume', str(broken)], cwd=REPO_ROOT,
                           capture_output=True, text=True, timeout=600)
    assert given.returncode != 0
    assert (f'--resume {broken}: the checkpoint is incomplete' in given.stderr
            and f'--resume {work / "iter_6.pth"}' in given.stderr), given.stderr[-3000:]
    assert 'Traceback' not in given.stderr

    (work / 'last_checkpoint').write_text(str(broken))
    # two more iterations with a validation and save_best (mmengine saves the best checkpoint
    # from inside another save: nested atomic writes)
    longer = [o.replace('max_iters=6', 'max_iters=8').replace('val_interval=100', 'val_interval=2')
              for o in command] + ['default_hooks.checkpoint.save_best=auto']
    auto = subprocess.run(longer + ['--resume'], cwd=REPO_ROOT, capture_output=True, text=True,
                          timeout=600)
    log = auto.stdout + auto.stderr
    assert auto.returncode == 0, log[-3000:]
    assert f'names {broken}, which is incomplete' in log and 'resumed epoch: 0, iter: 6' in log
    assert checkpoint_is_complete(str(broken))  # iter_8 written again, complete
    (best, ) = work.glob('best_*.pth')
    assert checkpoint_is_complete(str(best))
