"""Where a ribbon button reads from and writes to: live Excel, or a workbook file.

A ribbon function is ``read → engine → plan → apply``.  The two ends differ by backend,
so they sit behind one small interface:

* :class:`XlwingsHost` — the book that pressed the button (``xw.Book.caller()``): read
  with :mod:`macros_py.xlwings_adapter`, written with :mod:`macros_py.xlwings_applier`;
* :class:`FileHost` — a workbook file: read with the engine's reader, written by patching
  its package (gendan.write.annotate.write_plan: every part the button does not change is copied
  byte for byte, so sparklines, shapes, buttons, VBA and saved formula results survive),
  atomically.  Tests and headless runs use it, so every button runs end to end on Linux.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from gendan.model.grid import WorkbookData
from gendan.model.plan import Plan

if TYPE_CHECKING:
    from gendan.api import DashboardResult

TITLE = "跟单 Gendan"


class Host(Protocol):
    """What a ribbon function needs from its workbook."""

    def read(self) -> WorkbookData: ...

    def selection(self) -> tuple[str | None, list[int]]: ...

    def fills(self, cells: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Any]: ...

    def apply(self, plan: Plan) -> None: ...

    def put_dashboard(self, result: DashboardResult) -> str: ...

    def tell(self, text: str) -> None: ...

    def open_path(self, path: Path) -> None: ...

    @property
    def folder(self) -> Path | None: ...


class XlwingsHost:
    """The live workbook in Excel."""

    def __init__(self, book: Any = None) -> None:
        if book is None:
            import xlwings as xw

            book = xw.Book.caller()
        self.book = book
        self.messages: list[str] = []

    def read(self) -> WorkbookData:
        from macros_py.xlwings_adapter import read_book

        self._status("跟单 Gendan: reading…")
        return read_book(self.book)

    def selection(self) -> tuple[str | None, list[int]]:
        from macros_py.xlwings_adapter import selected_rows

        return selected_rows(self.book)

    def fills(self, cells: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Any]:
        from macros_py.xlwings_adapter import fills

        return fills(self.book, cells)

    def apply(self, plan: Plan) -> None:
        from macros_py.xlwings_applier import apply_plan

        self._status("跟单 Gendan: writing…")
        app = self.book.app
        screen = app.screen_updating
        app.screen_updating = False  # one repaint at the end, not one per call
        try:
            apply_plan(plan, self.book, log=self.messages.append)
        finally:
            app.screen_updating = screen
            self._status(False)

    def put_dashboard(self, result: DashboardResult) -> str:
        """The 看板 drawn in the open book by its plan: Excel makes the charts, which
        stay live over the table cells; returns the sheet's name."""
        self.apply(result.plan)
        return result.sheet

    def tell(self, text: str) -> None:
        self.messages.append(text)
        self.book.app.alert(text, title=TITLE)

    def open_path(self, path: Path) -> None:
        open_with_system(path)

    @property
    def folder(self) -> Path | None:
        full = getattr(self.book, "fullname", "") or ""
        p = Path(full)
        return p.parent if p.parent != Path(".") and "://" not in full else None

    def _status(self, text: str | bool) -> None:
        try:
            self.book.app.status_bar = text
        except Exception:  # the status bar is a nicety
            pass


class FileHost:
    """A workbook file: read with the engine's reader, written to ``out`` (``src`` itself
    when ``out`` is None: guarded and backed up, as ``--in-place``) in one atomic write
    per apply.  After the first apply ``out`` is the working copy: later buttons read and
    rewrite it (no backup of gendan's own copy)."""

    def __init__(
        self,
        src: str | Path,
        out: str | Path | None = None,
        selection: tuple[str | None, list[int]] = (None, []),
    ) -> None:
        self.src = Path(src)
        self.out = Path(out) if out is not None else self.src
        self._selection = selection
        self.messages: list[str] = []
        self.opened: list[Path] = []
        self._data: WorkbookData | None = None

    def _current(self) -> Path:
        return self.out if self.out.exists() else self.src

    def read(self) -> WorkbookData:
        from gendan.read.reader import read_workbook

        self._data = read_workbook(self._current())
        return self._data

    def selection(self) -> tuple[str | None, list[int]]:
        return self._selection

    def fills(self, cells: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Any]:
        from gendan.ooxml import Unsupported
        from gendan.write.marks_openpyxl import fills_openpyxl
        from gendan.write.patch_marks import fills_package

        cells = list(cells)
        try:
            return fills_package(self._current(), cells)
        except Unsupported:  # a package the patcher does not handle: openpyxl reads it
            from gendan.write.marks_openpyxl import fills_openpyxl, load_for_marks

            return fills_openpyxl(load_for_marks(self._current()), cells)

    def apply(self, plan: Plan) -> None:
        from gendan.write.annotate import write_plan

        current = self._current()
        write_plan(current, self.out, plan, self._data, backup=current == self.src)

    def put_dashboard(self, result: DashboardResult) -> str:
        """The 看板 written through the package like ``gendan report --in-place`` (sheet,
        drawing and chart parts added, every other part copied byte for byte; openpyxl
        would lose what it does not model), to ``out`` as every apply is: the book itself
        backed up, or gendan's working copy.  Returns the sheet's name (看板 gendan when the
        book has a 看板 of the user's)."""
        from gendan.report.dashboard_run import write_dashboard

        current = self._current()
        if current == self.out:
            res = write_dashboard(
                current, result.dashboard, in_place=True, backup=current == self.src
            )
        else:
            res = write_dashboard(current, result.dashboard, self.out)
        self._data = None
        return res.sheet

    def tell(self, text: str) -> None:
        self.messages.append(text)

    def open_path(self, path: Path) -> None:
        self.opened.append(path)

    @property
    def folder(self) -> Path | None:
        return self.src.parent


def open_with_system(path: Path) -> None:
    """Open a file with the program the system associates with it (the YAML editor)."""
    if sys.platform.startswith("win"):
        os.startfile(str(path))  # type: ignore[attr-defined]  # Windows only
    elif sys.platform == "darwin":
        subprocess.run(["open", str(path)], check=False)
    else:
        subprocess.run(["xdg-open", str(path)], check=False)
