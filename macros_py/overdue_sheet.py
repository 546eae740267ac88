"""Plan the 逾期催款 (receivables) sheet the Overdue button writes: one row per open order
with its due date, days overdue, aging bucket, dunning level and a reminder draft.

Pure planning over ``gendan.rules.receivables.Receivable`` records (no xlwings, no openpyxl),
so the same plan goes to live Excel or to a file.  The reminder draft is one sentence per
order in the customer's language (客户.language), ready to paste into an e-mail.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from gendan.model.plan import (
    Fill,
    Hyperlink,
    NumberFormat,
    Plan,
    quote_ref,
)
from macros_py.list_sheet import plan_list_sheet

OVERDUE_SHEET = "逾期催款"

_COLUMNS: tuple[tuple[str, str, float], ...] = (
    ("合同号", "Contract No.", 14),
    ("客户", "Customer", 16),
    ("币种", "Currency", 7),
    ("金额", "Amount", 13),
    ("已收", "Received", 13),
    ("未收", "Outstanding", 13),
    ("到期日", "Due Date", 12),
    ("逾期天数", "Days Overdue", 10),
    ("账龄", "Aging", 9),
    ("催款级别", "Dunning Level", 12),
    ("依据", "Due Basis", 24),
    ("催款草稿", "Reminder Draft", 90),
)
_LEVELS = {
    "upcoming": ("即将到期", "due soon"),
    "reminder": ("提醒", "reminder"),
    "firm": ("正式催款", "firm letter"),
    "final": ("最后通知", "final notice"),
    "escalate": ("转交经理", "hand to manager"),
}
_FILL = {
    "upcoming": "DDEBF7",
    "reminder": "FFEB9C",
    "firm": "FFD966",
    "final": "F8CBAD",
    "escalate": "FFC7CE",
}


def _draft(r: Any, lang: str) -> str:
    due = r.due_date.isoformat() if r.due_date else "?"
    money = f"{r.currency or ''} {r.outstanding:,.2f}".strip()
    level = r.level or ""
    if lang == "zh":
        if level == "upcoming":
            return f"您好，合同 {r.contract_no} 的货款 {money} 将于 {due} 到期，请安排付款。"
        if level in ("final", "escalate"):
            return (
                f"您好，合同 {r.contract_no} 的货款 {money} 已于 {due} 到期，逾期 {r.days_overdue} 天。"
                "这是最后通知，请于 7 日内付款。"
            )
        return f"您好，合同 {r.contract_no} 的货款 {money} 已于 {due} 到期，逾期 {r.days_overdue} 天，请尽快安排付款。"
    if level == "upcoming":
        return f"Dear customer, payment of {money} for contract {r.contract_no} falls due on {due}. Kindly arrange payment."
    if level in ("final", "escalate"):
        return (
            f"Dear customer, payment of {money} for contract {r.contract_no} was due on {due} and is "
            f"{r.days_overdue} days overdue. This is our final notice: please pay within 7 days."
        )
    return (
        f"Dear customer, payment of {money} for contract {r.contract_no} was due on {due} and is "
        f"{r.days_overdue} days overdue. Please arrange payment at your earliest convenience."
    )


def plan_overdue(
    items: Sequence[Any],
    as_of: dt.date,
    lang: str = "zh",
    customer_lang: Mapping[str, str] | None = None,
) -> Plan:
    """The 逾期催款 sheet for ``items`` (gendan.rules.receivables.Receivable), most overdue first."""
    zh = lang != "en"
    rows: list[list[Any]] = [[c[0] if zh else c[1] for c in _COLUMNS]]
    ordered = sorted(items, key=lambda r: (-(r.days_overdue or -(10**6)), r.contract_no or ""))
    links: list[Hyperlink] = []
    fills: list[Fill] = []
    for k, r in enumerate(ordered):
        n = k + 3
        level = _LEVELS.get(r.level or "", (r.level or "", r.level or ""))[0 if zh else 1]
        draft_lang = (customer_lang or {}).get(r.customer or "", "en")
        rows.append(
            [
                r.contract_no or "",
                r.customer or "",
                r.currency or "",
                r.amount,
                r.received,
                r.outstanding,
                r.due_date,
                r.days_overdue,
                r.bucket if (r.days_overdue or 0) > 0 else "",
                level,
                r.due_basis,
                _draft(r, "zh" if draft_lang == "zh" else "en") if r.level else "",
            ]
        )
        if r.cell and r.sheet:
            target = quote_ref(r.sheet, r.cell)
            links.append(Hyperlink(OVERDUE_SHEET, f"A{n}", target, r.contract_no or r.cell))
        if r.level in _FILL:
            fills.append(Fill(OVERDUE_SHEET, f"H{n}:J{n}", _FILL[r.level]))
    total = sum(r.overdue_amount for r in ordered)
    title = (
        f"逾期催款（截至 {as_of.isoformat()}）：{len(ordered)} 笔未结，逾期金额合计 {total:,.2f}"
        if zh
        else f"Receivables as of {as_of.isoformat()}: {len(ordered)} open, {total:,.2f} overdue"
    )
    formats: list[NumberFormat] = []
    if ordered:
        last = len(ordered) + 2
        formats.append(NumberFormat(OVERDUE_SHEET, f"D3:F{last}", "#,##0.00"))
        formats.append(NumberFormat(OVERDUE_SHEET, f"G3:G{last}", "yyyy-mm-dd"))
    widths = [c[2] for c in _COLUMNS]
    return plan_list_sheet(OVERDUE_SHEET, "FFC000", title, rows, widths, formats, [*fills, *links])
