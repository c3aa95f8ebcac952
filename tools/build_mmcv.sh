#!/usr/bin/env bash
# Build mmcv 2.1.0 with its ops for the installed torch and install it; the wheel is kept in
# ${XDG_CACHE_HOME:-~/.cache}/ld_plugin/wheels/torch-<version>/ so later installs skip the build.
#
# torch >= 2.14 headers need C++20, while mmcv 2.1.0's setup.py passes -std=c++14/17: the
# release's source is fetched from PyPI and built with those flags raised to -std=c++20
# (the only change). Usage: tools/build_mmcv.sh PYTHON TORCH_VERSION
set -euo pipefail

PY="$1"
TORCH="$2"
MMCV=2.1.0
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/ld_plugin/wheels/torch-$TORCH"
log() { printf '[install] %s\n' "$*"; }
pip_() { "$PY" -m pip --disable-pip-version-check "$@"; }

wheel="$(ls "$CACHE"/mmcv-"$MMCV"-*.whl 2>/dev/null | head -n 1 || true)"
if [ -z "$wheel" ]; then
    log "building mmcv $MMCV with ops for torch $TORCH from source (10-30 minutes on 2 cores; cached in $CACHE)"
    work="$(mktemp -d)"
    trap 'rm -rf "$work"' EXIT
    pip_ download -q --no-deps --no-binary :all: "mmcv==$MMCV" -d "$work"
    tar -xzf "$work/mmcv-$MMCV.tar.gz" -C "$work"
    src="$work/mmcv-$MMCV"
    sed -i "s/-std=c++14/-std=c++20/g; s/-std=c++17/-std=c++20/g" "$src/setup.py"
    if grep -q -- "-std=c++1[47]" "$src/setup.py"; then
        echo "[install] could not raise mmcv's C++ standard in $src/setup.py" >&2
        exit 1
    fi
    mkdir -p "$CACHE"
    MMCV_WITH_OPS=1 MAX_JOBS="${MAX_JOBS:-2}" pip_ wheel --no-build-isolation --no-deps "$src" -w "$work/dist"
    mv "$work"/dist/mmcv-"$MMCV"-*.whl "$CACHE"/
    wheel="$(ls "$CACHE"/mmcv-"$MMCV"-*.whl | head -n 1)"
fi
log "installing $wheel"
pip_ uninstall -q -y mmcv 2>/dev/null || true
pip_ install "$wheel"   # with mmcv's own requirements (addict, yapf, opencv, ...); none is torch
