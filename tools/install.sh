#!/usr/bin/env bash
# Create .venv/ in the repository root and install the measured stack (see README, "Install").
# Idempotent: every step checks what is already there and skips it.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${LD_PLUGIN_VENV:-$ROOT/.venv}"
PYTHON="${PYTHON:-python3}"

log() { printf '[install] %s\n' "$*"; }

if [ ! -x "$VENV/bin/python" ]; then
    log "creating virtual environment $VENV"
    "$PYTHON" -m venv "$VENV"
fi
PY="$VENV/bin/python"
pip_() { "$PY" -m pip --disable-pip-version-check "$@"; }
has() { "$PY" - "$@" <<'PYEOF' >/dev/null 2>&1
import sys
from importlib.metadata import version
name, wanted = sys.argv[1], sys.argv[2]
sys.exit(0 if version(name) == wanted else 1)
PYEOF
}

TORCH=2.14.1
TORCHVISION=0.29.1
if ! has torch "$TORCH" || ! has torchvision "$TORCHVISION"; then
    # These builds lie in the machine's local package index where there is one (no download);
    # elsewhere pip takes them from PyPI.
    log "installing torch $TORCH + torchvision $TORCHVISION"
    pip_ install "torch==$TORCH" "torchvision==$TORCHVISION"
fi
if ! "$PY" -c "import setuptools, sys; v=tuple(map(int, setuptools.__version__.split('.')[:2])); sys.exit(not ((77,0) <= v < (81,0)))" 2>/dev/null; then
    log "installing setuptools>=77,<81"
    pip_ install "setuptools>=77,<81" wheel ninja
fi
if ! has mmengine 0.10.7; then
    log "installing mmengine 0.10.7"
    pip_ install "mmengine==0.10.7"
fi
if ! has mmcv 2.1.0 || ! "$PY" -c "import mmcv.ops" 2>/dev/null; then
    bash "$ROOT/tools/build_mmcv.sh" "$PY" "$TORCH"
fi
if ! has mmdet 3.3.0; then
    log "installing mmdet 3.3.0"
    pip_ install "mmdet==3.3.0" pycocotools
fi
if ! has mmrotate-dev 1.0.1; then
    log "installing mmrotate-dev 1.0.1"
    pip_ install "mmrotate-dev==1.0.1"
fi
if ! has openmim 0.3.9; then
    # openmim's opendatalab -> openxlab chain pins setuptools 60.2; it is only needed for dataset
    # downloads, so openmim is installed without it.
    log "installing openmim 0.3.9 (without the opendatalab chain)"
    pip_ install --no-deps "openmim==0.3.9"
    pip_ install click colorama model-index pandas requests rich tabulate
fi
log "installing test and tool requirements"
pip_ install -q -r "$ROOT/requirements/tests.txt"
# Checked from outside the repository: there the package imports only if it is installed.
# The editable install also links ld_plugin/.mim/{configs,tools} (setup.py): `ld_plugin::` paths.
if ! (cd / && "$PY" -c "import ld_plugin") 2>/dev/null || [ ! -e "$ROOT/ld_plugin/.mim/configs" ]; then
    log "installing ld_plugin (editable)"
    pip_ install --no-build-isolation --no-deps -e "$ROOT"
fi
# Guard against a later install having moved setuptools outside the range torch/mmcv need.
"$PY" -c "import setuptools, sys; v=tuple(map(int, setuptools.__version__.split('.')[:2])); sys.exit(not ((77,0) <= v < (81,0)))" \
    || pip_ install "setuptools>=77,<81"
"$PY" -c "import torch, torchvision, mmcv.ops, mmdet, mmrotate, ld_plugin; print('[install] ok: torch', torch.__version__, 'mmcv', mmcv.__version__, 'mmdet', mmdet.__version__, 'mmrotate', mmrotate.__version__)"
