"""The Excel add-in gendan.xlam: its ribbon XML, its VBA source and the script that builds it.

Installed as the package ``gendan.addin`` (setup.py maps this folder into gendan, so no
top-level ``addin`` lands in site-packages); the code finds its files with
:func:`gendan.model.resources.data_file`.  ``python -m gendan.addin.build`` rebuilds
``addin/gendan.xlam`` from ``customUI14.xml`` and ``vba/*.bas``;
``tests/doors/test_addin_build.py`` holds the committed file to those sources.
"""
