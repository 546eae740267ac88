"""Which packages the wheel and the sdist hold (the rest of the metadata is in pyproject.toml).

Code packages are *found*, not listed: every package under ``gendan/`` and ``macros_py/`` goes
in, so a new subpackage cannot be left out of an install (``gendan/documents`` once was).
Two repository folders ship as data packages of gendan, staying where users look for them in
a checkout: ``schemas/`` (the YAML) as ``gendan.schemas`` and ``addin/`` (the built
gendan.xlam, its ribbon XML and VBA sources, its build script) as ``gendan.addin``.  The code
finds them with ``importlib.resources`` (gendan.model.resources), never through the checkout.
``tests/doors/test_packaging.py`` builds the sdist, then the wheel from it, and checks both.
"""

from setuptools import find_packages, setup

#: Repository folder → the package of gendan it is installed as.
DATA_PACKAGES = {"gendan.schemas": "schemas", "gendan.addin": "addin"}

setup(
    packages=[
        *find_packages(include=["gendan", "gendan.*", "macros_py", "macros_py.*"]),
        *DATA_PACKAGES,
    ],
    package_dir=DATA_PACKAGES,
    package_data={
        "gendan": ["py.typed"],
        "gendan.schemas": ["*.yaml"],
        "gendan.addin": ["*.xml", "*.xlam", "vba/*.bas"],
    },
)
