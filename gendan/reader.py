"""Read a workbook file into plain values (WorkbookData) with python-calamine.

calamine is the fastest reader that keeps native types (measured: 1.8 s for 100k × 30 with
``to_python``, against 9.7 s for openpyxl read-only), and it reads .xlsx, .xlsm, .xls,
.xlsb and .ods alike.  The file is opened read-only and never written.  The input gate
(:mod:`gendan.gate`) looks at the bytes first, so that a renamed CSV, an encrypted file or
a zip bomb gets a clear sentence instead of a parser's exception.
"""

from __future__ import annotations

from pathlib import Path

from gendan.errors import UnreadableWorkbook
from gendan.grid import SheetGrid, WorkbookData


def read_workbook(path: str | Path, sheets: set[str] | None = None) -> WorkbookData:
    """Read every sheet (or only ``sheets``, by exact name) of the file at ``path``.

    Sheets not asked for are listed with no rows, so that callers still see the names."""
    p = Path(path)
    from gendan import gate

    info = gate.open_checked(p)
    notes: tuple[str, ...] = tuple(en for _code, _zh, en in info.note_messages())
    date1904 = info.date1904
    import python_calamine as pc

    try:
        wb = pc.CalamineWorkbook.from_path(str(p))
    except Exception as exc:  # calamine raises its own error types for every kind of damage
        raise UnreadableWorkbook(
            f"{p.name} cannot be read as a workbook ({type(exc).__name__}: {_first_line(exc)}).",
            f"无法作为工作簿读取 {p.name}（{type(exc).__name__}：{_first_line(exc)}）。",
        ) from None
    grids: list[SheetGrid] = []
    try:
        meta = {m.name: m for m in wb.sheets_metadata}
        for name in wb.sheet_names:
            hidden = str(getattr(meta.get(name), "visible", "")).lower().endswith(("hidden", "veryhidden"))
            if sheets is not None and name not in sheets:
                grids.append(SheetGrid(name=name, rows=(), hidden=hidden))
                continue
            try:
                sheet = wb.get_sheet_by_name(name)
                rows = sheet.to_python(skip_empty_area=False)
            except Exception as exc:
                # a chart sheet or a damaged sheet part: keep the name, say why
                notes += (f"sheet {name!r} could not be read: {_first_line(exc)}",)
                rows = []
            grids.append(SheetGrid(name=name, rows=rows, hidden=hidden))
    finally:
        try:
            wb.close()
        except Exception:
            pass
    return WorkbookData(sheets=tuple(grids), path=str(p), date1904=date1904, notes=notes)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__
