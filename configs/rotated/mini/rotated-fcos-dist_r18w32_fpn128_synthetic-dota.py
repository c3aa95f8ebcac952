# The rotated FCOS teacher at a CPU-friendly cost for real photos: ResNet-18 at 1/2 width (base
# 32) instead of ResNet-34, same FPN 128 and head as rotated-fcos-dist_r34_fpn128_synthetic-dota.py
# (the GFL teacher with this backbone ran 3x faster than ResNet-34 at 320 px on one core,
# docs/benchmarks/real.md). Use it with
# tools/benchmark/compare.py --family rotated-fcos --teacher-config <this file>.
_base_ = './rotated-fcos-dist_r34_fpn128_synthetic-dota.py'
model = dict(
    backbone=dict(depth=18, base_channels=32),
    neck=dict(in_channels=[32, 64, 128, 256]))
