"""Install ld_plugin: ``pip install --no-build-isolation -e .`` (see README)."""
from setuptools import find_packages, setup

setup(
    name='ld_plugin',
    version='0.1.0',
    description='Localization distillation and related knowledge distillation '
    'for dense detectors, as an MMDetection 3.x / MMRotate 1.x plugin',
    packages=find_packages(include=['ld_plugin', 'ld_plugin.*']),
    python_requires='>=3.9',
    install_requires=[],  # the OpenMMLab stack is installed by tools/install.sh
    include_package_data=True,
    license='Apache-2.0',
)
