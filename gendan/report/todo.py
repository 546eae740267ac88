"""The merchandiser's day (今日待办): what is due, by when, and the next action.

The checks say what is *wrong* in the book; this module says what is *due*.  Every item
is one rule applied to one order, with the date it falls due, the days left (negative:
days late) and the next action in Chinese and English.  An item is listed when its due
date is within ``days`` of the as-of date, or already past.

The rules reuse what the rest of gendan knows, so a due date never means two things:

- where an order is in its life comes from :mod:`gendan.rules.stages` (the 状态 word and the
  row's own dates), and a closed order produces nothing;
- a paid order produces nothing more, except a T/T order's documents still to send;
- money comes from the receivables lines (:func:`gendan.rules.receivables.receivables_book`):
  the same instalments, due dates and dunning levels as ``gendan overdue``;
- the certificates a customer or a product needs are the ones the ``certificates`` check
  reads from the 客户 / 产品 "required documents" cells;
- the L/C presentation period is ``settings.lc_presentation_days`` (UCP 600 art. 14 c),
  the other day counts are ``settings.todo`` (schemas/master.yaml).

The rules (``kind``):

============== ==========================================================================
booking        ETD (or, without one, the L/C latest shipment) due and not booked yet
lc-shipment    L/C latest shipment date due and the goods not shipped
lc-expiry      L/C expiry due and the goods not shipped (ask for an amendment)
lc-presentation shipped under an L/C, documents not presented: B/L + presentation
               period, never later than the expiry
docs-send      shipped (not under an L/C), documents not sent: B/L + docs_after_bl_days;
               under T/T the originals wait for the money (domain.md: sending them
               earlier gives the goods away), so only once paid in full - and then
               never before the day after the money arrived
certificate    a certificate the customer/product needs is blank: ETD - certificate_lead_days
shipping-advice shipped, no 装船通知日期: B/L + shipping_advice_days; moot once the goods
               arrived (ETA passed) or after shipping_advice_window_days
payment-due    an open instalment (deposit, balance, full) falls due within the window
dunning        an overdue instalment has reached a dunning level (reminder → firm →
               final …) that no reminder has been sent at (催款日期 before the day the
               level began, or blank)
============== ==========================================================================

A row whose dates are blank or did not parse gives no item for the rule that needs them
(the checks report the bad cell); nothing here guesses a date.
"""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from gendan.model.schema import TODO_DEFAULTS
from gendan.model.terms import LC_METHODS
from gendan.report.output import terminal_safe
from gendan.rules.receivables import receivables_book
from gendan.rules.stages import BOOKED, DOCS_SENT, SHIPPED, order_stages, status_stages

if TYPE_CHECKING:
    from gendan.model.schema import Schema
    from gendan.read.tables import Table, Tables

#: The JSON / CSV fields, in order.
TODO_FIELDS = (
    "contract_no",
    "customer",
    "kind",
    "due_date",
    "days_left",
    "action_zh",
    "action_en",
    "sheet",
    "cell",
)

#: kind → (zh, en) label; the order is the tie-break of equally urgent items
KINDS: dict[str, tuple[str, str]] = {
    "lc-expiry": ("信用证效期", "L/C expiry"),
    "lc-shipment": ("信用证装运期", "L/C shipment"),
    "lc-presentation": ("信用证交单", "L/C presentation"),
    "booking": ("订舱", "Booking"),
    "certificate": ("证书", "Certificate"),
    "docs-send": ("寄单", "Send documents"),
    "shipping-advice": ("装船通知", "Shipping advice"),
    "dunning": ("催款", "Dunning"),
    "payment-due": ("收款到期", "Payment due"),
}
_RANK = {k: n for n, k in enumerate(KINDS)}
_TT = frozenset({"TT_ADVANCE", "TT_BALANCE"})

_PART = {
    "deposit": ("定金", "deposit"),
    "balance": ("尾款", "balance"),
    "full": ("货款", "payment"),
}
_LEVEL = {
    "reminder": ("提醒", "reminder"),
    "firm": ("正式催款", "firm letter"),
    "final": ("最后通知", "final notice"),
    "escalate": ("转交经理", "hand to the manager"),
}


@dataclass(frozen=True, slots=True)
class TodoItem:
    """One thing due on one order.  ``days_left`` is negative when it is late."""

    contract_no: str | None
    customer: str | None
    kind: str
    due_date: dt.date
    days_left: int
    action_zh: str
    action_en: str
    sheet: str
    cell: str
    row: int = 0  # the master row (not in the JSON)

    def to_dict(self) -> dict[str, Any]:
        return {
            "contract_no": self.contract_no,
            "customer": self.customer,
            "kind": self.kind,
            "due_date": self.due_date.isoformat(),
            "days_left": self.days_left,
            "action_zh": self.action_zh,
            "action_en": self.action_en,
            "sheet": self.sheet,
            "cell": self.cell,
        }

    def label(self, lang: str) -> str:
        zh, en = KINDS[self.kind]
        return zh if lang == "zh" else en


def _d(x: dt.date | None) -> str:
    return x.isoformat() if x else "?"


def _money(cur: str | None, amount: float) -> str:
    return f"{cur or ''} {amount:,.2f}".strip()


class _Rows:
    """Builds the items of one master table (its cells and as-of date in one place)."""

    def __init__(self, m: Table, as_of: dt.date) -> None:
        self.m, self.as_of = m, as_of
        self.items: list[TodoItem] = []
        self.contract = m.column("contract_no")
        self.customer = m.column("customer")

    def add(self, i: int, kind: str, due: dt.date, key: str, zh: str, en: str) -> None:
        m = self.m
        c = self.contract[i]
        self.items.append(
            TodoItem(
                contract_no=None if c is None else str(c),
                customer=None if self.customer[i] is None else str(self.customer[i]),
                kind=kind,
                due_date=due,
                days_left=(due - self.as_of).days,
                action_zh=zh,
                action_en=en,
                sheet=m.sheet,
                cell=m.cell(key if m.has(key) else "contract_no", i),
                row=m.rows[i],
            )
        )


def _required_certificates(
    tables: Tables, schema: Schema, as_of: dt.date
) -> list[dict[str, tuple[str, str]]]:
    """The certificates each row needs, read exactly as the ``certificates`` check reads them."""
    from gendan.rules.checks.base import Context
    from gendan.rules.checks.orders import _required_certificates as needed

    return needed(Context(tables, schema, as_of))


def todo_items(
    tables: Tables, schema: Schema, as_of: dt.date, days: int | None = None
) -> list[TodoItem]:
    """Every item due within ``days`` (default ``settings.todo.days``) of ``as_of`` or late,
    on every master sheet read (a book kept one sheet per year has this year's orders on the
    second), most urgent first (most days late, then the kinds in :data:`KINDS` order)."""
    items = [it for t in tables.each() for it in _sheet_items(t, schema, as_of, days)]
    return sorted(items, key=lambda t: (t.days_left, _RANK[t.kind]))  # stable: sheet, row, cell


def _sheet_items(
    tables: Tables, schema: Schema, as_of: dt.date, days: int | None
) -> list[TodoItem]:
    """The items of ``tables.master`` (one master sheet), in row order."""
    s = schema.settings
    conf = {**TODO_DEFAULTS, **s.todo}
    window = conf["days"] if days is None else days
    horizon = as_of + dt.timedelta(days=window)
    m = tables.master
    col = m.column
    st = order_stages(m, schema, as_of)
    out = _Rows(m, as_of)
    terms = col("payment_terms")
    etd, latest, expiry, lc_no = col("etd"), col("latest_shipment"), col("lc_expiry"), col("lc_no")
    bl, bl_no, vessel, eta = col("bl_date"), col("bl_no"), col("vessel_voyage"), col("eta")
    advice = col("shipping_advice_date")
    certs = _required_certificates(tables, schema, as_of)
    cert_keys = [k for k in s.certificates if m.has(k)]

    def due(d: dt.date | None) -> bool:
        return d is not None and d <= horizon

    said = status_stages(m)
    sent, received_on = col("docs_sent_date"), col("received_date")

    def tt_paid_docs(i: int) -> bool:
        """A T/T order paid in full, shipped, documents neither dated nor marked sent."""
        t, stage = terms[i], said[i]
        return (
            t is not None
            and t.method in _TT
            and st.paid_in_full[i]
            and bl[i] is not None
            and bl[i] <= as_of
            and sent[i] is None
            and (stage is None or stage < DOCS_SENT)
        )

    for i in range(m.n):
        if st.closed[i]:
            continue  # closed: what is left of its life is history
        if st.settled[i]:
            # paid: only a T/T buyer's originals can still be owed - they waited for the money
            if tt_paid_docs(i):
                _docs_after_payment(out, i, bl[i], conf["docs_after_bl_days"], received_on[i], due)
            continue
        stage = st.stage[i]
        method = terms[i].method if terms[i] is not None else None
        is_lc = method in LC_METHODS
        lc = f"{lc_no[i]} " if lc_no[i] else ""
        # production / booking
        if stage < BOOKED:
            ref, key = (
                (etd[i], "etd")
                if etd[i] is not None
                else (latest[i] if is_lc else None, "latest_shipment")
            )
            if ref is not None and due(ref):
                what_zh = "船期" if key == "etd" else "信用证最迟装运期"
                what_en = "ETD" if key == "etd" else "L/C latest shipment"
                out.add(
                    i,
                    "booking",
                    ref,
                    key,
                    f"订舱：{what_zh} {_d(ref)}，尚未订舱（无船名航次）；请确认货物备妥并向船公司/货代订舱。",
                    f"Book the shipment: {what_en} {_d(ref)} and no vessel booked yet; confirm the goods "
                    "are ready and book with the carrier or forwarder.",
                )
        if is_lc and stage < SHIPPED:
            if due(latest[i]):
                out.add(
                    i,
                    "lc-shipment",
                    latest[i],
                    "latest_shipment",
                    f"信用证 {lc}最迟装运期 {_d(latest[i])}，货物尚未装船；请按期装运，否则请客户修改信用证。",
                    f"L/C {lc}latest shipment {_d(latest[i])} and the goods are not shipped; ship in time "
                    "or ask the buyer to amend the L/C.",
                )
            if due(expiry[i]):
                out.add(
                    i,
                    "lc-expiry",
                    expiry[i],
                    "lc_expiry",
                    f"信用证 {lc}有效期 {_d(expiry[i])}，货物尚未装船；请客户展期。",
                    f"L/C {lc}expires {_d(expiry[i])} and the goods are not shipped; ask the buyer "
                    "to extend it.",
                )
        shipped = stage >= SHIPPED and bl[i] is not None and bl[i] <= as_of
        if shipped and stage < DOCS_SENT:
            if is_lc:
                period = s.for_customer(out.customer[i]).lc_presentation_days
                deadline = bl[i] + dt.timedelta(days=period)
                capped = expiry[i] is not None and expiry[i] < deadline
                if capped:
                    deadline = expiry[i]
                if due(deadline):
                    why_zh = (
                        f"信用证有效期 {_d(expiry[i])}"
                        if capped
                        else f"提单日 {_d(bl[i])} + {period} 天"
                    )
                    why_en = (
                        f"L/C expiry {_d(expiry[i])}"
                        if capped
                        else f"B/L date {_d(bl[i])} + {period} days"
                    )
                    out.add(
                        i,
                        "lc-presentation",
                        deadline,
                        "docs_sent_date",
                        f"信用证 {lc}交单截止 {_d(deadline)}（{why_zh}），单据尚未交银行；请备齐单据交单。",
                        f"Present the documents under L/C {lc}by {_d(deadline)} ({why_en}); not presented "
                        "yet.",
                    )
            elif method not in _TT:  # T/T originals wait for the money (the payment items)
                n = conf["docs_after_bl_days"]
                send_by = bl[i] + dt.timedelta(days=n)
                if due(send_by):
                    out.add(
                        i,
                        "docs-send",
                        send_by,
                        "docs_sent_date",
                        f"寄单：提单日 {_d(bl[i])}，{n} 天内应寄出单据，尚未寄单。",
                        f"Send the documents: B/L date {_d(bl[i])}, due within {n} days; not sent yet.",
                    )
        if stage < DOCS_SENT and certs and certs[i]:  # certs is empty when no row needs any
            ref = etd[i] or bl[i]
            if ref is not None:
                ready_by = ref - dt.timedelta(days=conf["certificate_lead_days"])
                for key in cert_keys:
                    if (
                        key in certs[i]
                        and m.get(key, i) is None
                        and not m.is_bad(key, i)
                        and due(ready_by)
                    ):
                        spec = m.spec.column(key)
                        who_zh, who_en = certs[i][key]
                        name_zh, name_en = spec.zh.removesuffix("号"), spec.en.removesuffix(" No.")
                        out.add(
                            i,
                            "certificate",
                            ready_by,
                            key,
                            f"{name_zh}尚未填写（{who_zh} 要求）；船期 {_d(ref)} 前 {conf['certificate_lead_days']} "
                            "天办好。",
                            f"{name_en} still blank ({who_en} requires it); have it ready "
                            f"{conf['certificate_lead_days']} days before ETD {_d(ref)}.",
                        )
        if shipped and advice[i] is None and not m.is_bad("shipping_advice_date", i):
            late = (as_of - bl[i]).days > conf["shipping_advice_window_days"]
            arrived = eta[i] is not None and eta[i] < as_of
            send_by = bl[i] + dt.timedelta(days=conf["shipping_advice_days"])
            if not late and not arrived and due(send_by):
                out.add(
                    i,
                    "shipping-advice",
                    send_by,
                    "shipping_advice_date",
                    f"发装船通知：船名 {vessel[i] or '?'}，提单号 {bl_no[i] or '?'}，提单日 {_d(bl[i])}；"
                    "发出后在「装船通知日期」记录日期（gendan mail --kind shipping-advice）。",
                    f"Send the shipping advice: vessel {vessel[i] or '?'}, B/L {bl_no[i] or '?'} of "
                    f"{_d(bl[i])}; record the date in 装船通知日期 once sent (gendan mail --kind "
                    "shipping-advice).",
                )
    _money_items(out, tables, schema, as_of, horizon, st.settled)
    return sorted(out.items, key=lambda t: (t.row, t.cell))


def _docs_after_payment(
    out: _Rows, i: int, bl: dt.date, n: int, paid: dt.date | None, due: Any
) -> None:
    """T/T: the originals (or the telex release) go once the money is in - B/L + n days,
    or the day after the money arrived when that is later."""
    send_by = bl + dt.timedelta(days=n)
    if paid is not None and paid + dt.timedelta(days=1) > send_by:
        send_by = paid + dt.timedelta(days=1)
    if due(send_by):
        got = f"，货款已于 {_d(paid)} 收齐" if paid else "，货款已收齐"
        got_en = f"; paid in full on {_d(paid)}" if paid else "; paid in full"
        out.add(
            i,
            "docs-send",
            send_by,
            "docs_sent_date",
            f"寄单/电放：提单日 {_d(bl)}{got}，正本单据尚未寄出。",
            f"Send the original documents (or release by telex): B/L date {_d(bl)}{got_en}; not sent yet.",
        )


def _money_items(
    out: _Rows,
    tables: Tables,
    schema: Schema,
    as_of: dt.date,
    horizon: dt.date,
    settled: Sequence[bool],
) -> None:
    """Instalments falling due in the window; overdue ones at a level not yet reminded of."""
    m = tables.master
    reminded = m.column("reminder_date")
    for r in receivables_book(
        tables, schema, as_of
    ).dunned():  # open lines and deposits due before shipment
        i = r.index
        if r.due_date is None or settled[i]:
            continue
        part_zh, part_en = _PART.get(r.instalment, (r.instalment, r.instalment))
        owed = _money(r.currency, r.outstanding)
        if as_of <= r.due_date <= horizon:
            out.add(
                i,
                "payment-due",
                r.due_date,
                "received_amount",
                f"{part_zh} {owed} 于 {_d(r.due_date)} 到期（{r.due_basis}）；请跟进客户付款。",
                f"The {part_en} of {owed} falls due on {_d(r.due_date)} ({r.due_basis}); follow up "
                "the payment.",
            )
            continue
        if r.days_overdue is None or r.days_overdue <= 0 or r.level is None:
            continue
        levels = {
            lv.level: lv.from_days for lv in schema.settings.for_customer(r.customer).dunning_levels
        }
        start = r.due_date + dt.timedelta(days=levels.get(r.level, 1))
        last = reminded[i]
        if last is not None and last >= start:
            continue  # a reminder already went out at this level
        lz, le = _LEVEL.get(r.level, (r.level, r.level))
        since_zh = f"上次催款 {_d(last)}" if last else "尚未催款"
        since_en = f"last reminder {_d(last)}" if last else "no reminder sent yet"
        out.add(
            i,
            "dunning",
            start,
            "reminder_date" if m.has("reminder_date") else "received_amount",
            f"催款（{lz}）：{part_zh} {owed} 于 {_d(r.due_date)} 到期，已逾期 {r.days_overdue} 天，{since_zh}；"
            "发出后在「催款日期」记录日期（gendan mail --kind dunning）。",
            f"Dunning ({le}): the {part_en} of {owed} was due {_d(r.due_date)}, {r.days_overdue} days "
            f"overdue, {since_en}; record the date in 催款日期 once sent (gendan mail --kind dunning).",
        )


# ----------------------------------------------------------------------------- output


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(width - _width(text), 0)


def days_text(days_left: int, lang: str) -> str:
    """今天 / 还有 3 天 / 逾期 2 天 (today / in 3 days / 2 days late)."""
    if lang == "zh":
        return (
            "今天"
            if days_left == 0
            else (f"还有 {days_left} 天" if days_left > 0 else f"逾期 {-days_left} 天")
        )
    if days_left == 0:
        return "today"
    return f"in {days_left} d" if days_left > 0 else f"{-days_left} d late"


def todo_table(items: Sequence[TodoItem], lang: str, as_of: dt.date, window: int) -> str:
    """The list as a person reads it: due date, days left, contract, customer, kind, action."""
    zh = lang == "zh"
    out = [
        f"今日待办（{as_of.isoformat()}，{window} 天内到期及已逾期）：{len(items)} 项"
        if zh
        else f"To do on {as_of.isoformat()} (due within {window} days, or late): {len(items)} items"
    ]
    if not items:
        out.append("没有待办事项。" if zh else "Nothing due.")
        return "\n".join(out) + "\n"
    hdr = (
        ("到期日", "剩余", "合同号", "客户", "事项", "单元格", "下一步")
        if zh
        else ("Due", "Days", "Contract", "Customer", "Kind", "Cell", "Next action")
    )
    widths = (10, 11, 13, 14, 16, 6)
    rows = [
        [
            terminal_safe(x)
            for x in (
                t.due_date.isoformat(),
                days_text(t.days_left, lang),
                t.contract_no or "",
                t.customer or "",
                t.label(lang),
                t.cell,
                t.action_zh if zh else t.action_en,
            )
        ]
        for t in items
    ]
    out.append("  ".join(_pad(h, w) for h, w in zip(hdr, widths + (0,), strict=True)).rstrip())
    for r in rows:
        out.append("  ".join(_pad(c, w) for c, w in zip(r, widths + (0,), strict=True)).rstrip())
    return "\n".join(out) + "\n"


def todo_json(items: Iterable[TodoItem]) -> str:
    return json.dumps([t.to_dict() for t in items], ensure_ascii=False, indent=1)


def todo_csv(items: Iterable[TodoItem]) -> str:
    from gendan.report.output import _csv

    return _csv(([t.to_dict()[k] for k in TODO_FIELDS] for t in items), TODO_FIELDS)
