"""Turn a live ``xw.Book`` into the engine's WorkbookData: one used-range read per sheet.

The engine reads plain values (gendan.model.grid); this adapter is the only place that knows
how xlwings hands them over.  Each sheet is read in one call (``used_range`` with
``ndim=2``), and the used range's top-left corner becomes the grid's origin, so a finding
at ``rows[i][j]`` names the right cell even when the data starts at B3.

xlwings gives dates in date-formatted cells as ``datetime``, numbers as ``float``, blanks
as ``None`` — the forms the engine already accepts from its file reader.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from gendan.model.grid import SheetGrid, WorkbookData

__all__ = ["fills", "read_book", "read_sheet", "selected_rows"]


def read_sheet(sheet: Any) -> SheetGrid:
    """One sheet as a SheetGrid (one read of its used range)."""
    used = sheet.used_range
    values = used.options(ndim=2).value
    rows = [list(r) for r in (values or [])]
    if rows == [[None]]:
        rows = []
    return SheetGrid(
        name=sheet.name,
        rows=rows,
        origin_row=int(used.row),
        origin_col=int(used.column),
        hidden=not bool(getattr(sheet, "visible", True)),
    )


def _date1904(book: Any) -> bool:
    try:
        return bool(book.api.Date1904)  # Windows COM; other platforms: 1900 system assumed
    except Exception:
        return False


def read_book(book: Any, sheets: set[str] | None = None) -> WorkbookData:
    """Every sheet of ``book`` (or only those named in ``sheets``; others come with no rows,
    so callers still see the names, as gendan.read.reader does)."""
    grids = []
    for sht in book.sheets:
        if sheets is not None and sht.name not in sheets:
            grids.append(SheetGrid(name=sht.name, rows=[]))
        else:
            grids.append(read_sheet(sht))
    path = getattr(book, "fullname", None)
    return WorkbookData(sheets=grids, path=str(path) if path else None, date1904=_date1904(book))


def fills(book: Any, cells: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Any]:
    """The current fill colour of each ``(sheet, cell)`` (``(r, g, b)`` or None): what
    gendan.write.marks needs to give the user's colours back when marks are cleared."""
    names = {s.name for s in book.sheets}
    out: dict[tuple[str, str], Any] = {}
    for sheet, cell in cells:
        if sheet in names:
            out[(sheet, cell)] = book.sheets[sheet].range(cell).color
    return out


def selected_rows(book: Any) -> tuple[str | None, list[int]]:
    """The active sheet's name and the worksheet rows the selection touches (all areas)."""
    sel = book.selection
    if sel is None:
        return None, []
    rows: set[int] = set()
    address = sel.address.replace("$", "")
    sheet = sel.sheet
    for area in address.split(","):
        rng = sheet.range(area)
        rows.update(range(int(rng.row), int(rng.row) + int(rng.rows.count)))
    return sheet.name, sorted(rows)
