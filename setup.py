"""Build hooks of ld_plugin (metadata: pyproject.toml).

The OpenMMLab layout: ``ld_plugin/.mim/`` holds ``configs/``, ``tools/`` and ``model-index.yml``,
so that ``mim train ld_plugin CONFIG`` finds the training script and mmengine resolves
``ld_plugin::<path under configs/>`` (see ``ld_plugin/utils/package_scope.py``).

- a wheel (``pip install .``) gets copies, made in the build folder (the source tree is left
  as it is);
- an editable install (``pip install -e .``, what tools/install.sh does) gets links in the source
  tree (``ld_plugin/.mim`` is git-ignored), so edited configs take effect without reinstalling.
"""
import os
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
#: what ld_plugin/.mim holds, relative to the repository root
MIM_ITEMS = ('configs', 'tools', 'model-index.yml')


def link_mim(package_dir: Path) -> None:
    """``package_dir/.mim/<item>`` -> ``../../<item>`` (relative links), replacing old ones."""
    mim = package_dir / '.mim'
    mim.mkdir(exist_ok=True)
    for item in MIM_ITEMS:
        target = mim / item
        if target.is_symlink() or target.is_file():
            target.unlink()
        elif target.is_dir():
            shutil.rmtree(target)
        os.symlink(Path('..', '..', item), target)


def copy_mim(package_dir: Path) -> None:
    """``package_dir/.mim/<item>``: copies of the repository's (no caches)."""
    mim = package_dir / '.mim'
    if mim.exists():
        shutil.rmtree(mim)
    mim.mkdir(parents=True)
    for item in MIM_ITEMS:
        source = ROOT / item
        if source.is_dir():
            shutil.copytree(source, mim / item,
                            ignore=shutil.ignore_patterns('__pycache__', '*.pyc'))
        else:
            shutil.copy2(source, mim / item)


class BuildPyWithMim(build_py):
    """build_py that also provides ``ld_plugin/.mim`` (links when editable, else copies)."""

    def run(self) -> None:
        super().run()
        if getattr(self, 'editable_mode', False):
            link_mim(ROOT / 'ld_plugin')
        else:
            copy_mim(Path(self.build_lib) / 'ld_plugin')


setup(cmdclass={'build_py': BuildPyWithMim})
