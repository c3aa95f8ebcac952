"""Two gloo processes (one image each) give the losses of one process on both images, also
when one process's image has no GT (no process may skip a collective call).

The student is wrapped in mmengine's DDP wrapper, the teacher is not (it is no submodule). With
batch-norm statistics frozen (so that an image's forward does not depend on its batch mates),
each loss averaged over the two ranks must equal the single-process loss of the 2-image batch:
the avg factors are reduced over ranks (mmdet's ``reduce_mean``), the distillation terms of
the mini configs are normalised per image, and the batch statistics of CrossKD's alignment and
PKD are taken over all ranks.
"""
import os
import socket

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from mmdet.registry import MODELS
from mmdet.testing import demo_mm_inputs
from mmengine.config import Config
from mmengine.registry import DefaultScope

from conftest import REPO_ROOT

pytestmark = pytest.mark.slow
CONFIGS = ['configs/mini/ld_gfl_r34_r18w16_synthetic.py',
           'configs/mini/bckd_gfl_r34_r18w16_synthetic.py',
           'configs/mini/rm-pfi_gfl_r34_r18w16_synthetic.py',
           'configs/mini/crosskd-pkd_gfl_r34_r18w16_synthetic.py']


def build_student(config: str):
    import ld_plugin  # noqa: F401  (spawned processes import afresh)
    cfg = Config.fromfile(str(REPO_ROOT / config))
    cfg.model.teacher_ckpt = None  # seeded random teacher, identical in every process
    cfg.model.allow_random_teacher = True
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('mmdet'):
        model = MODELS.build(cfg.model)
    model.train()
    for module in model.modules():  # frozen BN statistics: per-image forward
        if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
            module.eval()
    return model


def make_batch(model, second_image_empty: bool = False):
    torch.manual_seed(3)
    packed = demo_mm_inputs(batch_size=2, image_shapes=[(3, 96, 96)] * 2,
                            num_items=[4, 0 if second_image_empty else 2], num_classes=6,
                            with_mask=False)
    with DefaultScope.overwrite_default_scope('mmdet'):
        data = model.data_preprocessor(packed, training=True)
    return data['inputs'], data['data_samples']


def losses_of(model, inputs, samples) -> dict:
    with DefaultScope.overwrite_default_scope('mmdet'):
        losses = model.loss(inputs, samples)
    return {k: (sum(v) if isinstance(v, (list, tuple)) else v) for k, v in losses.items()}


def _rank(rank: int, port: int, config: str, out_file: str, second_image_empty: bool) -> None:
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port))
    dist.init_process_group('gloo', rank=rank, world_size=2)
    try:
        from mmengine.model import MMDistributedDataParallel
        model = build_student(config)
        inputs, samples = make_batch(model, second_image_empty)
        wrapped = MMDistributedDataParallel(model, broadcast_buffers=False,
                                            find_unused_parameters=True)
        teacher_ids = {id(p) for p in model.teacher.parameters()}
        wrapped_ids = {id(p) for p in wrapped.parameters()}
        losses = losses_of(wrapped.module, inputs[rank:rank + 1], samples[rank:rank + 1])
        total = sum(losses.values())
        total.backward()  # gradients all-reduced by DDP
        averaged = {}
        for key, value in losses.items():
            value = value.detach().clone()
            dist.all_reduce(value)
            averaged[key] = (value / 2).item()
        if rank == 0:
            torch.save(dict(losses=averaged, teacher_in_ddp=bool(teacher_ids & wrapped_ids),
                            num_wrapped=len(wrapped_ids), teacher_params=len(teacher_ids)),
                       out_file)
    finally:
        dist.destroy_process_group()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


@pytest.mark.timeout(300)  # a collective call skipped by one process hangs the other
@pytest.mark.parametrize('second_image_empty', [False, True], ids=['gts', 'no-gt-on-rank-1'])
@pytest.mark.parametrize('config', CONFIGS, ids=['ld', 'bckd', 'rm-pfi', 'crosskd-pkd'])
def test_two_processes_match_one(config, second_image_empty, tmp_path):
    out_file = str(tmp_path / 'ddp.pt')
    mp.start_processes(_rank, args=(free_port(), config, out_file, second_image_empty),
                       nprocs=2, start_method='spawn')
    ddp = torch.load(out_file, weights_only=False)
    assert not ddp['teacher_in_ddp'] and ddp['teacher_params'] > 0
    model = build_student(config)
    single = losses_of(model, *make_batch(model, second_image_empty))
    assert set(single) == set(ddp['losses'])
    distill_keys = [k for k in single if k not in ('loss_cls', 'loss_bbox', 'loss_dfl')]
    assert distill_keys, 'the config has distillation terms'
    for key, value in single.items():
        assert ddp['losses'][key] == pytest.approx(value.item(), rel=2e-4, abs=1e-6), key
