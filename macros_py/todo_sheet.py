"""Plan the 今日待办 (to-do) sheet the To-do button writes: one row per item of
:func:`gendan.report.todo.todo_items`, most urgent first, each contract number a link to the
master cell the item is about.

Pure planning over :class:`gendan.report.todo.TodoItem` records (no xlwings, no openpyxl), so the
same plan goes to live Excel or to a file, and the sheet lists exactly what
``gendan todo`` prints.  Cell text goes through ``SetValues``, which the appliers keep as
text (a customer named ``=...`` never becomes a formula).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from gendan.model.plan import (
    Fill,
    Hyperlink,
    NumberFormat,
    Plan,
    quote_ref,
)
from gendan.report.todo import TodoItem, days_text
from macros_py.list_sheet import plan_list_sheet

TODO_SHEET = "今日待办"

_COLUMNS: tuple[tuple[str, str, float], ...] = (
    ("合同号", "Contract No.", 14),
    ("客户", "Customer", 16),
    ("事项", "What", 14),
    ("到期日", "Due", 12),
    ("剩余天数", "Days Left", 10),
    ("", "", 12),  # days left in words (今天 / 逾期 3 天)
    ("下一步", "Next Action", 90),
    ("单元格", "Cell", 9),
)
_LATE, _TODAY, _SOON = "F8CBAD", "FFEB9C", "DDEBF7"


def plan_todo(items: Sequence[TodoItem], as_of: dt.date, window: int, lang: str = "zh") -> Plan:
    """The 今日待办 sheet for ``items`` (already in urgency order: kept as given)."""
    zh = lang != "en"
    header: list[object] = [c[0] if zh else c[1] for c in _COLUMNS]
    header[5] = "说明" if zh else "When"
    rows: list[list[object]] = [header]
    links: list[Hyperlink] = []
    fills: list[Fill] = []
    for k, t in enumerate(items):
        n = k + 3
        rows.append(
            [
                t.contract_no or "",
                t.customer or "",
                t.label("zh" if zh else "en"),
                t.due_date,
                t.days_left,
                days_text(t.days_left, "zh" if zh else "en"),
                t.action_zh if zh else t.action_en,
                t.cell,
            ]
        )
        if t.sheet and t.cell:
            target = quote_ref(t.sheet, t.cell)
            links.append(Hyperlink(TODO_SHEET, f"A{n}", target, t.contract_no or t.cell))
        colour = _LATE if t.days_left < 0 else _TODAY if t.days_left == 0 else _SOON
        fills.append(Fill(TODO_SHEET, f"D{n}:F{n}", colour))
    late = sum(1 for t in items if t.days_left < 0)
    title = (
        f"今日待办（{as_of.isoformat()}）：{len(items)} 项，其中 {late} 项已逾期（{window} 天内到期及已逾期）"
        if zh
        else f"To do on {as_of.isoformat()}: {len(items)} items, {late} late (due within {window} days, or late)"
    )
    formats = [NumberFormat(TODO_SHEET, f"D3:D{len(items) + 2}", "yyyy-mm-dd")] if items else []
    widths = [c[2] for c in _COLUMNS]
    return plan_list_sheet(TODO_SHEET, "5B9BD5", title, rows, widths, formats, [*fills, *links])
