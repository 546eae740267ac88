"""Due dates, outstanding amounts, aging and dunning (催款) from the master rows.

Due dates follow master-sheet.md's table, when the 到期日 cell is blank (a typed due date
always wins):

    TT_ADVANCE  etd
    TT_BALANCE  deposit: contract_date + 7 days; balance: bl_date + grace (7)
    DP          docs_sent_date + collection transit (14)            [+ N for "D/P N days"]
    DA          docs_sent_date + transit + N
    LC_SIGHT    docs_sent_date + 5 banking days + transit (7)
    LC_USANCE   bl_date + N        ("N days after B/L date" counts from the day after)
    OA          bl_date + N, or invoice date + N when there is no B/L date

Money received is applied to the earliest instalment first (a T/T deposit before its
balance).  An order is overdue on the as-of date when its outstanding balance is above
the threshold (0.01) and the as-of date is after the due date of an unpaid instalment.
The functions here are pure: the UDFs and the ribbon call them with plain values.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from gendan.schema import DunningLevel, Settings
from gendan.terms import PaymentTerms, parse_terms

if TYPE_CHECKING:
    from gendan.schema import Schema
    from gendan.tables import Tables


@dataclass(frozen=True, slots=True)
class Instalment:
    """One part of an order's price and the day it falls due (None: not yet known)."""

    kind: str  # full | deposit | balance
    amount: float
    due: dt.date | None
    basis: str  # what the due date was computed from, e.g. "bl_date + 7"


@dataclass(frozen=True, slots=True)
class Receivable:
    """One open order in the receivables list (``gendan overdue``)."""

    contract_no: str | None
    customer: str | None
    currency: str | None
    amount: float
    received: float
    outstanding: float
    due_date: dt.date | None
    days_overdue: int | None
    bucket: str
    level: str | None
    method: str | None
    instalment: str
    overdue_amount: float
    due_basis: str
    sheet: str = ""
    row: int = 0
    cell: str = ""
    index: int = -1  # data-row index in the master table (not part of the JSON)

    def to_dict(self) -> dict[str, object]:
        return {
            "contract_no": self.contract_no,
            "customer": self.customer,
            "currency": self.currency,
            "amount": round(self.amount, 2),
            "received": round(self.received, 2),
            "outstanding": round(self.outstanding, 2),
            "due_date": self.due_date.isoformat() if self.due_date else None,
            "days_overdue": self.days_overdue,
            "bucket": self.bucket,
            "level": self.level,
            "method": self.method,
            "instalment": self.instalment,
            "overdue_amount": round(self.overdue_amount, 2),
            "due_basis": self.due_basis,
            "sheet": self.sheet,
            "row": self.row,
            "cell": self.cell,
        }


def add_banking_days(start: dt.date, n: int) -> dt.date:
    """``start`` plus ``n`` banking days (Saturdays and Sundays skipped)."""
    d = start
    while n > 0:
        d += dt.timedelta(days=1)
        if d.weekday() < 5:
            n -= 1
    return d


def _plus(d: dt.date | None, days: int) -> dt.date | None:
    return None if d is None else d + dt.timedelta(days=days)


@dataclass(frozen=True, slots=True)
class OrderDates:
    """The dates of an order that due dates are computed from (None: not known yet)."""

    contract_date: dt.date | None = None
    etd: dt.date | None = None
    bl_date: dt.date | None = None
    docs_sent_date: dt.date | None = None
    invoice_date: dt.date | None = None


DATE_KEYS = ("contract_date", "etd", "bl_date", "docs_sent_date", "invoice_date")


def instalments(
    terms: PaymentTerms | str | None,
    amount: float,
    dates: OrderDates,
    settings: Settings | None = None,
) -> list[Instalment]:
    """The instalments of an order under ``terms`` (empty when the terms are unknown)."""
    s = settings or Settings()
    contract_date, etd, bl_date = dates.contract_date, dates.etd, dates.bl_date
    docs_sent_date, invoice_date = dates.docs_sent_date, dates.invoice_date
    t = parse_terms(terms) if isinstance(terms, str) else terms
    if t is None:
        return []
    m = t.method
    if m == "TT_ADVANCE":
        return [Instalment("full", amount, etd, "etd")]
    if m == "TT_BALANCE":
        dep = round(amount * (t.deposit_pct or 0.0) / 100.0, 2)
        out = []
        if dep > 0:
            out.append(Instalment("deposit", dep, _plus(contract_date, s.deposit_due_days),
                                  f"contract_date + {s.deposit_due_days}"))
        out.append(Instalment("balance", round(amount - dep, 2), _plus(bl_date, s.grace_days),
                              f"bl_date + {s.grace_days}"))
        return out
    if m == "DP":
        n = s.collection_transit_days + (t.days or 0)
        basis = f"docs_sent_date + {s.collection_transit_days}" + (f" + {t.days}" if t.days else "")
        return [Instalment("full", amount, _plus(docs_sent_date, n), basis)]
    if m == "DA":
        n = s.collection_transit_days + (t.days or 0)
        return [Instalment("full", amount, _plus(docs_sent_date, n),
                           f"docs_sent_date + {s.collection_transit_days} + {t.days or 0}")]
    if m == "LC_SIGHT":
        due = None
        if docs_sent_date is not None:
            due = add_banking_days(docs_sent_date, s.lc_banking_days) + dt.timedelta(days=s.lc_transit_days)
        return [Instalment("full", amount, due,
                           f"docs_sent_date + {s.lc_banking_days} banking days + {s.lc_transit_days}")]
    if m == "LC_USANCE":
        return [Instalment("full", amount, _plus(bl_date, t.days or 0), f"bl_date + {t.days or 0}")]
    if m == "OA":
        if bl_date is not None:
            return [Instalment("full", amount, _plus(bl_date, t.days or 0), f"bl_date + {t.days or 0}")]
        return [Instalment("full", amount, _plus(invoice_date, t.days or 0), f"invoice_date + {t.days or 0}")]
    return []  # pragma: no cover - every method is handled above


def due_date(
    terms: PaymentTerms | str | None,
    *,
    contract_date: dt.date | None = None,
    etd: dt.date | None = None,
    bl_date: dt.date | None = None,
    docs_sent_date: dt.date | None = None,
    invoice_date: dt.date | None = None,
    settings: Settings | None = None,
    part: str = "last",
) -> dt.date | None:
    """The due date under ``terms``: of the last instalment (the balance) by default, or of
    ``part`` = ``deposit``/``balance``/``first``."""
    dates = OrderDates(contract_date, etd, bl_date, docs_sent_date, invoice_date)
    parts = instalments(terms, 100.0, dates, settings)
    if not parts:
        return None
    if part == "first":
        return parts[0].due
    if part in ("deposit", "balance"):
        for p in parts:
            if p.kind == part:
                return p.due
        return None
    return parts[-1].due


def days_overdue(due: dt.date | None, as_of: dt.date) -> int | None:
    """Days past the due date (negative: days left), None when the due date is unknown."""
    return None if due is None else (as_of - due).days


def aging_bucket(days: int | None, buckets: Sequence[int] = (30, 60, 90)) -> str:
    """'1-30', '31-60', '61-90', '>90' (with the default edges); 'current' when not yet
    overdue; 'unknown' when there is no due date."""
    if days is None:
        return "unknown"
    if days <= 0:
        return "current"
    low = 1
    for edge in buckets:
        if days <= edge:
            return f"{low}-{edge}"
        low = edge + 1
    return f">{buckets[-1]}"


def dunning_level(days: int | None, levels: Sequence[DunningLevel], upcoming_days: int = 7) -> str | None:
    """The last level whose ``from_days`` ≤ days overdue; 'upcoming' within ``upcoming_days``
    before the due date; None otherwise."""
    if days is None:
        return None
    if days <= 0:
        return "upcoming" if -days <= upcoming_days else None
    level = None
    for lv in levels:
        if days >= lv.from_days:
            level = lv.level
    return level


def open_balance(
    parts: Sequence[Instalment], received: float, threshold: float = 0.01
) -> list[tuple[Instalment, float]]:
    """Each instalment with what is still owed on it, money applied earliest first."""
    left = max(received, 0.0)
    out = []
    for p in parts:
        paid = min(left, p.amount)
        left -= paid
        owed = round(p.amount - paid, 2)
        if owed > threshold:
            out.append((p, owed))
    return out


def receivable_for(
    *,
    terms: PaymentTerms | None,
    amount: float,
    received: float,
    typed_due: dt.date | None,
    as_of: dt.date,
    settings: Settings,
    dates: OrderDates,
) -> tuple[dt.date | None, float, str, str] | None:
    """(due date, amount overdue, instalment kind, basis) for an open order; None if paid."""
    outstanding = round(amount - received, 2)
    if outstanding <= settings.overdue_threshold:
        return None
    if typed_due is not None:
        parts = [Instalment("full", amount, typed_due, "typed 到期日")]
    else:
        parts = instalments(terms, amount, dates, settings)
        if not parts:
            return (None, 0.0, "full", "terms unknown")
    owed = open_balance(parts, received, settings.overdue_threshold)
    if not owed:
        # rounding left a few cents beyond the instalments: attribute them to the last one
        owed = [(parts[-1], outstanding)]
    first, _ = owed[0]
    overdue_amount = sum(o for p, o in owed if p.due is not None and as_of > p.due)
    return (first.due, round(overdue_amount, 2), first.kind, first.basis)


def _open_orders(
    tables: Tables, schema: Schema, as_of: dt.date
) -> Iterator[tuple[int, float, float, Settings, tuple[dt.date | None, float, str, str]]]:
    """(row index, amount, received, settings, receivable_for's answer) of every open order.

    Most orders of a big master are paid: one tight pass finds the open ones (the test
    receivable_for starts with, at the lowest threshold any customer has), so the full
    call is made for those only."""
    m = tables.master
    col = m.column
    customer = col("customer")
    amount, received, typed_due = col("amount"), col("received_amount"), col("due_date")
    terms = col("payment_terms")
    dates = [col(k) for k in DATE_KEYS]
    base = schema.settings
    cache: dict[str | None, Settings] = {}
    lowest = min([base.overdue_threshold] + [float(o["overdue_threshold"]) for o in base.customers.values()
                                             if "overdue_threshold" in o])
    candidates = [i for i, (a, r) in enumerate(zip(amount, received, strict=True))
                  if a is not None and round(a - (r or 0.0), 2) > lowest]
    for i in candidates:
        a = amount[i]
        got = received[i] or 0.0
        s = cache.get(customer[i])
        if s is None:
            s = cache[customer[i]] = base.for_customer(customer[i])
        if round(a - got, 2) <= s.overdue_threshold:
            continue  # paid: receivable_for would say None
        res = receivable_for(
            terms=terms[i], amount=a, received=got, typed_due=typed_due[i], as_of=as_of, settings=s,
            dates=OrderDates(*(c[i] for c in dates)),
        )
        if res is not None:
            yield i, a, got, s, res


def overdue_orders(
    tables: Tables, schema: Schema, as_of: dt.date
) -> Iterator[tuple[int, float, dt.date, int, str | None]]:
    """(row index, outstanding, due date, days overdue, currency) of every order at least one
    day overdue: what the ``overdue`` rule needs of :func:`receivables`, without building a
    Receivable (19 fields) for each of the thousands of open orders that are not yet due."""
    currency = tables.master.column("currency")
    for i, a, got, _s, (due, _amt, _kind, _basis) in _open_orders(tables, schema, as_of):
        days = days_overdue(due, as_of)
        if days is None or days < 1:
            continue
        assert due is not None
        yield i, round(a - got, 2), due, days, currency[i]


def receivables(tables: Tables, schema: Schema, as_of: dt.date) -> list[Receivable]:
    """Every open order of the master (outstanding above the threshold), in sheet order."""
    m = tables.master
    col = m.column
    contract, customer, currency = col("contract_no"), col("customer"), col("currency")
    terms = col("payment_terms")
    cell_key = "amount" if m.has("amount") else m.spec.columns[0].key
    out: list[Receivable] = []
    for i, a, got, s, res in _open_orders(tables, schema, as_of):
        due, overdue_amount, kind, basis = res
        days = days_overdue(due, as_of)
        out.append(Receivable(
            contract_no=None if contract[i] is None else str(contract[i]),
            customer=customer[i],
            currency=currency[i],
            amount=a,
            received=got,
            outstanding=round(a - got, 2),
            due_date=due,
            days_overdue=days,
            bucket=aging_bucket(days, s.aging_buckets),
            level=dunning_level(days, s.dunning_levels, s.upcoming_days),
            method=terms[i].method if terms[i] is not None else None,
            instalment=kind,
            overdue_amount=overdue_amount,
            due_basis=basis,
            sheet=m.sheet,
            row=m.rows[i],
            cell=m.cell(cell_key, i),
            index=i,
        ))
    return out
