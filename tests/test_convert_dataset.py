"""tools/convert_dataset.py and ld_plugin.datasets.converters: every input format on tiny
hand-written datasets (hand-computed boxes), every kind of bad label, the ratio split, atomic
output, and a round trip of the real datasets in ../shared/data/real_data (skipped without)."""
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ld_plugin.datasets.converters import ConversionError, ConvertOptions, convert
from ld_plugin.datasets.converters.geometry import fit_object, min_rect_sides

from conftest import REPO_ROOT, load_script

REAL_DATA = REPO_ROOT.parent / 'shared' / 'data' / 'real_data'
TOOL = REPO_ROOT / 'tools' / 'convert_dataset.py'


# --------------------------------------------------------------------------- #
# helpers
# --------------------------------------------------------------------------- #
def image(path: Path, width: int, height: int, colour=(90, 120, 150)) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new('RGB', (width, height), colour).save(path)
    return path


def text(path: Path, content: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content, encoding='utf-8')
    return path


def run(fmt, src, out, **options):
    return convert(fmt, src, out, ConvertOptions(**options), log=lambda *_: None)


def coco_boxes(out: Path, split: str) -> dict:
    """``{file_name: [(category_id, [x, y, w, h]), ...]}`` of a written COCO split."""
    data = json.loads((out / 'annotations' / f'instances_{split}.json').read_text())
    names = {i['id']: i['file_name'] for i in data['images']}
    boxes = {n: [] for n in names.values()}
    for a in data['annotations']:
        boxes[names[a['image_id']]].append((a['category_id'], a['bbox']))
        assert a['area'] == pytest.approx(a['bbox'][2] * a['bbox'][3], abs=0.02)
        assert a['iscrowd'] == 0
    return boxes


def dota_objects(out: Path, split: str, stem: str):
    rows = [line.split() for line in
            (out / split / 'labelTxt' / f'{stem}.txt').read_text().splitlines()]
    return [([float(v) for v in r[:8]], r[8], int(r[9])) for r in rows]


def assert_nothing_written(out: Path):
    assert not out.exists()
    assert not list(out.parent.glob(f'{out.name}.tmp-*'))


def yolo_dataset(root: Path) -> Path:
    """train: a.jpg 100x50 (2 boxes), b.jpg (no label file); valid: c.png 40x80 (1 box)."""
    text(root / 'data.yaml', 'nc: 2\nnames: {0: cat, 1: dog}\n')
    image(root / 'train/images/a.jpg', 100, 50)
    image(root / 'train/images/b.jpg', 30, 30)
    image(root / 'valid/images/c.png', 40, 80)
    text(root / 'train/labels/a.txt', '0 0.5 0.5 0.2 0.4\n1 0.1 0.2 0.2 0.4\n')
    text(root / 'valid/labels/c.txt', '1 0.25 0.5 0.5 1.0\n')
    return root


# --------------------------------------------------------------------------- #
# each format, hand-computed boxes
# --------------------------------------------------------------------------- #
def test_yolo_normalised_to_pixel_xywh(tmp_path):
    src, out = yolo_dataset(tmp_path / 'src'), tmp_path / 'out'
    meta = run('yolo', src, out)
    assert coco_boxes(out, 'train') == {'a.jpg': [(1, [40.0, 15.0, 20.0, 20.0]),
                                                  (2, [0.0, 0.0, 20.0, 20.0])], 'b.jpg': []}
    assert coco_boxes(out, 'val') == {'c.png': [(2, [0.0, 0.0, 20.0, 80.0])]}
    # copied byte for byte when not resized
    assert (out / 'train/a.jpg').read_bytes() == (src / 'train/images/a.jpg').read_bytes()
    cats = json.loads((out / 'annotations/instances_val.json').read_text())['categories']
    assert [(c['id'], c['name']) for c in cats] == [(1, 'cat'), (2, 'dog')]
    saved = json.loads((out / 'meta.json').read_text())
    assert saved['format'] == 'coco' and saved['classes'] == ['cat', 'dog']
    assert saved['splits'] == {'train': 2, 'val': 1}
    assert saved['source']['format'] == 'yolo' and saved['source']['path'] == str(src.resolve())
    summary = saved['summary']
    assert summary['splits']['train'] == dict(images=2, boxes=2, empty_images=1, difficult=0)
    assert summary['per_class']['total'] == {'cat': 1, 'dog': 2}
    assert summary['repairs']['no_label_file']['count'] == 1
    assert summary['repairs']['no_label_file']['examples'] == ['train/images/b.jpg']
    assert meta['summary'] == summary and 'dog' in meta['text']


def test_resize_scales_boxes(tmp_path):
    src, out = tmp_path / 'src', tmp_path / 'out'
    text(src / 'data.yaml', "names: ['a']\n")
    image(src / 'train/images/big.jpg', 200, 100)
    image(src / 'train/images/small.jpg', 40, 20)
    text(src / 'train/labels/big.txt', '0 0.5 0.5 0.5 0.5\n')  # 50,25 -> 150,75 px
    text(src / 'train/labels/small.txt', '0 0.5 0.5 0.5 0.5\n')
    meta = run('yolo', src, out, max_size=50)
    with Image.open(out / 'train/big.jpg') as img:
        assert img.size == (50, 25) and img.format == 'JPEG'
    boxes = coco_boxes(out, 'train')
    assert boxes['big.jpg'] == [(1, [12.5, 6.25, 25.0, 12.5])]  # scale 0.25
    assert boxes['small.jpg'] == [(1, [10.0, 5.0, 20.0, 10.0])]  # unchanged
    assert meta['summary']['images_resized'] == 1


def test_ultralytics_layout_and_exif_rotation(tmp_path):
    """images/SPLIT + labels/SPLIT; a JPEG stored 40x20 with EXIF orientation 6 is shown (and
    labelled, and loaded by cv2) as 20x40: it is written upright, then resized."""
    src, out = tmp_path / 'src', tmp_path / 'out'
    text(src / 'data.yaml', "names: ['a']\n")
    raw = Image.new('RGB', (40, 20), (0, 0, 255))
    raw.paste((255, 0, 0), (0, 0, 20, 20))  # left half red -> top half once rotated
    exif = Image.Exif()
    exif[0x0112] = 6
    (src / 'images/train').mkdir(parents=True)
    raw.save(src / 'images/train/e.jpg', exif=exif)
    image(src / 'images/val/v.jpg', 8, 8)
    text(src / 'labels/train/e.txt', '0 0.5 0.25 1.0 0.5\n')  # the top half as displayed
    text(src / 'labels/val/v.txt', '')  # a split without one label file would be fatal
    meta = run('yolo', src, out, max_size=20)
    assert meta['splits'] == {'train': 1, 'val': 1}
    assert coco_boxes(out, 'train') == {'e.jpg': [(1, [0.0, 0.0, 10.0, 10.0])]}
    with Image.open(out / 'train/e.jpg') as img:
        assert img.size == (10, 20) and not img.getexif().get(0x0112)
        red, blue = img.convert('RGB').getpixel((5, 3)), img.convert('RGB').getpixel((5, 16))
    assert red[0] > 200 > red[2] and blue[2] > 200 > blue[0]
    assert meta['summary']['repairs']['exif_rotated']['count'] == 1


def voc_xml(filename, width, height, objects):
    objs = ''.join(
        f'<object><name>{n}</name><difficult>{d}</difficult><bndbox><xmin>{b[0]}</xmin>'
        f'<ymin>{b[1]}</ymin><xmax>{b[2]}</xmax><ymax>{b[3]}</ymax></bndbox></object>'
        for n, b, d in objects)
    return (f'<annotation><filename>{filename}</filename><size><width>{width}</width>'
            f'<height>{height}</height><depth>3</depth></size>{objs}</annotation>')


def voc_dataset(root: Path) -> Path:
    image(root / 'JPEGImages/x1.jpg', 64, 48)
    image(root / 'JPEGImages/x2.jpg', 64, 48)
    image(root / 'JPEGImages/x3.jpg', 64, 48)  # no XML: an empty image
    text(root / 'Annotations/x1.xml', voc_xml('x1.jpg', 64, 48, [
        ('dog', (1, 1, 10, 20), 0), ('cat', (11, 5, 64, 48), 1)]))
    text(root / 'Annotations/x2.xml', voc_xml('x2.jpg', 64, 48, [('cat', (2, 3, 4, 5), 0)]))
    text(root / 'ImageSets/Main/train.txt', 'x1\nx3\n')
    text(root / 'ImageSets/Main/val.txt', 'x2\n')
    return root


def test_voc_one_based_like_mmdet(tmp_path):
    src, out = voc_dataset(tmp_path / 'VOC'), tmp_path / 'out'
    meta = run('voc', src, out)
    assert meta['classes'] == ['cat', 'dog']  # collected, sorted
    # mmdet XMLDataset: [xmin-1, ymin-1, xmax-1, ymax-1]; w = xmax - xmin
    assert coco_boxes(out, 'train') == {'x1.jpg': [(2, [0.0, 0.0, 9.0, 19.0]),
                                                   (1, [10.0, 4.0, 53.0, 43.0])], 'x3.jpg': []}
    assert coco_boxes(out, 'val') == {'x2.jpg': [(1, [1.0, 2.0, 2.0, 2.0])]}
    assert meta['summary']['splits']['train']['difficult'] == 1  # kept by default


def test_voc_skip_difficult_and_classes_order(tmp_path):
    src, out = voc_dataset(tmp_path / 'VOC'), tmp_path / 'out'
    meta = run('voc', src, out, skip_difficult=True, classes=['dog', 'cat'])
    assert coco_boxes(out, 'train')['x1.jpg'] == [(1, [0.0, 0.0, 9.0, 19.0])]
    assert meta['summary']['dropped']['difficult']['count'] == 1
    assert meta['summary']['dropped']['difficult']['examples'] == ['Annotations/x1.xml (object 2)']
    assert meta['summary']['dropped']['difficult']['per_class'] == {'cat': 1}


def test_voc_images_in_no_split_list_are_left_out(tmp_path):
    src, out = voc_dataset(tmp_path / 'VOC'), tmp_path / 'out'
    image(src / 'JPEGImages/x4.jpg', 8, 8)
    text(src / 'Annotations/x4.xml', voc_xml('x4.jpg', 8, 8, [('cat', (1, 1, 5, 5), 0)]))
    meta = run('voc', src, out)
    assert meta['splits'] == {'train': 2, 'val': 1}
    assert meta['summary']['repairs']['unlisted']['examples'] == ['x4.jpg']
    meta = run('voc', src, tmp_path / 'all', split_ratio=[0.5, 0.5])
    assert sum(meta['splits'].values()) == 4


def test_voc_unknown_class_with_classes_is_fatal(tmp_path):
    src, out = voc_dataset(tmp_path / 'VOC'), tmp_path / 'out'
    with pytest.raises(ConversionError, match=r"Annotations/x1.xml \(object 2\): class 'cat' "
                       r"is not in --classes \['dog'\]"):
        run('voc', src, out, classes=['dog'])
    assert_nothing_written(out)


def coco_json(images, annotations, categories):
    return json.dumps(dict(images=images, annotations=annotations, categories=categories))


def test_coco_reindexes_categories_and_clips(tmp_path):
    src, out = tmp_path / 'src', tmp_path / 'out'
    cats = [dict(id=7, name='dog'), dict(id=3, name='cat')]
    image(src / 'train/p.jpg', 50, 40)
    image(src / 'val/q.jpg', 20, 20)
    text(src / 'annotations/instances_train.json', coco_json(
        [dict(id=5, file_name='p.jpg', width=50, height=40)],
        [dict(id=1, image_id=5, category_id=7, bbox=[1, 2, 3, 4], iscrowd=0),
         dict(id=2, image_id=5, category_id=3, bbox=[40, 30, 20, 20], iscrowd=0),  # clipped
         dict(id=3, image_id=5, category_id=3, bbox=[5, 5, 0, 4], iscrowd=0)], cats))  # zero w
    text(src / 'annotations/instances_val.json', coco_json(
        [dict(id=1, file_name='q.jpg', width=20, height=20)],
        [dict(id=9, image_id=1, category_id=3, bbox=[2, 2, 5, 5])], cats))
    meta = run('coco', src, out)
    assert meta['classes'] == ['cat', 'dog']  # category id order 3, 7
    assert coco_boxes(out, 'train') == {'p.jpg': [(2, [1.0, 2.0, 3.0, 4.0]),
                                                  (1, [40.0, 30.0, 10.0, 10.0])]}
    assert coco_boxes(out, 'val') == {'q.jpg': [(1, [2.0, 2.0, 5.0, 5.0])]}
    summary = meta['summary']
    assert summary['boxes_clipped'] == 1
    assert summary['repairs']['clipped']['examples'] == [
        'annotations/instances_train.json (annotation id 2)']
    assert summary['dropped']['empty_box']['examples'] == [
        'annotations/instances_train.json (annotation id 3)']


def test_coco_roboflow_layout_drops_parent_category(tmp_path):
    src, out = tmp_path / 'src', tmp_path / 'out'
    cats = [dict(id=0, name='fish-x', supercategory='none'),
            dict(id=1, name='fish', supercategory='fish-x'),
            dict(id=2, name='shark', supercategory='fish-x')]
    for split in ('train', 'valid'):
        image(src / split / 'r.jpg', 30, 30)
        text(src / split / '_annotations.coco.json', coco_json(
            [dict(id=0, file_name='r.jpg', width=30, height=30)],
            [dict(id=0, image_id=0, category_id=2, bbox=[0, 0, 10, 10])], cats))
    meta = run('coco', src, out)
    assert meta['classes'] == ['fish', 'shark'] and meta['splits'] == {'train': 1, 'val': 1}
    assert coco_boxes(out, 'val') == {'r.jpg': [(2, [0.0, 0.0, 10.0, 10.0])]}


@pytest.mark.parametrize('defect, message', [
    ('categories', "categories of 'val' .* differ from those of 'train'"),
    ('missing_image', r'instances_train.json \(image id 5\): image file train/p.jpg is missing'),
    ('bad_json', r'instances_val.json:1: invalid JSON'),
    ('bad_category', r'\(annotation id 1\): category_id 99 is not in categories'),
    ('bad_bbox', r"\(annotation id 1\): non-numeric bbox"),
])
def test_coco_fatal_problems(tmp_path, defect, message):
    src, out = tmp_path / 'src', tmp_path / 'out'
    cats = [dict(id=1, name='a')]
    if defect != 'missing_image':
        image(src / 'train/p.jpg', 20, 20)
    image(src / 'val/q.jpg', 20, 20)
    bbox = ['x', 1, 2, 3] if defect == 'bad_bbox' else [1, 1, 2, 2]
    text(src / 'annotations/instances_train.json', coco_json(
        [dict(id=5, file_name='p.jpg', width=20, height=20)],
        [dict(id=1, image_id=5, category_id=99 if defect == 'bad_category' else 1, bbox=bbox)],
        cats))
    text(src / 'annotations/instances_val.json', '{"images": [' if defect == 'bad_json' else
         coco_json([dict(id=1, file_name='q.jpg')], [],
                   [dict(id=2, name='a')] if defect == 'categories' else cats))
    with pytest.raises(ConversionError, match=message):
        run('coco', src, out)
    assert_nothing_written(out)


def test_dota_polygons_headers_difficult_and_resize(tmp_path):
    src, out = tmp_path / 'src', tmp_path / 'out'
    image(src / 'train/images/d1.png', 200, 100)
    image(src / 'train/images/d2.png', 50, 50)
    image(src / 'val/images/d3.png', 50, 50)
    text(src / 'train/labelTxt/d1.txt', 'imagesource:GoogleEarth\ngsd:0.5\n'
         '10 10 50 10 50 30 10 30 plane 1\n100 20 140 60 100 100 60 60 ship\n')
    text(src / 'train/labelTxt/d2.txt', '')
    text(src / 'val/labelTxt/d3.txt', '1 1 9 1 9 9 1 9 ship 0\n')
    meta = run('dota', src, out, max_size=100)
    assert meta['format'] == 'dota' and meta['classes'] == ['plane', 'ship']
    assert meta['img_suffix'] == 'png'
    assert dota_objects(out, 'train', 'd1') == [
        ([5, 5, 25, 5, 25, 15, 5, 15], 'plane', 1), ([50, 10, 70, 30, 50, 50, 30, 30], 'ship', 0)]
    assert dota_objects(out, 'train', 'd2') == []  # every image has a label file
    assert dota_objects(out, 'val', 'd3') == [([1, 1, 9, 1, 9, 9, 1, 9], 'ship', 0)]
    with Image.open(out / 'train/images/d1.png') as img:
        assert img.size == (100, 50)
    assert meta['summary']['splits']['train'] == dict(images=2, boxes=2, empty_images=1,
                                                      difficult=1)


def test_dota_mixed_image_types_share_one_suffix(tmp_path):
    src, out = tmp_path / 'src', tmp_path / 'out'
    for name in ('a.jpg', 'b.jpg', 'c.png'):
        image(src / 'train/images' / name, 20, 20)
        text(src / 'train/labelTxt' / f'{Path(name).stem}.txt', '1 1 9 1 9 9 1 9 x\n')
    meta = run('dota', src, out)
    assert meta['img_suffix'] == 'jpg'
    assert sorted(p.name for p in (out / 'train/images').iterdir()) == ['a.jpg', 'b.jpg', 'c.jpg']
    with Image.open(out / 'train/images/c.jpg') as img:
        assert img.format == 'JPEG'
    assert meta['summary']['repairs']['reencoded']['count'] == 1


def test_yolo_obb_to_dota(tmp_path):
    src, out = tmp_path / 'src', tmp_path / 'out'
    text(src / 'data.yaml', "names: ['big box', 'can']\n")
    image(src / 'train/images/o.jpg', 100, 50)
    text(src / 'train/labels/o.txt', '0 0.1 0.2 0.5 0.2 0.5 0.6 0.1 0.6\n')
    meta = run('yolo-obb', src, out)
    assert meta['classes'] == ['big_box', 'can']  # DOTA lines are split on whitespace
    assert dota_objects(out, 'train', 'o') == [([10, 10, 50, 10, 50, 30, 10, 30], 'big_box', 0)]


# --------------------------------------------------------------------------- #
# bad labels: fatal (nothing written) and repairable (counted)
# --------------------------------------------------------------------------- #
FATAL_YOLO = [
    ('0 0.5 0.5 0.2 0.2\n7 0.5 0.5 0.1 0.1\n',
     r'train/labels/a.txt:2: class id 7 outside the 2 classes of data.yaml \(0..1\)'),
    ('0 0.5 abc 0.2 0.2\n', r"train/labels/a.txt:1: non-numeric coordinates '0.5 abc 0.2 0.2'"),
    ('0 0.5 0.5 0.2\n', r'train/labels/a.txt:1: 4 fields, expected 5'),
    ('0 0.1 0.1 0.5 0.1 0.5 0.5 0.1 0.5\n', r'a.txt:1: 9 fields.*use --format yolo-obb'),
    ('0 50 30 20 10\n', r'a.txt:1: coordinates 50 30 20 10 are not normalised'),
    ('x 0.5 0.5 0.2 0.2\n', r"a.txt:1: class id 'x' is not an integer"),
]


@pytest.mark.parametrize('label, message', FATAL_YOLO)
def test_fatal_label_lines(tmp_path, label, message):
    src, out = yolo_dataset(tmp_path / 'src'), tmp_path / 'out'
    text(src / 'train/labels/a.txt', label)
    with pytest.raises(ConversionError, match=message) as err:
        run('yolo', src, out)
    assert 'nothing was written' in str(err.value)
    assert_nothing_written(out)


def test_fatal_label_without_image_and_folder_without_images(tmp_path):
    src, out = yolo_dataset(tmp_path / 'src'), tmp_path / 'out'
    text(src / 'train/labels/ghost.txt', '0 0.5 0.5 0.1 0.1\n')
    text(src / 'test/labels/t.txt', '0 0.5 0.5 0.1 0.1\n')
    with pytest.raises(ConversionError) as err:
        run('yolo', src, out)
    msg = str(err.value)
    assert 'train/labels/ghost.txt: no image ghost.* in train/images' in msg
    assert 'test/labels: 1 label files but no images in test/images' in msg
    assert '2 problem(s)' in msg
    assert_nothing_written(out)


def test_fatal_problems_are_all_collected_then_truncated(tmp_path):
    src, out = yolo_dataset(tmp_path / 'src'), tmp_path / 'out'
    text(src / 'train/labels/a.txt', ''.join(f'{9} 0.5 0.5 0.1 0.1\n' for _ in range(25)))
    with pytest.raises(ConversionError) as err:
        run('yolo', src, out)
    msg = str(err.value)
    assert '25 problem(s)' in msg and 'a.txt:20:' in msg and 'a.txt:21:' not in msg
    assert '... and 5 more' in msg


@pytest.mark.parametrize('fmt, make, message', [
    ('yolo', lambda r: None, 'no images found'),
    ('voc', lambda r: image(r / 'data/JPEGImages/a.jpg', 8, 8) and
     text(r / 'data/Annotations/a.xml', '<x'),
     r'no Annotations folder; pass the folder that holds Annotations/, e\.g\. --src .*data'),
    ('voc', lambda r: image(r / 'JPEGImages/a.jpg', 8, 8) and
     text(r / 'Annotations/a.xml', '<annotation><object>\n<name>a</name'),
     r'Annotations/a.xml:2: unreadable XML'),
    ('voc', lambda r: text(r / 'Annotations/a.xml', voc_xml('a.jpg', 8, 8, [])),
     r'Annotations/a.xml: no image a\.\* in JPEGImages'),
    ('dota', lambda r: image(r / 'train/images/a.png', 8, 8) and
     text(r / 'train/labelTxt/a.txt', '1 1 5 1 5 5 car 0\n'),
     r'train/labelTxt/a.txt:1: 8 fields \(fewer than 4 points\)'),
    ('dota', lambda r: image(r / 'train/images/a.png', 8, 8) and
     text(r / 'train/labelTxt/a.txt', '1 1 5 1 5 5 1 5 car hard\n'),
     r"a.txt:1: difficult 'hard' is not an integer"),
    ('yolo', lambda r: text(r / 'data.yaml', 'names: [a]') and
     text(r / 'train/images/a.jpg', 'not an image'), r'train/images/a.jpg: cannot read the image'),
], ids=['empty', 'voc_root', 'bad_xml', 'xml_without_image', 'few_points', 'difficult', 'image'])
def test_fatal_inputs(tmp_path, fmt, make, message):
    src, out = tmp_path / 'src', tmp_path / 'out'
    src.mkdir()
    make(src)
    with pytest.raises(ConversionError, match=message):
        run(fmt, src, out)
    assert_nothing_written(out)


def test_repairs_are_done_and_counted_with_locations(tmp_path):
    src, out = tmp_path / 'src', tmp_path / 'out'
    text(src / 'data.yaml', "names: ['a']\n")
    image(src / 'train/images/r.jpg', 100, 100)
    text(src / 'train/labels/r.txt', '\n'.join([
        '0 0.5 0.5 0.2 0.2',    # 1 kept
        '0 0.5 0.5 0 0.2',      # 2 zero width: dropped
        '0 0.95 0.5 0.2 0.2',   # 3 partly outside: clipped to x 85..100
        '0 1.3 0.5 0.2 0.2',    # 4 fully outside: dropped
        '0 0.5 0.5 0.005 0.2',  # 5 0.5 px wide: under --min-size, dropped
    ]) + '\n')
    meta = run('yolo', src, out)
    assert coco_boxes(out, 'train') == {'r.jpg': [(1, [40.0, 40.0, 20.0, 20.0]),
                                                  (1, [85.0, 40.0, 15.0, 20.0])]}
    s = meta['summary']
    assert s['boxes_read'] == 5 and s['dropped_total'] == 3 and s['boxes_clipped'] == 1
    assert {k: v['examples'] for k, v in s['dropped'].items()} == {
        'empty_box': ['train/labels/r.txt:2'], 'outside': ['train/labels/r.txt:4'],
        'tiny': ['train/labels/r.txt:5']}
    assert s['repairs']['clipped']['examples'] == ['train/labels/r.txt:3']
    assert 'train/labels/r.txt:4' in meta['text']


def test_degenerate_and_outside_polygons(tmp_path):
    src, out = tmp_path / 'src', tmp_path / 'out'
    image(src / 'train/images/p.png', 100, 100)
    text(src / 'train/labelTxt/p.txt', '\n'.join([
        '10 10 30 10 30 30 10 30 a 0',      # 1 kept
        '10 10 20 20 30 30 40 40 a 0',      # 2 collinear: degenerate
        '10 10 10 10 10 10 10 10 a 0',      # 3 one point: degenerate
        '90 40 120 40 120 60 90 60 a 0',    # 4 partly outside: kept unclipped
        '200 10 220 10 220 30 200 30 a 0',  # 5 fully outside: dropped
    ]) + '\n')
    meta = run('dota', src, out)
    assert [o[0] for o in dota_objects(out, 'train', 'p')] == [
        [10, 10, 30, 10, 30, 30, 10, 30], [90, 40, 120, 40, 120, 60, 90, 60]]
    s = meta['summary']
    assert s['dropped']['degenerate']['examples'] == ['train/labelTxt/p.txt:2',
                                                      'train/labelTxt/p.txt:3']
    assert s['dropped']['outside']['examples'] == ['train/labelTxt/p.txt:5']
    assert s['repairs']['poly_outside']['examples'] == ['train/labelTxt/p.txt:4']


def test_geometry_rules():
    assert fit_object(np.array([-5., 0, 10, 10]), 20, 20).event == 'clipped'
    assert fit_object(np.array([0., 0, 10, 10]), 20, 20, 0.5, 0.5).coords.tolist() == [0, 0, 5, 5]
    assert fit_object(np.array([0., 0, 10, 1.5]), 20, 20, 0.5, 0.5).event == 'tiny'
    assert fit_object(np.array([0, 0, 4, 0, 0, 3, 4, 3.]), 20, 20).event is None  # bow-tie order
    assert min_rect_sides(np.array([[0, 0], [4, 4], [3, 5], [-1, 1]])) == pytest.approx(
        (2 ** 0.5, 4 * 2 ** 0.5))


# --------------------------------------------------------------------------- #
# splits
# --------------------------------------------------------------------------- #
def pool(root: Path, n: int = 20) -> Path:
    text(root / 'classes.txt', 'a\n')
    for i in range(n):
        image(root / f'images/im{i:02d}.jpg', 16, 16)
        text(root / f'labels/im{i:02d}.txt', '0 0.5 0.5 0.5 0.5\n')
    return root


def split_files(out: Path) -> dict:
    meta = json.loads((out / 'meta.json').read_text())
    return {s: sorted(coco_boxes(out, s)) for s in meta['splits']}


def test_split_ratio_is_deterministic_and_covers_every_image_once(tmp_path):
    src = pool(tmp_path / 'src')
    run('yolo', src, tmp_path / 'o1', split_ratio=[0.6, 0.2, 0.2], seed=3)
    run('yolo', src, tmp_path / 'o2', split_ratio=[0.6, 0.2, 0.2], seed=3)
    run('yolo', src, tmp_path / 'o3', split_ratio=[0.6, 0.2, 0.2], seed=4)
    first = split_files(tmp_path / 'o1')
    assert first == split_files(tmp_path / 'o2') != split_files(tmp_path / 'o3')
    assert {s: len(v) for s, v in first.items()} == {'train': 12, 'val': 4, 'test': 4}
    every = sorted(sum(first.values(), []))
    assert every == [f'im{i:02d}.jpg' for i in range(20)]


def test_pool_needs_split_ratio_and_ratios_are_checked(tmp_path):
    src = pool(tmp_path / 'src', 3)
    with pytest.raises(ConversionError, match='pass --split-ratio'):
        run('yolo', src, tmp_path / 'out')
    with pytest.raises(ConversionError, match='must sum to 1'):
        run('yolo', src, tmp_path / 'out', split_ratio=[0.8, 0.1])
    assert_nothing_written(tmp_path / 'out')


def test_resplit_renames_clashing_names(tmp_path):
    src, out = yolo_dataset(tmp_path / 'src'), tmp_path / 'out'
    image(src / 'valid/images/a.jpg', 10, 10)  # same name as train/images/a.jpg
    meta = run('yolo', src, out, split_ratio=[1.0, 0.0])
    assert sorted(coco_boxes(out, 'train')) == ['a.jpg', 'b.jpg', 'c.png', 'valid_a.jpg']
    assert meta['summary']['repairs']['renamed']['count'] == 1


# --------------------------------------------------------------------------- #
# output folder and command line
# --------------------------------------------------------------------------- #
def test_existing_output_is_refused_unless_overwrite(tmp_path):
    src, out = yolo_dataset(tmp_path / 'src'), tmp_path / 'out'
    run('yolo', src, out)
    text(out / 'stale.txt', 'x')
    with pytest.raises(ConversionError, match='exists and is not empty; pass --overwrite'):
        run('yolo', src, out)
    assert (out / 'stale.txt').exists()
    run('yolo', src, out, overwrite=True)  # an earlier conversion: replaced
    assert not (out / 'stale.txt').exists() and (out / 'meta.json').is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ['out', 'src']  # no tmp/old left
    with pytest.raises(ConversionError, match='overlaps --src'):
        run('yolo', src, src / 'converted', overwrite=True)


def cli(*args):
    return subprocess.run([sys.executable, str(TOOL), *map(str, args)], capture_output=True,
                          text=True, timeout=300)


def test_cli_reports_problems_with_status_2_and_no_traceback(tmp_path):
    src, out = yolo_dataset(tmp_path / 'src'), tmp_path / 'out'
    text(src / 'train/labels/a.txt', '3 0.5 0.5 0.1 0.1\n')
    proc = cli('--format', 'yolo', '--src', src, '--out', out)
    assert proc.returncode == 2
    assert 'train/labels/a.txt:1: class id 3 outside' in proc.stderr
    assert 'Traceback' not in proc.stderr
    assert_nothing_written(out)


def test_cli_converts_and_prints_summary(tmp_path):
    src, out = yolo_dataset(tmp_path / 'src'), tmp_path / 'out'
    proc = cli('--format', 'yolo', '--src', src, '--out', out, '--classes', 'kitty', 'puppy')
    assert proc.returncode == 0, proc.stderr
    assert 'images without a label file' in proc.stdout and 'puppy' in proc.stdout
    assert json.loads((out / 'meta.json').read_text())['classes'] == ['kitty', 'puppy']
    helptext = cli('--help').stdout
    for word in ('yolo-obb', 'ImageSets/Main', '_annotations.coco.json', 'labelTxt',
                 'data.yaml', 'exit 2'):
        assert word in helptext


# --------------------------------------------------------------------------- #
# break-test regressions: silent losses, tracebacks and misleading messages
# --------------------------------------------------------------------------- #
def dota_dataset(root: Path) -> Path:
    """train: d1.png (1 polygon); val: d2.png (1 polygon)."""
    for split, stem in (('train', 'd1'), ('val', 'd2')):
        image(root / split / 'images' / f'{stem}.png', 40, 40)
        text(root / split / 'labelTxt' / f'{stem}.txt', '1 1 20 1 20 20 1 20 car 0\n')
    return root


@pytest.mark.parametrize('fmt, make, messages', [
    ('dota', yolo_dataset, [r'train/images: 2 images but not one label file \(looked for '
                            r'train/labelTxt/\*\.txt', r'valid/images: 1 images',
                            r'found train/labels/\*\.txt .*: --format yolo is probably meant']),
    ('yolo', lambda r: text(dota_dataset(r) / 'data.yaml', 'names: [car]'),
     [r'looked for train/labels/\*\.txt', r'--format dota is probably meant']),
    ('yolo', lambda r: (yolo_dataset(r) / 'train/labels').rename(r / 'train/label'),
     [r"train/images: 2 images but not one label file \(looked for train/labels/\*\.txt; "
      r"train/ holds the folders \['images', 'label'\]\)"]),
    ('voc', lambda r: [p.unlink() for p in (voc_dataset(r) / 'Annotations').iterdir()],
     [r"split 'train' of ImageSets/Main: 2 images but not one label file \(looked for "
      r'Annotations/STEM\.xml', r"split 'val' of ImageSets/Main: 1 images"]),
], ids=['dota_on_yolo', 'yolo_on_dota', 'misnamed_label_folder', 'voc_empty_annotations'])
def test_split_without_any_label_file_is_fatal(tmp_path, fmt, make, messages):
    """Labels in the wrong place used to give a dataset of empty images and exit 0."""
    src, out = tmp_path / 'src', tmp_path / 'out'
    src.mkdir()
    make(src)
    with pytest.raises(ConversionError) as err:
        run(fmt, src, out)
    for message in messages:
        assert re.search(message, str(err.value)), str(err.value)
    assert_nothing_written(out)


def test_no_box_at_all_is_fatal(tmp_path):
    src, out = yolo_dataset(tmp_path / 'src'), tmp_path / 'out'
    with pytest.raises(ConversionError, match=r'no box to write: all 3 boxes read were dropped '
                       r'\(smaller than --min-size px in the written image: 3\)'):
        run('yolo', src, out, min_size=500)
    for label in ('train/labels/a.txt', 'valid/labels/c.txt'):
        text(src / label, '')
    with pytest.raises(ConversionError, match='no box to write: the label files hold no box'):
        run('yolo', src, out)
    assert_nothing_written(out)


def test_voc_trainval_is_train_and_left_out_images_are_prominent(tmp_path):
    src, out = voc_dataset(tmp_path / 'VOC'), tmp_path / 'out'
    (src / 'ImageSets/Main/train.txt').unlink()
    (src / 'ImageSets/Main/val.txt').unlink()
    text(src / 'ImageSets/Main/trainval.txt', 'x1\nx3\n')
    text(src / 'ImageSets/Main/test.txt', '')
    meta = run('voc', src, out)  # x2 (1 box) is in no list
    assert meta['splits'] == {'train': 2}
    assert any('trainval.txt is the train split' in n for n in meta['notes'])
    s = meta['summary']
    assert s['left_out'] == dict(images=1, boxes=1)
    assert s['boxes_read'] == s['total']['boxes'] + 1 == 3
    assert meta['text'].startswith('LEFT OUT: 1 images with 1 boxes')
    assert 'left out with their images 1' in meta['text']
    assert any('LEFT OUT' in w for w in meta['warnings'])
    assert any('no val split' in w and '--split-ratio' in w for w in meta['warnings'])
    # with val.txt, trainval less val is train
    text(src / 'ImageSets/Main/trainval.txt', 'x1\nx2\nx3\n')
    text(src / 'ImageSets/Main/val.txt', 'x2\n')
    meta = run('voc', src, tmp_path / 'out2')
    assert meta['splits'] == {'train': 2, 'val': 1} and meta['summary']['left_out']['images'] == 0
    assert meta['warnings'] == []


@pytest.mark.parametrize('ratios, empty', [([0.95, 0.05], 'val'), ([0.7, 0.2, 0.1], 'test')])
def test_requested_split_left_empty_is_fatal(tmp_path, ratios, empty):
    src = pool(tmp_path / 'src', 5)
    with pytest.raises(ConversionError, match=rf'leaves a requested split empty with 5 images: '
                       rf'{empty} \(.* rounds to 0\); give every requested split a ratio of '
                       r'at least 0.2 \(1 image of 5\), or ask for fewer splits'):
        run('yolo', src, tmp_path / 'out', split_ratio=ratios)
    assert_nothing_written(tmp_path / 'out')
    meta = run('yolo', src, tmp_path / 'ok', split_ratio=[0.6, 0.4, 0.0])
    assert meta['splits'] == {'train': 3, 'val': 2}


def test_output_without_val_warns(tmp_path):
    src, out = tmp_path / 'src', tmp_path / 'out'
    image(src / 'train/p.jpg', 20, 20)
    text(src / 'annotations/instances_train.json', coco_json(
        [dict(id=1, file_name='p.jpg')], [dict(id=1, image_id=1, category_id=1, bbox=[1, 1, 5, 5])],
        [dict(id=1, name='a')]))
    proc = cli('--format', 'coco', '--src', src, '--out', out, '--quiet')
    assert proc.returncode == 0, proc.stderr
    assert 'warning: the output has no val split: tools/benchmark/compare.py' in proc.stdout
    assert json.loads((out / 'meta.json').read_text())['warnings']


def test_duplicate_class_names_are_fatal_and_case_variants_noted(tmp_path):
    src = yolo_dataset(tmp_path / 'src')
    text(src / 'data.yaml', "names: ['cat', 'cat']\n")
    with pytest.raises(ConversionError, match=r"data.yaml: duplicated class names \['cat'\]"):
        run('yolo', src, tmp_path / 'out')
    (src / 'data.yaml').unlink()
    text(src / 'classes.txt', 'dog\ndog\n')
    with pytest.raises(ConversionError, match=r"classes.txt: duplicated class names \['dog'\]"):
        run('yolo', src, tmp_path / 'out')
    voc = voc_dataset(tmp_path / 'VOC')
    text(voc / 'Annotations/x2.xml', voc_xml('x2.jpg', 64, 48, [('Cat', (2, 3, 4, 5), 0)]))
    meta = run('voc', voc, tmp_path / 'voc_out')
    assert meta['classes'] == ['Cat', 'cat', 'dog']
    assert any("differing only by case are kept as separate classes: [['Cat', 'cat']]" in n
               for n in meta['notes'])


def test_unrelated_yaml_is_passed_over(tmp_path):
    src, out = yolo_dataset(tmp_path / 'src'), tmp_path / 'out'
    (src / 'data.yaml').rename(src / 'dataset.yaml')
    text(src / 'args.yaml', 'epochs: 10\n')
    meta = run('yolo', src, out)
    assert meta['classes'] == ['cat', 'dog']
    assert "classes from dataset.yaml: ['cat', 'dog'] (passed over: args.yaml (no 'names'))" \
        in meta['notes']
    (src / 'dataset.yaml').unlink()
    with pytest.raises(ConversionError, match=r"class names unknown \(tried args.yaml \(no "
                       r"'names'\)\)"):
        run('yolo', src, tmp_path / 'out2')


def test_unreadable_text_and_mixed_coco_ids_are_reported_not_raised(tmp_path):
    voc = voc_dataset(tmp_path / 'VOC')
    (voc / 'ImageSets/Main/train.txt').write_bytes(b'x1\nx3 caf\xe9\n')
    with pytest.raises(ConversionError, match=r'ImageSets/Main/train.txt:2: the split list is '
                       r'not UTF-8 text \(byte 0xe9 at offset 9\); save it as UTF-8'):
        run('voc', voc, tmp_path / 'out')
    src = yolo_dataset(tmp_path / 'src')
    (src / 'data.yaml').unlink()
    (src / 'classes.txt').write_bytes(b'chat\nb\xeate\n')
    with pytest.raises(ConversionError, match=r'classes.txt:2: the class list is not UTF-8'):
        run('yolo', src, tmp_path / 'out')
    proc = cli('--format', 'yolo', '--src', src, '--out', tmp_path / 'out',
               '--classes', src / 'classes.txt')
    assert proc.returncode == 2 and 'Traceback' not in proc.stderr
    assert f'--classes {src / "classes.txt"}:2: not UTF-8 text' in proc.stderr
    coco = tmp_path / 'coco'
    image(coco / 'train/p.jpg', 20, 20)
    text(coco / 'annotations/instances_train.json', coco_json(
        [dict(id=1, file_name='p.jpg')], [dict(id=1, image_id=1, category_id=2, bbox=[1, 1, 5, 5])],
        [dict(id='1', name='a'), dict(id=2, name='b')]))
    proc = cli('--format', 'coco', '--src', coco, '--out', tmp_path / 'out')
    assert proc.returncode == 2 and 'Traceback' not in proc.stderr
    assert ("annotations/instances_train.json (categories entry 1): category id '1' is not an "
            'integer; write it as the number 1') in proc.stderr
    assert_nothing_written(tmp_path / 'out')


def test_ctrl_c_writes_nothing_and_removes_the_parents_it_made(tmp_path, monkeypatch, capsys):
    tool = load_script('tools/convert_dataset.py')
    load = tool._load_converters

    def load_then_interrupt_writing():
        conv = load()

        def interrupt(*args, **kwargs):
            raise KeyboardInterrupt

        monkeypatch.setattr(sys.modules[conv.__name__ + '.convert'], 'write_image', interrupt)
        return conv

    monkeypatch.setattr(tool, '_load_converters', load_then_interrupt_writing)
    src = yolo_dataset(tmp_path / 'src')
    try:
        status = tool.main(['--format', 'yolo', '--src', str(src), '--out',
                            str(tmp_path / 'new/deeper/out'), '--quiet'])
    except KeyboardInterrupt:
        pytest.fail('Ctrl-C escaped as a traceback')
    assert status == 130
    assert capsys.readouterr().err.strip() == 'interrupted; nothing written'
    assert sorted(p.name for p in tmp_path.iterdir()) == ['src']


def truncated_jpeg(path: Path) -> Path:
    """A JPEG whose header is fine but whose data stops half-way."""
    noise = np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8)
    Image.fromarray(noise).save(path)
    path.write_bytes(path.read_bytes()[:path.stat().st_size // 2])
    return path


@pytest.mark.parametrize('max_size', [None, 16])
def test_truncated_image_is_fatal_with_its_path(tmp_path, max_size):
    src, out = yolo_dataset(tmp_path / 'src'), tmp_path / 'out'
    truncated_jpeg(src / 'train/images/a.jpg')
    with pytest.raises(ConversionError, match=r'train/images/a.jpg: cannot read the image '
                       r'\(image file is truncated'):
        run('yolo', src, out, max_size=max_size)
    assert_nothing_written(out)


def test_overwrite_replaces_only_an_earlier_output_and_never_the_cwd(tmp_path, monkeypatch):
    src = yolo_dataset(tmp_path / 'src')
    precious = tmp_path / 'precious'
    text(precious / 'thesis.tex', 'x')
    with pytest.raises(ConversionError, match=r'precious is not empty and is not an earlier '
                       'conversion'):
        run('yolo', src, precious, overwrite=True)
    assert (precious / 'thesis.tex').exists()
    (tmp_path / 'empty').mkdir()
    run('yolo', src, tmp_path / 'empty', overwrite=True)
    work = tmp_path / 'work' / 'here'
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    for out in ('.', '..'):
        with pytest.raises(ConversionError, match=rf'--out {re.escape(out)} is the current '
                           'folder or contains it'):
            run('yolo', src, out, overwrite=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ['empty', 'precious', 'src', 'work']
    assert list(work.parent.iterdir()) == [work]


@pytest.mark.parametrize('line, message', [
    ('10 10 30 10 30 25 10 25 small vehicle 0',
     r"a.txt:1: class name 'small vehicle' contains spaces: class names in DOTA labelTxt cannot "
     r'contain spaces; write it small_vehicle'),
    ('10 10 30 10 30 25 10 25 small vehicle',
     r"a.txt:1: difficult 'vehicle' is not an integer \(or is 'small vehicle' one class name\?"),
    ('10 10 30 10 30 25 plane 0 x',
     r'a.txt:1: 9 fields \(fewer than 4 points\): expected 8 coordinates, found 6 numbers'),
    ('10 10 30 10 30 25 10 25', r'a.txt:1: no class name after the 8 coordinates'),
])
def test_dota_line_messages_name_the_real_mistake(tmp_path, line, message):
    src = tmp_path / 'src'
    image(src / 'train/images/a.png', 40, 40)
    text(src / 'train/labelTxt/a.txt', line + '\n')
    with pytest.raises(ConversionError, match=message):
        run('dota', src, tmp_path / 'out')


def test_voc_difficult_that_is_no_integer_counts_as_0(tmp_path):
    src = voc_dataset(tmp_path / 'VOC')
    xml = voc_xml('x2.jpg', 64, 48, [('cat', (2, 3, 4, 5), 'Unspecified')])
    text(src / 'Annotations/x2.xml', xml)
    meta = run('voc', src, tmp_path / 'out')
    assert coco_boxes(tmp_path / 'out', 'val') == {'x2.jpg': [(1, [1.0, 2.0, 2.0, 2.0])]}
    assert meta['summary']['repairs']['difficult_not_int']['examples'] == [
        "Annotations/x2.xml (object 1): 'Unspecified'"]
    assert meta['summary']['splits']['val']['difficult'] == 0


@pytest.mark.parametrize('fmt, make, inner', [
    ('yolo', yolo_dataset, 'train'),
    ('yolo', yolo_dataset, 'train/images'),
    ('dota', dota_dataset, 'train'),
    ('voc', voc_dataset, 'Annotations'),
])
def test_src_one_level_too_deep_suggests_the_root(tmp_path, monkeypatch, fmt, make, inner):
    make(tmp_path / 'data')
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConversionError, match=rf'--src data/{inner} looks like a split or label '
                       r'folder inside a dataset: pass the dataset root, --src data(;|$|\n)'):
        run(fmt, Path('data') / inner, tmp_path / 'out')


def test_min_size_help_says_width_or_height():
    helptext = ' '.join(cli('--help').stdout.split())
    assert 'drop boxes whose width or height is under PX' in helptext
    assert 'narrower' not in helptext


# --------------------------------------------------------------------------- #
# real datasets (../shared/data/real_data): counts per split and class = SOURCE.md
# --------------------------------------------------------------------------- #
# (format, folder, image counts per output split, box counts per split, per class),
# all from the SOURCE.md files
REAL = {
    'bccd': ('voc', 'bccd/BCCD', {'train': 205, 'val': 87, 'test': 72}, None,
             {'RBC': 4155, 'WBC': 372, 'Platelets': 361}),
    'aquarium': ('yolo', 'aquarium', {'train': 448, 'val': 127, 'test': 63},
                 {'train': 3324, 'val': 909, 'test': 584},
                 {'fish': 2669, 'jellyfish': 694, 'penguin': 516, 'puffin': 284, 'shark': 354,
                  'starfish': 116, 'stingray': 184}),
    'boxes2_obb': ('dota', 'boxes2_obb', {'train': 518, 'val': 179, 'test': 74},
                   {'train': 1223, 'val': 436, 'test': 182}, {'box': 1841}),
}


@pytest.fixture(scope='module')
def real(tmp_path_factory):
    if not REAL_DATA.is_dir():
        pytest.skip(f'{REAL_DATA} is missing')
    done = {}

    def get(name):
        if name not in done:
            fmt, folder = REAL[name][:2]
            out = tmp_path_factory.mktemp('real') / name
            done[name] = (out, run(fmt, REAL_DATA / folder, out, max_size=320))
        return done[name]

    return get


def dropped(summary, key):
    """Dropped boxes per split (``key='per_split'``) or class, all reasons together."""
    total = {}
    for info in summary['dropped'].values():
        for k, n in info[key].items():
            total[k] = total.get(k, 0) + n
    return total


@pytest.mark.parametrize('name', list(REAL))
def test_real_dataset_counts_match_source(real, name):
    out, meta = real(name)
    _, _, images, boxes, per_class = REAL[name]
    s = meta['summary']
    assert meta['splits'] == images
    if boxes is not None:
        lost = dropped(s, 'per_split')
        assert {k: v['boxes'] + lost.get(k, 0) for k, v in s['splits'].items()} == boxes
    lost = dropped(s, 'per_class')
    assert {c: n + lost.get(c, 0) for c, n in s['per_class']['total'].items()} == per_class
    assert s['boxes_read'] == sum(per_class.values())
    assert s['images_resized'] == sum(images.values())
    if name == 'bccd':  # SOURCE.md: 2 zero-area boxes
        assert s['dropped']['empty_box']['count'] == 2 and s['dropped_total'] == 2
    if name == 'aquarium':  # SOURCE.md: 1 train image has no box
        assert s['splits']['train']['empty_images'] == 1


@pytest.mark.parametrize('name', ['bccd', 'aquarium'])
def test_real_2d_loads_with_mmdet_coco_dataset(real, name):
    from mmdet.datasets import CocoDataset
    out, meta = real(name)
    for split, count in meta['splits'].items():
        ds = CocoDataset(data_root=str(out), ann_file=f'annotations/instances_{split}.json',
                         data_prefix=dict(img=f'{split}/'), metainfo=dict(classes=meta['classes']),
                         test_mode=True, pipeline=[])
        assert len(ds) == count
        assert sum(len(ds.get_data_info(i)['instances']) for i in range(len(ds))) == \
            meta['summary']['splits'][split]['boxes']
        info = ds.get_data_info(0)
        with Image.open(info['img_path']) as img:
            assert img.size == (info['width'], info['height']) and max(img.size) <= 320


def test_real_rotated_loads_with_mmrotate_dota_dataset(real):
    pytest.importorskip('mmrotate')
    pytest.importorskip('mmrotate.datasets')  # registers DOTADataset
    from mmengine.registry import DefaultScope
    from mmrotate.registry import DATASETS
    out, meta = real('boxes2_obb')
    with DefaultScope.overwrite_default_scope('mmrotate'):
        for split, count in meta['splits'].items():
            ds = DATASETS.build(dict(
                type='DOTADataset', data_root=str(out) + '/', ann_file=f'{split}/labelTxt/',
                data_prefix=dict(img_path=f'{split}/images/'), img_suffix=meta['img_suffix'],
                metainfo=dict(classes=meta['classes']), test_mode=True, pipeline=[]))
            assert len(ds) == count
            assert sum(len(ds.get_data_info(i)['instances']) for i in range(len(ds))) == \
                meta['summary']['splits'][split]['boxes']
            assert Path(ds.get_data_info(0)['img_path']).is_file()
