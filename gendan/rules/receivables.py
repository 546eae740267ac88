"""Due dates, outstanding amounts, aging and dunning (催款) from the master rows.

Due dates follow master-sheet.md's table, when the 到期日 cell is blank (a typed due date
always wins):

    TT_ADVANCE  etd
    TT_BALANCE  deposit: contract_date + 7 days; balance: bl_date + grace (7)
    DP          docs_sent_date + collection transit (14)            [+ N for "D/P N days"]
    DA          docs_sent_date + transit + N
                (D/P, D/A: never before the ETA, where the row has one: + N from there)
    LC_SIGHT    docs_sent_date + 5 banking days + transit (7)
    LC_USANCE   bl_date + N        ("N days after B/L date" counts from the day after)
    OA          bl_date + N, or invoice date + N when there is no B/L date

Money received is applied to the earliest instalment first (a T/T deposit before its
balance), and each instalment is a line of its own with its own amount and due date.

What a manager signs (``gendan overdue``) counts only genuine debts:

- a receipt short by no more than the bank-charge limits (``settings.bank_charges``, per
  currency and customer, both the amount and the percentage) is the banks' charges: a line
  of its own (status ``bank-charges``), never dunned, never in the totals;
- an instalment whose due date waits for an event that has not happened on an unshipped
  contract (a D/P balance before the B/L) is contract value not yet due (status
  ``not-yet-due``), listed apart, never in the totals;
- a deposit or advance due before shipment (status ``advance``) is chased like a debt (days
  overdue, dunning level, the ``overdue`` finding with its own amount) but listed apart:
  no goods have left, so it is not in the receivables totals;
- a closed order (状态 已结案) owes nothing.

An open line is overdue on the as-of date when it is owed (above ``overdue_threshold``) and
the as-of date is after its due date.  The functions here are pure: the UDFs and the
ribbon call them with plain values.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from gendan.model.schema import DunningLevel, Settings
from gendan.model.terms import PaymentTerms, parse_terms
from gendan.rules.stages import CLOSED, SHIPPED, stage_of_row, status_stages

if TYPE_CHECKING:
    from gendan.model.schema import Schema
    from gendan.read.tables import Tables


@dataclass(frozen=True, slots=True)
class Instalment:
    """One part of an order's price and the day it falls due (None: not yet known)."""

    kind: str  # full | deposit | balance
    amount: float
    due: dt.date | None
    basis: str  # what the due date was computed from, e.g. "bl_date + 7"


#: Receivable.status values
OPEN, ADVANCE, BANK_CHARGES, NOT_YET_DUE = "open", "advance", "bank-charges", "not-yet-due"
#: the statuses that are chased (days overdue, dunning level, the overdue finding)
DUNNED = (OPEN, ADVANCE)


@dataclass(frozen=True, slots=True)
class Receivable:
    """One line of the receivables list (``gendan overdue``): an instalment of an order
    (``instalment`` full | deposit | balance) with its own amount, what was received on it,
    what is still owed and when it falls due.  ``status`` says whether it is a debt for
    goods shipped (``open``), a deposit or advance due before shipment (``advance``), the
    banks' charges (``bank-charges``: ``outstanding`` is the short amount, not owed) or
    contract value of an unshipped order not yet due (``not-yet-due``)."""

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
    status: str = OPEN
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
            "status": self.status,
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
    eta: dt.date | None = None  # expected arrival: a D/P or D/A due date is never before it


DATE_KEYS = ("contract_date", "etd", "bl_date", "docs_sent_date", "invoice_date", "eta")


def _collection_due(
    sent: dt.date | None, transit: int, eta: dt.date | None, days: int
) -> dt.date | None:
    """D/P and D/A: the documents reach the buyer's bank ``transit`` days after they are
    sent, but a buyer pays (or accepts) against goods that have arrived: never before the
    ETA; then ``days`` more (D/P N days, D/A N days)."""
    if sent is None:
        return None
    presented = sent + dt.timedelta(days=transit)
    if eta is not None and eta > presented:
        presented = eta
    return presented + dt.timedelta(days=days)


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
            out.append(
                Instalment(
                    "deposit",
                    dep,
                    _plus(contract_date, s.deposit_due_days),
                    f"contract_date + {s.deposit_due_days}",
                )
            )
        out.append(
            Instalment(
                "balance",
                round(amount - dep, 2),
                _plus(bl_date, s.grace_days),
                f"bl_date + {s.grace_days}",
            )
        )
        return out
    if m in ("DP", "DA"):
        transit, n = s.collection_transit_days, t.days or 0
        due = _collection_due(docs_sent_date, transit, dates.eta, n)
        basis = f"docs_sent_date + {transit}"
        if (
            dates.eta is not None
            and docs_sent_date is not None
            and dates.eta > docs_sent_date + dt.timedelta(days=transit)
        ):
            basis = "eta"
        if m == "DA" or n:
            basis += f" + {n}"
        return [Instalment("full", amount, due, basis)]
    if m == "LC_SIGHT":
        due = None
        if docs_sent_date is not None:
            due = add_banking_days(docs_sent_date, s.lc_banking_days) + dt.timedelta(
                days=s.lc_transit_days
            )
        return [
            Instalment(
                "full",
                amount,
                due,
                f"docs_sent_date + {s.lc_banking_days} banking days + {s.lc_transit_days}",
            )
        ]
    if m == "LC_USANCE":
        return [Instalment("full", amount, _plus(bl_date, t.days or 0), f"bl_date + {t.days or 0}")]
    if m == "OA":
        if bl_date is not None:
            return [
                Instalment("full", amount, _plus(bl_date, t.days or 0), f"bl_date + {t.days or 0}")
            ]
        return [
            Instalment(
                "full", amount, _plus(invoice_date, t.days or 0), f"invoice_date + {t.days or 0}"
            )
        ]
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
    eta: dt.date | None = None,
) -> dt.date | None:
    """The due date under ``terms``: of the last instalment (the balance) by default, or of
    ``part`` = ``deposit``/``balance``/``first``."""
    dates = OrderDates(contract_date, etd, bl_date, docs_sent_date, invoice_date, eta)
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


def dunning_level(
    days: int | None, levels: Sequence[DunningLevel], upcoming_days: int = 7
) -> str | None:
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


@dataclass(frozen=True, slots=True)
class Line:
    """An instalment with what was received on it, what is owed and what the banks kept."""

    instalment: Instalment
    paid: float
    owed: float
    charges: float = 0.0
    #: the bank-charge limit the charges were measured against (0 when there are none)
    limit: float = 0.0


def settle(
    parts: Sequence[Instalment],
    received: float,
    charge_limit: Callable[[float], float] = lambda amount: 0.0,
    threshold: float = 0.01,
) -> list[Line]:
    """Each instalment with what was received on it (money applied earliest first), what is
    still owed and what is short by bank charges.

    Every payment loses a little to the banks, so a shortfall is charges, not a debt, when
    every instalment has been paid and the order is short by no more than the sum of their
    limits (``charge_limit(instalment amount)``); or when the last instalment money reached
    is short by no more than its own limit and the next ones have not been paid at all (a
    deposit that arrived less the banks' fees, its balance not yet paid)."""
    left = max(received, 0.0)
    rows: list[list[float]] = []  # paid, owed, charges, limit
    for p in parts:
        paid = min(left, p.amount)
        left -= paid
        owed = round(p.amount - paid, 2)
        rows.append([paid, owed if owed > threshold else 0.0, 0.0, 0.0])
    short = round(sum(r[1] for r in rows), 2)
    limits = [round(charge_limit(p.amount), 2) for p in parts]  # in cents, as a message quotes them
    whole = round(sum(limits), 2)
    if short > 0 and all(r[0] > 0 for r in rows) and short <= whole + 1e-9:
        for r in rows:  # with money applied earliest first, only the last line can be short
            if r[1] > 0:
                r[2], r[1], r[3] = r[1], 0.0, whole
    else:
        for k, r in enumerate(rows[:-1]):
            if r[0] > 0 and 0 < r[1] <= limits[k] + 1e-9 and all(q[0] == 0 for q in rows[k + 1 :]):
                r[2], r[1], r[3] = r[1], 0.0, limits[k]
    return [Line(p, round(r[0], 2), r[1], r[2], r[3]) for p, r in zip(parts, rows, strict=True)]


def order_lines(
    *,
    terms: PaymentTerms | None,
    amount: float,
    received: float,
    typed_due: dt.date | None,
    settings: Settings,
    dates: OrderDates,
    currency: str | None = None,
) -> list[Line]:
    """The lines of one order: its instalments (one, due on the typed 到期日, when there is
    one; one with no due date when the terms are unknown), settled against ``received``."""
    if typed_due is not None:
        parts = [Instalment("full", amount, typed_due, "typed 到期日")]
    else:
        parts = instalments(terms, amount, dates, settings) or [
            Instalment("full", amount, None, "terms unknown")
        ]
    return settle(
        parts,
        received,
        lambda a: settings.bank_charge_limit(currency, a),
        settings.overdue_threshold,
    )


@dataclass(frozen=True, slots=True)
class OrderLine:
    """A line of one master row, classified (``status``) for the receivables list."""

    index: int
    line: Line
    status: str
    settings: Settings


def unsettled_lines(tables: Tables, schema: Schema, as_of: dt.date) -> Iterator[OrderLine]:
    """Every line of every order that is not fully paid (less bank charges) nor closed.

    Most orders of a big master are paid: one tight pass finds the rows with money still
    missing (at the lowest threshold any customer has), so the stage and the lines are
    worked out for those only."""
    m = tables.master
    col = m.column
    customer, currency = col("customer"), col("currency")
    amount, received, typed_due = col("amount"), col("received_amount"), col("due_date")
    terms = col("payment_terms")
    dates = [col(k) for k in DATE_KEYS]
    vessel, bl_no, bl, sent = (
        col("vessel_voyage"),
        col("bl_no"),
        col("bl_date"),
        col("docs_sent_date"),
    )
    base = schema.settings
    cache: dict[str | None, Settings] = {}
    lowest = min(
        [base.overdue_threshold]
        + [
            float(o["overdue_threshold"])
            for o in base.customers.values()
            if "overdue_threshold" in o
        ]
    )
    candidates = [
        i
        for i, (a, r) in enumerate(zip(amount, received, strict=True))
        if a is not None and round(a - (r or 0.0), 2) > lowest
    ]
    if not candidates:
        return
    status = status_stages(m)
    for i in candidates:
        if status[i] == CLOSED:
            continue  # 已结案 closes an order, whatever is still missing
        a = amount[i]
        got = received[i] or 0.0
        s = cache.get(customer[i])
        if s is None:
            s = cache[customer[i]] = base.for_customer(customer[i])
        if round(a - got, 2) <= s.overdue_threshold:
            continue
        lines = order_lines(
            terms=terms[i],
            amount=a,
            received=got,
            typed_due=typed_due[i],
            settings=s,
            dates=OrderDates(*(c[i] for c in dates)),
            currency=currency[i],
        )
        full = all(ln.owed == 0 for ln in lines)
        shipped = (
            stage_of_row(status[i], vessel[i], bl_no[i], bl[i], sent[i], full, as_of) >= SHIPPED
        )
        for ln in lines:
            if ln.charges > 0:
                yield OrderLine(i, ln, BANK_CHARGES, s)
            elif ln.owed > 0:
                if shipped:
                    yield OrderLine(i, ln, OPEN, s)
                else:
                    yield OrderLine(i, ln, NOT_YET_DUE if ln.instalment.due is None else ADVANCE, s)


@dataclass(frozen=True)
class ReceivablesBook:
    """The receivables list in its parts: the debts for goods shipped a manager signs
    (``open``), the deposits and advances due before shipment, the banks' charges and the
    unshipped contracts' value not yet due."""

    open: list[Receivable] = field(default_factory=list)
    advances: list[Receivable] = field(default_factory=list)
    bank_charges: list[Receivable] = field(default_factory=list)
    not_yet_due: list[Receivable] = field(default_factory=list)

    def dunned(self) -> list[Receivable]:
        """The lines that are chased (open and advances), in sheet order."""
        return sorted(self.open + self.advances, key=lambda r: r.index)

    def all(self) -> list[Receivable]:
        return sorted(
            self.open + self.advances + self.bank_charges + self.not_yet_due, key=lambda r: r.index
        )


def receivables_book(tables: Tables, schema: Schema, as_of: dt.date) -> ReceivablesBook:
    """Every line of every order that is not settled, in sheet order, in its part."""
    m = tables.master
    col = m.column
    contract, customer, currency = col("contract_no"), col("customer"), col("currency")
    terms = col("payment_terms")
    cell_key = "amount" if m.has("amount") else m.spec.columns[0].key
    book = ReceivablesBook()
    parts = {
        OPEN: book.open,
        ADVANCE: book.advances,
        BANK_CHARGES: book.bank_charges,
        NOT_YET_DUE: book.not_yet_due,
    }
    for ol in unsettled_lines(tables, schema, as_of):
        i, ln, s = ol.index, ol.line, ol.settings
        inst = ln.instalment
        is_open = ol.status in DUNNED
        days = days_overdue(inst.due, as_of) if is_open else None
        owed = ln.charges if ol.status == BANK_CHARGES else ln.owed
        parts[ol.status].append(
            Receivable(
                contract_no=None if contract[i] is None else str(contract[i]),
                customer=customer[i],
                currency=currency[i],
                amount=inst.amount,
                received=ln.paid,
                outstanding=owed,
                due_date=inst.due,
                days_overdue=days,
                bucket=aging_bucket(days, s.aging_buckets) if is_open else ol.status,
                level=dunning_level(days, s.dunning_levels, s.upcoming_days) if is_open else None,
                method=terms[i].method if terms[i] is not None else None,
                instalment=inst.kind,
                overdue_amount=owed if is_open and days is not None and days > 0 else 0.0,
                due_basis=inst.basis,
                sheet=m.sheet,
                row=m.rows[i],
                cell=m.cell(cell_key, i),
                status=ol.status,
                index=i,
            )
        )
    return book


def receivables(tables: Tables, schema: Schema, as_of: dt.date) -> list[Receivable]:
    """What is chased (the ``open`` and ``advance`` lines of :func:`receivables_book`), in
    sheet order: the ribbon's 逾期催款 sheet."""
    return receivables_book(tables, schema, as_of).dunned()
