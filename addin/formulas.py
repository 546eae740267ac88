"""The VBA wrappers of the GD_ worksheet formulas, written by xlwings' own generator.

Excel computes a GD_ formula by calling a VBA function of the same name that hands the
arguments to Python (``XLPy.CallUDF`` in xlwings.xlam).  xlwings writes those wrappers
itself when a user clicks *Import Functions* (``xlwings.udfs.import_udfs``), into the
active workbook.  gendan instead ships them inside gendan.xlam, so every open workbook can
use the formulas like any add-in function, with no import and no reference per workbook:
xlwings' generator supports this — for a workbook whose name ends in ``.xlam`` it passes
``ActiveWorkbook`` instead of ``ThisWorkbook`` (see ``generate_vba_wrapper``) — and
gendan.xlam's VBA project references the xlwings project, where ``XLPy`` lives.

:func:`wrappers` runs xlwings' ``generate_vba_wrapper`` on Linux too: ``xlwings.udfs``
imports pywin32 (pythoncom, pywintypes, win32com.client) at module level, which only
exists on Windows, and ``@xw.func`` is a no-op off Windows.  So the pywin32 modules are
stubbed for the import, and ``macros_py.udfs`` is executed once more, as a private module
object, with ``xw.func``/``xw.arg``/``xw.ret`` bound to xlwings' real Windows decorators
(``xlfunc``/``xlarg``/``xlret``): the functions then carry exactly the ``__xlfunc__``
metadata they carry in Excel on Windows, and the generator's output is what Excel imports.
``python -m gendan.addin.build`` writes it to ``vba/GendanFormulas.bas``.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import sys
import types
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

#: The Python module xlwings imports to compute the formulas.
UDF_MODULE = "macros_py.udfs"
#: The VBA module of gendan.xlam holding the wrappers.
VBA_MODULE = "GendanFormulas"
#: The add-in's file name: xlwings' generator looks at its extension.
ADDIN_NAME = "gendan.xlam"
SOURCE = Path(__file__).resolve().parent / "vba" / f"{VBA_MODULE}.bas"

_PYWIN32 = ("pythoncom", "pywintypes", "win32com", "win32com.client")


@dataclass(frozen=True)
class _Workbook:
    """What the generator reads of the COM workbook: its name."""

    Name: str


class _ComError(Exception):
    pass


@contextlib.contextmanager
def _windows_udf_api() -> Iterator[types.ModuleType]:
    """``xlwings.udfs`` imported with pywin32 stubbed, then removed again, so nothing that
    runs later in this process sees the stubs or a half-Windows xlwings."""
    saved = {name: sys.modules.get(name) for name in (*_PYWIN32, "xlwings.udfs")}
    if sys.platform.startswith("win") and saved["xlwings.udfs"] is not None:
        yield saved["xlwings.udfs"]  # type: ignore[misc]
        return
    stubs = {name: types.ModuleType(name) for name in _PYWIN32 if saved[name] is None}
    if "pythoncom" in stubs:
        stubs["pythoncom"].CoInitialize = lambda: None  # type: ignore[attr-defined]
    if "pywintypes" in stubs:
        stubs["pywintypes"].com_error = _ComError  # type: ignore[attr-defined]
    if "win32com.client" in stubs:
        stubs["win32com.client"].Dispatch = lambda *a, **k: None  # type: ignore[attr-defined]
        if "win32com" in stubs:
            stubs["win32com"].client = stubs["win32com.client"]  # type: ignore[attr-defined]
    sys.modules.update(stubs)
    sys.modules.pop("xlwings.udfs", None)
    import xlwings

    had_attr = hasattr(xlwings, "udfs")
    try:
        yield importlib.import_module("xlwings.udfs")
    finally:
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module
        if not had_attr and hasattr(xlwings, "udfs"):
            delattr(xlwings, "udfs")


def _decorated_module(api: types.ModuleType, module_name: str) -> types.ModuleType:
    """``module_name`` executed afresh with xlwings' Windows UDF decorators."""
    import xlwings as xw

    spec = importlib.util.find_spec(module_name)
    if spec is None or spec.loader is None:
        raise ModuleNotFoundError(module_name)
    module = importlib.util.module_from_spec(spec)
    patched = {"func": api.xlfunc, "arg": api.xlarg, "ret": api.xlret}
    saved = {name: getattr(xw, name) for name in patched}
    try:
        for name, deco in patched.items():
            setattr(xw, name, deco)
        spec.loader.exec_module(module)
    finally:
        for name, deco in saved.items():
            setattr(xw, name, deco)
    return module


def wrappers(module_name: str = UDF_MODULE, vba_module: str = VBA_MODULE) -> str:
    """The ``.bas`` text: the header xlwings' ``import_udfs`` writes, then one wrapper per
    UDF from ``generate_vba_wrapper``, for an add-in named gendan.xlam.  CRLF-free; ASCII."""
    with _windows_udf_api() as api:
        module = _decorated_module(api, module_name)
        out = io.StringIO()
        api.generate_vba_wrapper(module_name, module, out, _Workbook(ADDIN_NAME))
    head = (
        f'Attribute VB_Name = "{vba_module}"\n'
        f"' The GD_ worksheet formulas: written by xlwings' generate_vba_wrapper for {ADDIN_NAME}\n"
        "' (python -m gendan.addin.build); do not edit. XLPy comes from the xlwings project.\n"
        '#Const App = "Microsoft Excel" \'Adjust when using outside of Excel\n'
    )
    return head + out.getvalue()


def write_source(path: Path = SOURCE) -> Path:
    """Regenerate ``vba/GendanFormulas.bas``."""
    path.write_text(wrappers(), encoding="ascii", newline="\n")
    return path
