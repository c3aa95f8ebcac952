"""Tests for the synthetic COCO dataset generator (numpy/Pillow only)."""
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

REPO_ROOT = Path(__file__).resolve().parents[1]
MODULE_FILE = REPO_ROOT / 'ld_plugin' / 'datasets' / 'synthetic.py'
CLI_FILE = REPO_ROOT / 'tools' / 'make_synthetic_dataset.py'


def _load(path, name):
    # load the file directly: importing the ld_plugin package pulls in mmdet
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


syn = _load(MODULE_FILE, '_test_ld_synthetic')
SMALL = dict(num_train=20, num_val=5, img_size=64, seed=0)


def _gen(out, progress=None, **kwargs):
    params = dict(SMALL, **kwargs)
    return syn.generate_dataset(out, progress=progress, **params)


def _pixels(root, split):
    return [np.asarray(Image.open(p)) for p in sorted((root / split).glob('*.png'))]


def _ann_bytes(root, split):
    return (root / 'annotations' / f'instances_{split}.json').read_bytes()


@pytest.fixture(scope='module')
def small_dataset(tmp_path_factory):
    out = tmp_path_factory.mktemp('synth') / 'data'
    _gen(out)
    return out


def test_classes_constant():
    assert isinstance(syn.CLASSES, tuple) and len(syn.CLASSES) == 6
    assert all(isinstance(c, str) for c in syn.CLASSES)
    assert len(set(syn.CLASSES)) == 6


def test_determinism(tmp_path, small_dataset):
    a, c = tmp_path / 'a', tmp_path / 'c'
    _gen(a)
    for split in ('train', 'val'):
        assert _ann_bytes(a, split) == _ann_bytes(small_dataset, split)
        pa, pb = _pixels(a, split), _pixels(small_dataset, split)
        assert len(pa) == len(pb) > 0
        assert all(np.array_equal(x, y) for x, y in zip(pa, pb))
    _gen(c, seed=1)
    assert _ann_bytes(c, 'train') != _ann_bytes(a, 'train')
    assert not np.array_equal(_pixels(c, 'val')[0], _pixels(a, 'val')[0])


def test_val_independent_of_num_train(tmp_path, small_dataset):
    out = tmp_path / 'fewer'
    _gen(out, num_train=7)
    assert _ann_bytes(out, 'val') == _ann_bytes(small_dataset, 'val')
    assert all(np.array_equal(x, y) for x, y in zip(
        _pixels(out, 'val'), _pixels(small_dataset, 'val')))


@pytest.mark.parametrize('split,count', [('train', 20), ('val', 5)])
def test_json_valid(small_dataset, split, count):
    coco = json.loads(_ann_bytes(small_dataset, split))
    cats = coco['categories']
    assert [c['id'] for c in cats] == list(range(1, len(syn.CLASSES) + 1))
    assert tuple(c['name'] for c in cats) == syn.CLASSES
    images = {im['id']: im for im in coco['images']}
    assert len(images) == len(coco['images']) == count
    ann_ids = [a['id'] for a in coco['annotations']]
    assert len(set(ann_ids)) == len(ann_ids)
    for im in coco['images']:
        path = small_dataset / split / im['file_name']
        assert '/' not in im['file_name'] and path.is_file()
        with Image.open(path) as pil:
            assert pil.mode == 'RGB'
            assert pil.size == (im['width'], im['height']) == (64, 64)
    per_image = {i: 0 for i in images}
    for a in coco['annotations']:
        im = images[a['image_id']]
        x, y, w, h = a['bbox']
        assert all(isinstance(v, float) for v in a['bbox'])
        assert w > 0 and h > 0 and x >= 0 and y >= 0
        assert x + w <= im['width'] and y + h <= im['height']
        assert a['area'] == pytest.approx(w * h)
        assert a['iscrowd'] == 0 and a['segmentation'] == []
        assert 1 <= a['category_id'] <= len(syn.CLASSES)
        per_image[a['image_id']] += 1
    assert all(1 <= k <= 6 for k in per_image.values())


def _mode_colour(img):
    colours, counts = np.unique(img.reshape(-1, 3), axis=0, return_counts=True)
    return colours[np.argmax(counts)]


@pytest.mark.parametrize('cls', range(6))
def test_box_is_tight_on_plain_background(cls):
    # one object on a uniform background, no noise: the non-background pixels
    # must span exactly the annotated box (a shift by one pixel fails)
    for seed in range(12):
        rng = np.random.default_rng([seed, cls])
        img, anns = syn.render_image(rng, 64, classes=[cls], clutter=False,
                                     noise=False)
        assert len(anns) == 1 and anns[0][1] == cls
        diff = np.any(img != _mode_colour(img), axis=-1)
        rows, cols = np.nonzero(diff)
        x, y, w, h = anns[0][0]
        assert (cols.min(), rows.min()) == (x, y)
        assert (cols.max() - cols.min() + 1, rows.max() - rows.min() + 1) == (w, h)


def test_boxes_tight_and_visible_in_cluttered_images():
    for seed in range(30):
        rng = np.random.default_rng(seed)
        img, anns, masks = syn.render_image(rng, 96, 3, 8, noise=False,
                                            return_masks=True)
        assert len(anns) == len(masks) >= 1
        covered = np.zeros(img.shape[:2], dtype=bool)
        for (box, _), mask in reversed(list(zip(anns, masks))):
            rows, cols = np.nonzero(mask)
            assert box == (cols.min(), rows.min(), cols.max() - cols.min() + 1,
                           rows.max() - rows.min() + 1)
            visible = mask & ~covered
            assert visible.sum() >= 0.5 * mask.sum()
            # without noise the visible part is one flat colour
            colours = np.unique(img[visible], axis=0)
            assert len(colours) == 1
            covered |= mask


def test_object_sizes_span_small_to_large():
    sizes = []
    for seed in range(60):
        _, anns = syn.render_image(np.random.default_rng(seed), 192)
        sizes += [max(b[2], b[3]) for b, _ in anns]
    assert min(sizes) <= 12 and max(sizes) >= 80


def test_loads_with_pycocotools(small_dataset):
    coco_mod = pytest.importorskip('pycocotools.coco')
    cocoeval = pytest.importorskip('pycocotools.cocoeval')
    ann_file = str(small_dataset / 'annotations' / 'instances_val.json')
    gt = coco_mod.COCO(ann_file)
    assert gt.getCatIds(catNms=list(syn.CLASSES)) == list(range(1, 7))
    assert len(gt.getImgIds()) == 5
    # perfect detections must score AP 1.0 (as CocoMetric would compute it)
    dets = [dict(image_id=a['image_id'], category_id=a['category_id'],
                 bbox=a['bbox'], score=1.0) for a in gt.dataset['annotations']]
    ev = cocoeval.COCOeval(gt, gt.loadRes(dets), 'bbox')
    ev.evaluate()
    ev.accumulate()
    ev.summarize()
    assert ev.stats[0] == pytest.approx(1.0)


@pytest.mark.parametrize('kwargs,value', [
    (dict(min_objects=4, max_objects=2), '2'),
    (dict(img_size=16), '16'),
    (dict(num_train=0), '0'),
    (dict(num_val=-3), '-3'),
    (dict(min_objects=0), '0'),
    (dict(seed=-1), '-1'),
])
def test_bad_arguments(tmp_path, kwargs, value):
    with pytest.raises(ValueError, match=f'got {value}|\\({value}\\)') as err:
        _gen(tmp_path / 'bad', **kwargs)
    assert value in str(err.value)
    assert not (tmp_path / 'bad').exists()


def test_skip_and_force(tmp_path):
    out = tmp_path / 'data'
    logs = []
    first = _gen(out, progress=logs.append)
    assert not first['skipped'] and (out / 'meta.json').is_file()
    assert any('[synthetic]' in m for m in logs) and str(out) in logs[-1]
    marker = out / 'train' / '000000.png'
    marker.write_bytes(b'tampered')
    logs.clear()
    again = _gen(out, progress=logs.append)
    assert again['skipped'] and 'skipped' in logs[-1]
    assert again['per_class'] == first['per_class']
    assert marker.read_bytes() == b'tampered'
    forced = _gen(out, force=True)
    assert not forced['skipped'] and marker.read_bytes() != b'tampered'
    # other parameters: regenerated in place
    other = _gen(out, seed=3)
    assert not other['skipped']
    assert json.loads((out / 'meta.json').read_text())['params']['seed'] == 3
    # no temporary folders left behind
    assert sorted(p.name for p in tmp_path.iterdir()) == ['data']


def test_refuses_foreign_folder_and_cleans_up_interrupted_run(tmp_path):
    foreign = tmp_path / 'foreign'
    foreign.mkdir()
    (foreign / 'keep.txt').write_text('x')
    with pytest.raises(FileExistsError):
        _gen(foreign, force=True)
    assert (foreign / 'keep.txt').is_file()

    def interrupt(msg):
        if msg.startswith('[synthetic]'):  # first progress line
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        _gen(tmp_path / 'partial', progress=interrupt)
    assert sorted(p.name for p in tmp_path.iterdir()) == ['foreign']


def test_cli_runs_without_mmdet(tmp_path):
    out = tmp_path / 'cli'
    cmd = [sys.executable, str(CLI_FILE), '--out', str(out), '--num-train',
           '4', '--num-val', '2', '--img-size', '48']
    res = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO_ROOT)
    assert res.returncode == 0, res.stderr
    assert 'written to' in res.stdout
    assert (out / 'annotations' / 'instances_val.json').is_file()
    res = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO_ROOT)
    assert res.returncode == 0 and 'skipped' in res.stdout
    bad = subprocess.run(cmd[:2] + ['--out', str(tmp_path / 'x'),
                                    '--min-objects', '5', '--max-objects', '3'],
                         capture_output=True, text=True, cwd=REPO_ROOT)
    assert bad.returncode == 2 and '3' in bad.stderr and '--max-objects' in bad.stderr
    # neither the CLI nor the module import torch/mmdet
    probe = ('import sys, runpy; g = runpy.run_path(%r, run_name="x"); '
             'assert g["_load_synthetic"]().CLASSES; '
             'm = [k for k in ("torch", "mmdet", "mmengine", "ld_plugin") '
             'if k in sys.modules]; assert not m, m') % str(CLI_FILE)
    res = subprocess.run([sys.executable, '-c', probe], capture_output=True,
                         text=True, cwd=REPO_ROOT)
    assert res.returncode == 0, res.stderr


# ------------------------------------------------------------------------ DOTA (rotated)
def _point_in_polygon(px, py, poly, tol=0.02):
    """Points (px, py) inside the convex polygon (x1, y1, ..., x4, y4) of either winding, up
    to ``tol`` pixels (the corners are written with 2 decimals)."""
    xs, ys = poly[0::2], poly[1::2]
    dists = []
    for k in range(4):
        ax, ay, bx, by = xs[k], ys[k], xs[(k + 1) % 4], ys[(k + 1) % 4]
        length = np.hypot(bx - ax, by - ay)
        dists.append(((bx - ax) * (py - ay) - (by - ay) * (px - ax)) / length)
    dists = np.stack(dists)
    return (dists >= -tol).all(0) | (dists <= tol).all(0)


def _polygon_area(poly):
    xs, ys = np.array(poly[0::2]), np.array(poly[1::2])
    return 0.5 * abs(np.dot(xs, np.roll(ys, -1)) - np.dot(ys, np.roll(xs, -1)))


@pytest.mark.parametrize('cls', range(5))
def test_oriented_box_is_tight_on_plain_background(cls):
    """Every drawn pixel lies in the oriented box, and the box is far smaller than the
    axis-aligned box of a rotated elongated shape would be."""
    for seed in range(10):
        img, anns = syn.render_rotated_image(np.random.default_rng([seed, cls]), 96,
                                             classes=[cls], clutter=False, noise=False)
        assert len(anns) == 1 and anns[0][1] == cls
        poly = anns[0][0]
        rows, cols = np.nonzero(np.any(img != _mode_colour(img), axis=-1))
        corners = [(c + dx, r + dy) for dx in (0, 1) for dy in (0, 1)
                   for r, c in zip(rows, cols)]
        px, py = np.array([p[0] for p in corners]), np.array([p[1] for p in corners])
        inside = _point_in_polygon(px, py, poly)
        assert inside.all(), seed  # every corner of every drawn pixel
        pixel_area = len(rows)
        area = _polygon_area(poly)
        # tight: a filled rectangle nearly fills its box, any shape at least ~40 %
        assert pixel_area <= area * 1.05 and pixel_area >= 0.25 * area, (pixel_area, area)


def test_dota_dataset_files(tmp_path):
    out = tmp_path / 'dota'
    summary = _gen(out, fmt='dota', num_train=6, num_val=3, img_size=96)
    assert set(summary['per_class']['train']) == set(syn.ROTATED_CLASSES)
    for split, count in (('train', 6), ('val', 3)):
        images = sorted((out / split / 'images').glob('*.png'))
        labels = sorted((out / split / 'labelTxt').glob('*.txt'))
        assert [p.stem for p in images] == [p.stem for p in labels] == \
            [f'{i:06d}' for i in range(count)]
        total = 0
        for label in labels:
            for line in label.read_text().splitlines():
                fields = line.split()
                assert len(fields) == 10 and fields[8] in syn.ROTATED_CLASSES and fields[9] == '0'
                [float(x) for x in fields[:8]]
                total += 1
        assert total == summary['num_objects'][split] > 0
    meta = json.loads((out / 'meta.json').read_text())
    assert meta['format'] == 'dota' and meta['classes'] == list(syn.ROTATED_CLASSES)
    # same parameters, other format: regenerated, not skipped
    assert not _gen(out, num_train=6, num_val=3, img_size=96)['skipped']
    assert (out / 'annotations' / 'instances_val.json').is_file()


def test_dota_format_is_deterministic_and_rejects_unknown_formats(tmp_path):
    a, b = tmp_path / 'a', tmp_path / 'b'
    _gen(a, fmt='dota', num_train=3, num_val=2)
    _gen(b, fmt='dota', num_train=3, num_val=2)
    for split in ('train', 'val'):
        for label in (a / split / 'labelTxt').glob('*.txt'):
            assert label.read_bytes() == (b / split / 'labelTxt' / label.name).read_bytes()
    with pytest.raises(ValueError, match="fmt must be one of \\['coco', 'dota'\\], got 'voc'"):
        _gen(tmp_path / 'c', fmt='voc')
