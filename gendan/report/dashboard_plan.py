"""The 看板 sheet as a Plan: the same tables and charts :mod:`gendan.report.dashboard_sheet`
writes as package parts, as actions an applier carries out on an open workbook.

Why a second writer: the ribbon's 看板 button runs in Excel, where the book is open and
its package cannot be patched; xlwings draws the charts through Excel itself
(:class:`gendan.model.plan.Chart`).  The layout is not copied: positions, blocks, charted
series, colours and formats come from :func:`gendan.report.dashboard_sheet.sheet_layout`
and its helpers, so the file written by ``gendan report`` and the sheet the button draws
show the same cells and charts.
"""

from __future__ import annotations

from collections.abc import Mapping

from gendan.model.grid import column_letter
from gendan.model.plan import (
    Align,
    Chart,
    ColumnWidth,
    Fill,
    Font,
    NewSheet,
    NumberFormat,
    PageSetup,
    Plan,
    RowHeight,
    SetValues,
)
from gendan.report.dashboard import Dashboard
from gendan.report.dashboard_sheet import (
    CHART_COLS,
    CHART_ROWS,
    COL_WIDTH,
    MARK,
    SHEET,
    TITLE,
    WIDE_COL,
    Placed,
    axis_format,
    charted_series,
    number_format,
    ref,
    sheet_layout,
    subtitle,
)

__all__ = ["dashboard_plan", "dashboard_sheet_name"]

HEAD_FILL = "D9E1F2"
#: points per pixel, and the default row height in points
_PT_PER_PX, _ROW_PT = 0.75, 15.0


def _col_points(width: float) -> float:
    """A column of ``width`` characters in points (Excel: 7 px a character plus 5 px)."""
    return (width * 7 + 5) * _PT_PER_PX


def dashboard_sheet_name(first_cells: Mapping[str, str]) -> str:
    """The sheet the dashboard goes to: 看板, unless the user has a sheet of that name
    that gendan did not write (no :data:`MARK` in its first cells); then ``看板 gendan``.
    ``first_cells``: each existing sheet's name → the text of its first cells.  (The
    package writer applies the same rule to the sheet's XML.)"""
    folded = {n.casefold(): text for n, text in first_cells.items()}
    for cand in (SHEET, f"{SHEET} gendan"):
        text = folded.get(cand.casefold())
        if text is None or MARK in text:
            return cand
    raise ValueError(f"no free name for the sheet {SHEET}")


def _table(plan: Plan, sheet: str, p: Placed) -> None:
    b = p.block
    last_col = column_letter(p.col + p.width() - 1)
    first_col = column_letter(p.col)
    plan.add(
        SetValues(sheet, f"{first_col}{p.row}", [[b.title]]),
        Font(sheet, f"{first_col}{p.row}", bold=True, size=12),
        SetValues(
            sheet, f"{first_col}{p.header_row}", [[b.category_header, *(s.name for s in b.series)]]
        ),
        Font(sheet, f"{first_col}{p.header_row}:{last_col}{p.header_row}", bold=True),
        Fill(sheet, f"{first_col}{p.header_row}:{last_col}{p.header_row}", HEAD_FILL),
        Align(
            sheet, f"{first_col}{p.header_row}:{last_col}{p.header_row}", vertical="top", wrap=True
        ),
        RowHeight(sheet, p.header_row, 30.0),
    )
    rows = []
    for j, cat in enumerate(p.categories):
        row: list[object] = [cat]
        for s in b.series:
            v = s.values[j] if j < len(s.values) else None
            row.append(None if v == "" else v)
        rows.append(row)
    plan.add(SetValues(sheet, f"{first_col}{p.first}", rows))
    for k, s in enumerate(b.series):
        fmt = number_format(s.kind)
        if fmt:
            c = column_letter(p.series_col(k))
            plan.add(NumberFormat(sheet, f"{c}{p.first}:{c}{p.last}", fmt))


def _chart(sheet: str, col: int, row: int, p: Placed) -> Chart:
    series = charted_series(p)
    return Chart(
        sheet,
        f"{column_letter(col + 1)}{row + 1}",
        p.block.title,
        ref(sheet, p.col, p.first, p.last),
        tuple((s.name, ref(sheet, c, p.first, p.last)) for c, s, _color in series),
        kind=p.block.chart,  # type: ignore[arg-type]  # "bar" | "col" | "stacked"
        width=CHART_COLS * _col_points(COL_WIDTH),
        height=(CHART_ROWS - 1) * _ROW_PT + 12.0,
        number_format=axis_format(p),
        colors=tuple(color for _c, _s, color in series),
    )


def dashboard_plan(dash: Dashboard, sheet: str = SHEET) -> Plan:
    """The 看板 sheet ``sheet`` (replaced when it exists: the caller chose a sheet that is
    gendan's own, :func:`dashboard_sheet_name`): title, tables, then one chart per charted
    block over its table."""
    where = sheet_layout(dash)
    plan = Plan([NewSheet(sheet, replace=True)])
    plan.add(
        SetValues(sheet, "A1", [[TITLE], [subtitle(dash)]]),
        Font(sheet, "A1", bold=True, size=16),
    )
    for c in range(1, where.ncols + 1):
        plan.add(ColumnWidth(sheet, column_letter(c), WIDE_COL if c in where.wide else COL_WIDTH))
    for p in where.placed:
        _table(plan, sheet, p)
    for col, row, p in where.charts:
        plan.add(_chart(sheet, col, row, p))
    plan.add(
        PageSetup(
            sheet,
            orientation="landscape",
            fit_width=1,
            fit_height=0,
            margins_cm=(1.0, 1.0, 1.0, 1.0),
        )
    )
    return plan
