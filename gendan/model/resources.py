"""The data files gendan ships, found through :mod:`importlib.resources`.

The YAML (master schema, document layouts, input limits) is the package ``gendan.schemas``
and the Excel add-in (gendan.xlam, its ribbon XML and VBA sources) the package
``gendan.addin``; in a checkout they sit in the repository folders ``schemas/`` and
``addin/`` and setup.py maps them into gendan.  Looking them up by package, never by
walking up from ``__file__``, gives the same answer from a wheel, an sdist or an editable
install, and a file left out of an install is one clear error (:class:`MissingPart`), not a
path that happens to exist only in a checkout.
"""

from __future__ import annotations

import atexit
import contextlib
from importlib import resources
from pathlib import Path

from gendan.model.errors import GendanError

__all__ = ["ADDIN", "SCHEMAS", "MissingPart", "data_file"]

#: The YAML files (repository folder ``schemas/``).
SCHEMAS = "gendan.schemas"
#: The Excel add-in (repository folder ``addin/``).
ADDIN = "gendan.addin"

_extracted = contextlib.ExitStack()
atexit.register(_extracted.close)


class MissingPart(GendanError):
    """A file that gendan ships is not installed: the install is broken or incomplete."""


def data_file(package: str, name: str) -> Path:
    """The file ``name`` (may contain ``/``) of the data package ``package``, as a path.

    Raises :class:`MissingPart` when it is not installed.  A package imported from a zip
    file is extracted to a temporary file that lives as long as the process."""
    try:
        res = resources.files(package).joinpath(*name.split("/"))
    except ModuleNotFoundError:
        res = None
    if res is None or not res.is_file():
        raise MissingPart(
            f"gendan's file {package}/{name} is not installed; reinstall gendan "
            "(pip install --force-reinstall gendan).",
            f"gendan 的文件 {package}/{name} 没有安装；请重新安装 gendan"
            "（pip install --force-reinstall gendan）。",
        )
    if isinstance(res, Path):
        return res
    return _extracted.enter_context(resources.as_file(res))
