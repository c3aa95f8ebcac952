#!/usr/bin/env python
"""Convert a detection dataset (YOLO, Pascal VOC, COCO, DOTA, YOLO-OBB) to the layouts the
configs read: COCO JSON for axis-aligned boxes, DOTA labelTxt for oriented boxes.

Examples (from the repository root)::

    python tools/convert_dataset.py --format voc --src path/to/VOCdevkit/VOC2007 \\
        --out data/my_voc --max-size 512
    python tools/convert_dataset.py --format yolo --src path/to/roboflow_export --out data/fish
    python tools/convert_dataset.py --format dota --src path/to/dota --out data/my_dota

Exit status: 0 when written (warnings, e.g. no val split or images left out, are printed
after the summary); 2 when the input or an option is unusable (every problem is listed with
its file and line; nothing is written); 1 on a system error (disk full, ...); 130 on Ctrl-C
(nothing is written). Needs numpy, Pillow, PyYAML, pycocotools
and mmengine, not torch: ``ld_plugin/datasets/converters`` is loaded straight from its folder.
"""
import argparse
import importlib.util
import sys
import textwrap
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
PACKAGE_DIR = REPO_ROOT / 'ld_plugin' / 'datasets' / 'converters'

FORMAT_HELP = textwrap.dedent("""\
    input formats (--format) and the layouts they expect under --src:

      yolo      Roboflow / ultralytics, axis-aligned boxes. One text file per image,
                one object a line: "class cx cy w h", normalised to 0..1 by the image size.
                  SRC/{train,valid,val,test}/images/*.jpg + SRC/SPLIT/labels/*.txt, or
                  SRC/images/SPLIT + SRC/labels/SPLIT, or one pool SRC/images + SRC/labels
                Class names from SRC/data.yaml ("names:" list or {id: name}), else the
                other SRC/*.yaml that has names, else a classes.txt, else --classes
                (duplicated names are an error). "valid" becomes the split "val".
      yolo-obb  ultralytics OBB, oriented boxes: "class x1 y1 x2 y2 x3 y3 x4 y4" normalised;
                same layout and class names as yolo.
      voc       Pascal VOC: SRC/Annotations/*.xml + SRC/JPEGImages/*.jpg, splits from
                SRC/ImageSets/Main/{train,val,test}.txt when present (without train.txt,
                trainval.txt less val.txt is train; images listed in none are left out, with
                a warning). SRC is the folder that holds Annotations/. Classes from
                --classes, else the object names, sorted (names differing only by case stay
                apart, with a note). Coordinates are 1-based: like mmdet, all four are
                reduced by 1 (COCO w = xmax - xmin). A <difficult> that is not an integer
                counts as 0 (counted).
      coco      COCO JSON per split: SRC/annotations/instances_{train,val,test}.json with
                images in SRC/SPLIT/ (or SRC/images/SPLIT/), or Roboflow's
                SRC/SPLIT/_annotations.coco.json with the images beside it. Categories must
                match across splits; they are renumbered 1..C in id order.
      dota      DOTA: SRC/{train,val,test}/images + SRC/SPLIT/labelTxt/*.txt, lines
                "x1 y1 x2 y2 x3 y3 x4 y4 class [difficult]" in pixels (imagesource:/gsd:
                header lines are skipped; class names cannot contain spaces). Classes from
                --classes, else the names, sorted.

    output (--out):
      yolo, voc, coco -> OUT/annotations/instances_{train,val,test}.json + OUT/SPLIT/*.jpg
      dota, yolo-obb  -> OUT/SPLIT/images/*.jpg + OUT/SPLIT/labelTxt/*.txt
                         ("x1 y1 ... x4 y4 class difficult", one image suffix: see meta.json)
      both            -> OUT/meta.json: format (coco|dota), classes, splits, source, summary

    what happens to imperfect labels:
      fatal (all listed, exit 2, nothing written): class id outside the class list, unknown
        class name with --classes, duplicated class names, non-numeric fields, wrong field
        count, YOLO coordinates not normalised, label file without its image, unreadable or
        truncated image (every image is decoded once), unreadable XML/JSON, text that is not
        UTF-8, no images, a split with images but not one label file (a misnamed label
        folder or the wrong --format: the files found are named), no box at all, a split
        asked for by --split-ratio that gets no image.
      repaired and counted in the summary: box partly outside the image (clipped; oriented
        boxes are kept unclipped), box fully outside / zero-size / degenerate polygon /
        under --min-size px after resizing (dropped), image without a label file among
        images with one (empty).
      warned about after the summary: no val split (tools/benchmark/compare.py needs train
        and val), images left out (in no ImageSets list).
    """)


def _load_converters():
    """The converters package, loaded without importing ``ld_plugin`` (torch, mmdet)."""
    spec = importlib.util.spec_from_file_location(
        '_ld_plugin_converters', PACKAGE_DIR / '__init__.py',
        submodule_search_locations=[str(PACKAGE_DIR)])
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Convert a detection dataset to the COCO / DOTA layouts the configs read.',
        epilog=FORMAT_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--format', required=True,
                        choices=('yolo', 'voc', 'coco', 'dota', 'yolo-obb'),
                        help='input format (see below)')
    parser.add_argument('--src', required=True, help='input dataset folder')
    parser.add_argument('--out', required=True, help='output folder (written atomically)')
    parser.add_argument('--classes', nargs='+', metavar='NAME',
                        help='class names in order (or one text file, a name a line); '
                        'overrides data.yaml / the names found in the labels')
    parser.add_argument('--max-size', type=int, metavar='N',
                        help='shrink images whose longest side exceeds N px (aspect kept, '
                        'JPEG quality 95) and scale the boxes with them')
    parser.add_argument('--split-ratio', type=float, nargs='+', metavar='R',
                        help='re-split all images: train val [test] fractions summing to 1 '
                        '(needed for a single pool of images)')
    parser.add_argument('--seed', type=int, default=0, help='seed of --split-ratio (default 0)')
    parser.add_argument('--skip-difficult', action='store_true',
                        help='drop VOC/DOTA objects marked difficult (kept by default)')
    parser.add_argument('--min-size', type=float, default=1.0, metavar='PX',
                        help='drop boxes whose width or height is under PX in the written '
                        'image (oriented boxes: the short side; default 1; '
                        "mmdet's CocoDataset ignores boxes under 1 px anyway)")
    parser.add_argument('--overwrite', action='store_true',
                        help='replace --out when it holds an earlier conversion (meta.json); '
                        'any other non-empty folder is refused')
    parser.add_argument('--quiet', action='store_true', help='no progress bar')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    conv = _load_converters()
    try:
        classes = conv.parse_classes_arg(args.classes)
    except (OSError, ValueError) as err:
        print(f'error: {err}', file=sys.stderr)
        return 2
    options = conv.ConvertOptions(
        classes=classes, max_size=args.max_size, split_ratio=args.split_ratio, seed=args.seed,
        skip_difficult=args.skip_difficult, min_size=args.min_size, overwrite=args.overwrite)
    try:
        result = conv.convert(args.format, args.src, args.out, options, progress=not args.quiet)
    except conv.ConversionError as err:
        print(f'error: {err}', file=sys.stderr)
        return 2
    except OSError as err:
        print(f'error: {err}', file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print('interrupted; nothing written', file=sys.stderr)
        return 130
    for note in result['notes']:
        print(f'note: {note}')
    print(f'Converted {args.format} {args.src} -> {args.out} (output format {result["format"]}, '
          f'{len(result["classes"])} classes) in {result["seconds"]:.1f} s')
    print(result['text'])
    for warning in result['warnings']:
        print(f'warning: {warning}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
