"""The ``overdue`` rule: an open balance past its due date on the as-of date."""

from __future__ import annotations

from collections.abc import Iterator

from gendan.checks.base import Context, check
from gendan.findings import Finding
from gendan.receivables import receivables
from gendan.values import money


@check("overdue", codes=("overdue",))
def overdue(ctx: Context) -> Iterator[Finding]:
    m = ctx.master
    key = "received_amount" if m.has("received_amount") else "amount"
    for r in receivables(ctx.tables, ctx.schema, ctx.as_of):
        if r.days_overdue is None or r.days_overdue < 1:
            continue
        yield ctx.finding("overdue", m, key, r.index, value=money(r.outstanding), expected=r.due_date,
                          days=r.days_overdue, currency=r.currency or "", outstanding=money(r.outstanding))
