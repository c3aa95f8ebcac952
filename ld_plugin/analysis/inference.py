"""Raw head outputs of a detector (and its teacher) on one image, for the analysis tools."""
import json
import os.path as osp
from dataclasses import dataclass
from typing import List, Optional, Tuple

import torch
from mmdet.apis import init_detector
from mmdet.utils import get_test_pipeline_cfg
from mmengine.config import Config
from mmengine.dataset import Compose
from torch import Tensor


def load_detector(config: str, checkpoint: Optional[str],
                  teacher_ckpt: Optional[str] = None) -> torch.nn.Module:
    """The detector of ``config`` with ``checkpoint`` loaded, in eval mode on the CPU.

    For a distillation config ``teacher_ckpt`` replaces the config's teacher checkpoint.
    """
    for path, what in ((config, 'config'), (checkpoint, 'checkpoint'),
                       (teacher_ckpt, 'teacher checkpoint')):
        if path is not None and not osp.isfile(path):
            raise FileNotFoundError(f'{what} {path!r} does not exist')
    cfg = Config.fromfile(config)
    if 'teacher_config' in cfg.model and teacher_ckpt is not None:
        cfg.model.teacher_ckpt = teacher_ckpt
    return init_detector(cfg, checkpoint, device='cpu')


@dataclass
class ImageBatch:
    """One preprocessed image: network input (1, 3, H, W), its data sample, the RGB image."""
    inputs: Tensor
    data_sample: object
    image_rgb: Tensor


def preprocess(model: torch.nn.Module, image: str) -> ImageBatch:
    """``image`` through the config's test pipeline and the model's data preprocessor."""
    if not osp.isfile(image):
        raise FileNotFoundError(f'image {image!r} does not exist')
    pipeline = Compose(get_test_pipeline_cfg(model.cfg))
    data = pipeline(dict(img_path=image, img_id=0))
    batch = model.data_preprocessor(
        dict(inputs=[data['inputs']], data_samples=[data['data_samples']]), False)
    rgb = data['inputs'].flip(0).permute(1, 2, 0)  # the pipeline loads BGR
    return ImageBatch(batch['inputs'], batch['data_samples'][0], rgb)


@torch.no_grad()
def head_outputs(model: torch.nn.Module, inputs: Tensor) -> Tuple[List[Tensor], tuple]:
    """FPN features and raw head outputs (class logits, box predictions, ...) of ``model``."""
    feats = model.extract_feat(inputs)
    return list(feats), model.bbox_head(feats)


def load_coco_boxes(ann_file: str, image: str) -> Tensor:
    """(G, 4) boxes (x1, y1, x2, y2) of the COCO image whose file name matches ``image``."""
    with open(ann_file) as f:
        coco = json.load(f)
    name = osp.basename(image)
    img = next((i for i in coco['images'] if osp.basename(i['file_name']) == name), None)
    if img is None:
        raise ValueError(f'image {name!r} is not listed in {ann_file}')
    boxes = [a['bbox'] for a in coco['annotations'] if a['image_id'] == img['id']]
    xyxy = [[x, y, x + w, y + h] for x, y, w, h in boxes]
    return torch.tensor(xyxy, dtype=torch.float32).reshape(-1, 4)
