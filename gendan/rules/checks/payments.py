"""The payment rules, from the receivables' lines (gendan.rules.receivables): ``overdue`` (an open
instalment past its due date on the as-of date: a late deposit names the deposit, not the
contract value) and ``bank-charges`` (a receipt short by no more than the banks' charges:
a note, not a debt)."""

from __future__ import annotations

from collections.abc import Iterator

from gendan.model.findings import Finding
from gendan.model.values import money
from gendan.rules.checks.base import Context, check
from gendan.rules.receivables import BANK_CHARGES, DUNNED, unsettled_lines

#: how a message names an instalment
_PART = {"deposit": ("定金 ", "Deposit "), "balance": ("尾款 ", "Balance "), "full": ("应收 ", "")}
_PART_NOTE = {"deposit": ("定金", "Deposit: "), "balance": ("尾款", "Balance: "), "full": ("", "")}


@check("payments", codes=("overdue", "bank-charges"), cost=2)
def payments(ctx: Context) -> Iterator[Finding]:
    m = ctx.master
    key = "received_amount" if m.has("received_amount") else "amount"
    currency = m.column("currency")
    for ol in unsettled_lines(ctx.tables, ctx.schema, ctx.as_of):
        i, ln = ol.index, ol.line
        inst = ln.instalment
        zh, en = _PART.get(inst.kind, ("", ""))
        cur = currency[i] or ""
        if ol.status in DUNNED and inst.due is not None and (ctx.as_of - inst.due).days >= 1:
            yield ctx.finding(
                "overdue",
                m,
                key,
                i,
                value=money(ln.owed),
                days=(ctx.as_of - inst.due).days,
                due=inst.due,
                currency=cur,
                outstanding=money(ln.owed),
                part_zh=zh,
                part_en=en,
            )
        elif ol.status == BANK_CHARGES:
            yield ctx.finding(
                "bank-charges",
                m,
                key,
                i,
                value=money(ln.paid),
                received=money(ln.paid),
                amount=money(inst.amount),
                short=money(ln.charges),
                currency=cur,
                limit=money(ln.limit),
                part_zh=_PART_NOTE[inst.kind][0],
                part_en=_PART_NOTE[inst.kind][1],
            )
