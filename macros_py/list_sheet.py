"""The frame the ribbon's list sheets share (今日待办, 逾期催款): a title in A1, a bold shaded
header in row 2 with the rows under it, panes frozen under the header and beside the
contract number, one width per column, then the sheet's own formats, fills and links.

One definition, so the two sheets cannot drift apart in how they look or in the order their
actions reach the writers (which apply a plan in order)."""

from __future__ import annotations

from collections.abc import Sequence

from gendan.model.grid import column_letter
from gendan.model.plan import (
    Action,
    ColumnWidth,
    Fill,
    Font,
    FreezePanes,
    NewSheet,
    Plan,
    SetValues,
)

#: the header row's fill
HEADER_FILL = "D9E1F2"


def plan_list_sheet(
    sheet: str,
    tab_color: str,
    title: str,
    rows: Sequence[Sequence[object]],
    widths: Sequence[float],
    formats: Sequence[Action] = (),
    marks: Sequence[Action] = (),
) -> Plan:
    """The sheet ``sheet`` (replacing the tool's earlier one): ``title`` in A1, ``rows`` (the
    header first) from A2, one column per entry of ``widths``; ``formats`` (number formats)
    before the widths, ``marks`` (row fills, links) last."""
    last = column_letter(len(widths))
    plan = Plan()
    plan.add(NewSheet(sheet, replace=True, tab_color=tab_color))
    plan.add(SetValues(sheet, "A1", [[title]]))
    plan.add(SetValues(sheet, "A2", [list(r) for r in rows]))
    plan.add(Font(sheet, "A1", bold=True, size=13))
    plan.add(Font(sheet, f"A2:{last}2", bold=True))
    plan.add(Fill(sheet, f"A2:{last}2", HEADER_FILL))
    plan.add(FreezePanes(sheet, "B3"))
    plan.add(*formats)
    for j, width in enumerate(widths, start=1):
        plan.add(ColumnWidth(sheet, column_letter(j), width))
    plan.add(*marks)
    return plan
