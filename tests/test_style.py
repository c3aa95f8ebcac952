"""The style gate: ruff (pycodestyle, pyflakes, import order; lines of at most 100
characters, ruff.toml) reports nothing on the repository."""
import subprocess
import sys
from pathlib import Path

from conftest import REPO_ROOT


def test_ruff_reports_nothing():
    ruff = Path(sys.executable).parent / 'ruff'
    proc = subprocess.run([str(ruff), 'check', '--no-cache', str(REPO_ROOT)],
                          capture_output=True, text=True, timeout=300, cwd=REPO_ROOT)
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-2000:]
