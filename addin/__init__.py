"""The Excel add-in gendan.xlam: its ribbon XML, its VBA source and the script that builds it.

``python -m addin.build`` rebuilds ``addin/gendan.xlam`` from ``customUI14.xml`` and
``vba/*.bas``; ``tests/test_addin_build.py`` holds the committed file to those sources.
"""

from pathlib import Path

#: The built add-in, as committed (and installed as package data).
XLAM = Path(__file__).resolve().parent / "gendan.xlam"
