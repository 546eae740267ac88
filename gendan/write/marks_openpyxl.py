"""Check marks on an openpyxl workbook: read fills, clear the tool's marks, load a book for
marking (used by the openpyxl applier and by :mod:`gendan.write.annotate`).  The plans
themselves are made in :mod:`gendan.write.marks`."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from gendan.write.marks import (
    LEDGER_SHEET,
    is_tool_note,
    ledger_from_rows,
    norm_color,
    restore_color,
)


def _openpyxl_fill(cell: Any) -> str | None:
    fill = cell.fill
    if fill is None or fill.fill_type != "solid":
        return None
    rgb = getattr(fill.fgColor, "rgb", None)
    return norm_color(rgb) if isinstance(rgb, str) else None


def clear_marks_openpyxl(wb: Any, sheet: str) -> int:
    """ClearMarks on an openpyxl workbook (see the module docstring).  Returns the number
    of cells whose fill or note was removed."""
    from openpyxl.styles import PatternFill

    if sheet not in wb.sheetnames:
        return 0
    ws = wb[sheet]
    changed = 0
    if LEDGER_SHEET in wb.sheetnames:
        rows = wb[LEDGER_SHEET].iter_rows(values_only=True)
        for entry in ledger_from_rows(rows):
            if entry.sheet != sheet:
                continue
            cell = ws[entry.cell]
            change, color = restore_color(_openpyxl_fill(cell), entry)
            if change:
                cell.fill = (
                    PatternFill(fill_type="solid", fgColor="FF" + color, bgColor="FF" + color)
                    if color
                    else PatternFill(fill_type=None)
                )
                changed += 1
    for row in ws.iter_rows():
        for cell in row:
            c = cell.comment
            if c is not None and is_tool_note(c.text, c.author):
                cell.comment = None
                changed += 1
    return changed


def _anchor_cell(ws: Any, ref: str) -> Any:
    """The cell that carries a note for ``ref``: a merged range's top-left cell."""
    cell = ws[ref]
    if type(cell).__name__ == "MergedCell":
        for rng in ws.merged_cells.ranges:
            if ref in rng:
                return ws.cell(rng.min_row, rng.min_col)
    return cell


def fills_openpyxl(wb: Any, cells: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str | None]:
    """The current fills of ``cells`` — the ``prior_fills`` that :func:`plan_marks` wants."""
    out: dict[tuple[str, str], str | None] = {}
    for sheet, ref in cells:
        if sheet in wb.sheetnames:
            out[(sheet, ref)] = _openpyxl_fill(wb[sheet][ref])
    return out


def load_for_marks(path: str | Path) -> Any:
    """Open a workbook with openpyxl for writing marks (VBA kept for .xlsm)."""
    import openpyxl

    p = Path(path)
    try:
        return openpyxl.load_workbook(p, keep_vba=p.suffix.lower() == ".xlsm", rich_text=True)
    except Exception as exc:  # openpyxl raises many types for damaged files
        from gendan.model.errors import UnreadableWorkbook

        raise UnreadableWorkbook(
            f"{p} cannot be opened for writing marks: {exc}.",
            f"无法打开 {p} 写入标记：{exc}。",
        ) from None


def _merged_anchors_openpyxl(
    wb: Any, cells: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], str]:
    out: dict[tuple[str, str], str] = {}
    for sheet, ref in cells:
        if sheet not in wb.sheetnames:
            continue
        ws = wb[sheet]
        for rng in ws.merged_cells.ranges:
            if ref in rng and ref != rng.start_cell.coordinate:
                out[(sheet, ref)] = rng.start_cell.coordinate
                break
    return out
