"""The ``overdue`` rule: an open balance past its due date on the as-of date."""

from __future__ import annotations

from collections.abc import Iterator

from gendan.checks.base import Context, check
from gendan.findings import Finding
from gendan.receivables import overdue_orders
from gendan.values import money


@check("overdue", codes=("overdue",), cost=2)
def overdue(ctx: Context) -> Iterator[Finding]:
    m = ctx.master
    key = "received_amount" if m.has("received_amount") else "amount"
    for i, outstanding, due, days, currency in overdue_orders(ctx.tables, ctx.schema, ctx.as_of):
        yield ctx.finding("overdue", m, key, i, value=money(outstanding), expected=due,
                          days=days, currency=currency or "", outstanding=money(outstanding))
