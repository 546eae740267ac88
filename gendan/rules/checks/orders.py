"""Rules over one order (a master row): arithmetic, references, containers, dates, L/C,
dispatch.  Each reads typed columns; a value that is blank or did not parse is ``None``
here, so a rule that needs it is skipped for that row — the bad cell has its own finding.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

from gendan.model import iso6346
from gendan.model.findings import Finding
from gendan.model.normalize import norm
from gendan.model.terms import BANK_METHODS, LC_METHODS
from gendan.model.values import money
from gendan.read.lookup import customer_rows, product_rows
from gendan.read.tables import Table
from gendan.rules.checks.base import Context, check
from gendan.rules.checks.cells import courier_values


@check("references", codes=("unknown-customer", "unknown-product"))
def references(ctx: Context) -> Iterator[Finding]:
    m = ctx.master
    cust = ctx.tables.customers
    if cust is not None and m.has("customer"):
        col, rows_c = m.values["customer"], customer_rows(ctx.tables)
        if any(j is None and v is not None for v, j in zip(col, rows_c, strict=True)):
            for i, v in enumerate(col):
                if v is not None and rows_c[i] is None:
                    yield ctx.finding("unknown-customer", m, "customer", i)
    if ctx.tables.products is not None and m.has("product"):
        rows = product_rows(ctx.tables)
        names = m.values["product"]
        if any(j is None and v is not None for v, j in zip(names, rows, strict=True)):
            for i, v in enumerate(names):
                if v is not None and rows[i] is None:
                    spec = m.get("spec", i)
                    shown = f"{v} {spec}" if spec is not None else str(v)
                    yield ctx.finding("unknown-product", m, "product", i, value=shown)


@check("product-facts", codes=("weight-mismatch", "temperature-range", "container-overflow"))
def product_facts(ctx: Context) -> Iterator[Finding]:
    """What the 产品 sheet says about a product: kg per carton, temperature, capacity."""
    m, p = ctx.master, ctx.tables.products
    if p is None:
        return
    tol = ctx.schema.settings.kg_per_carton_tolerance
    kgc, temp = m.column("kg_per_carton"), m.column("temperature_c")
    cartons, ctype, ncont = m.column("cartons"), m.column("container_type"), m.column("containers")
    rows = product_rows(ctx.tables)
    # the 产品 facts per product row, read once (p.get per master row was a third of the time)
    ref_kg = p.column("kg_per_carton")
    lo_c, hi_c = p.column("temp_min_c"), p.column("temp_max_c")
    labels = [f"{p.get('product', j)} {p.get('spec', j) or ''}".strip() for j in range(p.n)]
    per_type: dict[str, list[float | None]] = {}
    for i, j in enumerate(rows):
        if j is None:
            continue
        k, rk = kgc[i], ref_kg[j]
        if k is not None and rk is not None and abs(k - rk) > tol:
            yield ctx.finding(
                "weight-mismatch",
                m,
                "kg_per_carton",
                i,
                expected=rk,
                reason="kg-per-carton",
                product=labels[j],
            )
        t = temp[i]
        if t is not None:
            lo, hi = lo_c[j], hi_c[j]
            if (lo is not None and t < lo) or (hi is not None and t > hi):
                rng = f"{'' if lo is None else f'{lo:g}'}..{'' if hi is None else f'{hi:g}'}"
                yield ctx.finding(
                    "temperature-range", m, "temperature_c", i, range=rng, product=labels[j]
                )
        c, ct, nc = cartons[i], ctype[i], ncont[i]
        if c is not None and ct is not None and nc is not None:
            caps = per_type.get(ct)
            if caps is None:
                caps = per_type[ct] = [p.get(f"cartons_per_{ct}", jj) for jj in range(p.n)]
            per = caps[j]
            if per is None or per <= 0:
                continue
            cap = per * nc
            if c > cap:
                yield ctx.finding(
                    "container-overflow",
                    m,
                    "cartons",
                    i,
                    capacity=cap,
                    containers=nc,
                    container_type=ct,
                )


@check(
    "arithmetic",
    codes=("amount-mismatch", "weight-mismatch", "gross-not-above-net", "over-received"),
    cost=2,
)
def arithmetic(ctx: Context) -> Iterator[Finding]:
    m = ctx.master
    s = ctx.schema.settings
    cartons, price, amount = m.column("cartons"), m.column("unit_price"), m.column("amount")
    kgc, net, gross = (
        m.column("kg_per_carton"),
        m.column("net_weight_kg"),
        m.column("gross_weight_kg"),
    )
    received = m.column("received_amount")
    for i in range(m.n):
        c = cartons[i]
        if c is not None and price[i] is not None and amount[i] is not None:
            want = round(c * price[i], 2)
            if abs(amount[i] - want) > s.amount_tolerance + 1e-9:
                yield ctx.finding(
                    "amount-mismatch", m, "amount", i, value=money(amount[i]), expected=money(want)
                )
        if c is not None and kgc[i] is not None and net[i] is not None:
            # float: an int carton count times an int weight (grids other than calamine's)
            # can exceed any float, and the tolerance below would overflow converting it;
            # below 2**53 the product is the same
            want = float(c) * kgc[i]
            if abs(net[i] - want) > abs(want) * s.weight_tolerance_pct / 100.0 + 1e-9:
                yield ctx.finding(
                    "weight-mismatch",
                    m,
                    "net_weight_kg",
                    i,
                    value=money(net[i]),
                    expected=money(want),
                )
        if net[i] is not None and gross[i] is not None and gross[i] <= net[i]:
            yield ctx.finding(
                "gross-not-above-net",
                m,
                "gross_weight_kg",
                i,
                value=money(gross[i]),
                net=money(net[i]),
            )
        if (
            received[i] is not None
            and amount[i] is not None
            and received[i] > amount[i] + s.amount_tolerance
        ):
            yield ctx.finding(
                "over-received",
                m,
                "received_amount",
                i,
                value=money(received[i]),
                amount=money(amount[i]),
            )


@check("containers", codes=("container-count", "container-check-digit"), cost=4)
def containers(ctx: Context) -> Iterator[Finding]:
    """Count and check digits of the 柜号 cells.  The cells are split first (one number per
    cell is the common case and needs no split), then every number of the sheet is checked
    at once by :func:`gendan.model.iso6346.problems`; only rows with a problem are visited again."""
    m = ctx.master
    if not m.has("container_nos"):
        return
    nos, count = m.column("container_nos"), m.column("containers")
    split, str_ = iso6346.split_numbers, str
    per_row = [
        None
        if t is None
        else (
            [t.upper()]
            if t.__class__ is str_ and len(t) == 11 and t.isascii() and t.isalnum()
            else split(str_(t))
        )
        for t in nos
    ]
    flat: list[str] = [num for numbers in per_row if numbers for num in numbers]
    found = iso6346.problems(flat)
    bad_rows: set[int] = set()
    if any(p is not None for p in found):
        k = 0
        for i, numbers in enumerate(per_row):
            if numbers:
                if any(p is not None for p in found[k : k + len(numbers)]):
                    bad_rows.add(i)
                k += len(numbers)
    k = 0
    for i, numbers in enumerate(per_row):
        if numbers is None:
            continue
        n_here = len(numbers)
        if i in bad_rows or (count[i] is not None and n_here != count[i]):
            if count[i] is not None and n_here != count[i]:
                yield ctx.finding(
                    "container-count", m, "container_nos", i, value=n_here, containers=count[i]
                )
            for num, problem in zip(numbers, found[k : k + n_here], strict=True):
                if problem == "form":
                    yield ctx.finding(
                        "container-check-digit",
                        m,
                        "container_nos",
                        i,
                        value=num,
                        expected="AAAU1234567",
                        reason="form",
                    )
                elif problem == "digit":
                    # no expected value: the wrong character may be any of the eleven, so the
                    # number with its last digit changed is most likely a box that does not exist
                    yield ctx.finding(
                        "container-check-digit",
                        m,
                        "container_nos",
                        i,
                        value=num,
                        first10=num[:10],
                        digit=iso6346.check_digit(num),
                        typed=num[10],
                    )
        k += n_here


# (later key, earlier key): later must not be before earlier
_DATE_ORDER = (
    ("etd", "contract_date"),
    ("eta", "etd"),
    ("bl_date", "contract_date"),
    ("docs_sent_date", "bl_date"),
    ("received_date", "contract_date"),
)


def _label(t: Table, key: str, lang: str) -> str:
    if not t.spec.has(key):
        return key
    c = t.spec.column(key)
    return c.zh if lang == "zh" else c.en


def settled_words(ctx: Context, i: int) -> dict[str, str]:
    """How a settled order's messages name its state: closed, or paid."""
    if ctx.stages.closed[i]:
        return {"settled_zh": "结案", "settled_en": "closed"}
    return {"settled_zh": "收款", "settled_en": "paid"}


@check(
    "dates",
    codes=("date-order", "late-shipment", "lc-presentation", "lc-expiry-before-shipment"),
    cost=2,
)
def dates(ctx: Context) -> Iterator[Finding]:
    """Dates in their order, and the L/C's deadlines.  The fix of a late shipment or a late
    presentation is never another date in the book: the documents are what they are, and
    what is left is the bank's answer (refusal) and the buyer's (amendment, waiver).  On a
    settled order they are history: a warning that says so."""
    m = ctx.master
    terms = ctx.terms
    cols = {
        k: m.column(k)
        for k in (
            "contract_date",
            "etd",
            "eta",
            "bl_date",
            "docs_sent_date",
            "received_date",
            "latest_shipment",
            "lc_expiry",
        )
    }
    settled = ctx.stages.settled
    for i in range(m.n):
        for later, earlier in _DATE_ORDER:
            a, b = cols[later][i], cols[earlier][i]
            if a is not None and b is not None and a < b:
                yield ctx.finding(
                    "date-order",
                    m,
                    later,
                    i,
                    value=a,
                    other=b,
                    other_zh=_label(m, earlier, "zh"),
                    other_en=_label(m, earlier, "en"),
                )
        bl, latest, expiry, sent = (
            cols["bl_date"][i],
            cols["latest_shipment"][i],
            cols["lc_expiry"][i],
            cols["docs_sent_date"][i],
        )
        t = terms[i]
        is_lc = t is not None and t.method in LC_METHODS
        past = settled[i]
        if bl is not None and latest is not None and bl > latest:
            if past:
                yield ctx.finding(
                    "late-shipment",
                    m,
                    "bl_date",
                    i,
                    value=bl,
                    latest=latest,
                    reason="settled",
                    at_most="warning",
                    **settled_words(ctx, i),
                )
            else:
                yield ctx.finding("late-shipment", m, "bl_date", i, value=bl, latest=latest)
        if expiry is not None and latest is not None and expiry < latest:
            yield ctx.finding(
                "lc-expiry-before-shipment", m, "lc_expiry", i, value=expiry, latest=latest
            )
        if is_lc and sent is not None:
            days = ctx.settings_for(i).lc_presentation_days
            extra = (
                {"reason": "settled", "at_most": "warning", **settled_words(ctx, i)} if past else {}
            )
            if bl is not None and sent > bl + dt.timedelta(days=days):
                yield ctx.finding(
                    "lc-presentation",
                    m,
                    "docs_sent_date",
                    i,
                    value=sent,
                    deadline=bl + dt.timedelta(days=days),
                    days=days,
                    **extra,
                )
            elif expiry is not None and sent > expiry:
                if past:
                    extra["reason"] = "after-expiry-settled"
                yield ctx.finding(
                    "lc-presentation",
                    m,
                    "docs_sent_date",
                    i,
                    value=sent,
                    expiry=expiry,
                    days=days,
                    **{"reason": "after-expiry", **extra},
                )


@check("dispatch", codes=("dispatch-method",))
def dispatch(ctx: Context) -> Iterator[Finding]:
    """How the documents went.  D/P, D/A and L/C documents go through the bank; a T/T-balance
    order's originals wait for the balance.  Once the order is settled (paid in full less
    bank charges, or marked paid or closed) what happened is history: a warning that states
    the facts, never an error, and never one that contradicts the row's own figures."""
    m = ctx.master
    if not m.has("dispatch_method"):
        return
    couriers = courier_values(m)
    method, sent = m.column("dispatch_method"), m.column("docs_sent_date")
    amount, received, rdate = (
        m.column("amount"),
        m.column("received_amount"),
        m.column("received_date"),
    )
    terms = ctx.terms  # a property: looked up once, not once per row
    st = ctx.stages
    for i in range(m.n):
        t = terms[i]
        if t is None or method[i] not in couriers:
            continue
        if t.method in BANK_METHODS:
            if st.settled[i] and sent[i] is not None:
                yield ctx.finding(
                    "dispatch-method",
                    m,
                    "dispatch_method",
                    i,
                    reason="settled",
                    at_most="warning",
                    method=t.label("en"),
                    sent=sent[i],
                    **settled_words(ctx, i),
                )
            else:
                yield ctx.finding("dispatch-method", m, "dispatch_method", i, method=t.label("en"))
        elif (
            t.method == "TT_BALANCE"
            and sent[i] is not None
            and amount[i] is not None
            and amount[i] > 0
        ):
            # (an amount of 0 or below has its own range finding; there is no balance to speak of)
            got = received[i] or 0.0
            facts = {"received": money(got), "amount": money(amount[i]), "sent": sent[i]}
            if st.paid_in_full[i]:
                if rdate[i] is not None and rdate[i] > sent[i]:
                    yield ctx.finding(
                        "dispatch-method",
                        m,
                        "dispatch_method",
                        i,
                        reason="paid-after-dispatch",
                        at_most="warning",
                        received_date=rdate[i],
                        **facts,
                    )
            elif st.settled[i]:
                yield ctx.finding(
                    "dispatch-method",
                    m,
                    "dispatch_method",
                    i,
                    reason="settled-short",
                    at_most="warning",
                    **facts,
                    **settled_words(ctx, i),
                )
            else:
                yield ctx.finding(
                    "dispatch-method", m, "dispatch_method", i, reason="balance-unpaid", **facts
                )


def _required_certificates(ctx: Context) -> list[dict[str, tuple[str, str]]]:
    """Per master row: certificate column key → who requires it (zh, en), read from the
    "required documents" cells of the row's customer and product (empty: none is named)."""
    words = ctx.schema.settings.certificates
    m = ctx.master
    out: list[dict[str, tuple[str, str]]] = []
    if not words:
        return out
    named: dict[str, list[str]] = {}  # per distinct text, the certificates it names

    def add(i: int, text: str, zh: str, en: str) -> None:
        keys = named.get(text)
        if keys is None:
            keys = named[text] = [key for key, ws in words.items() if _names_any(text, ws)]
        if keys and not out:
            out.extend({} for _ in range(m.n))
        for key in keys:
            out[i].setdefault(key, (zh, en))

    cust = ctx.tables.customers
    if cust is not None and cust.has("required_documents") and m.has("customer"):
        docs = {
            norm(c): d
            for c, d in zip(cust.column("customer"), cust.column("required_documents"), strict=True)
            if c is not None and d is not None
        }
        if docs:
            for i, c in enumerate(m.column("customer")):
                text = None if c is None else docs.get(norm(c))
                if text is not None:
                    add(i, text, f"客户 {c}", f"Customer {c}")
    p = ctx.tables.products
    if (
        p is not None
        and p.has("required_documents")
        and any(d is not None for d in p.column("required_documents"))
    ):
        pdocs = p.column("required_documents")
        for i, j in enumerate(product_rows(ctx.tables)):
            if j is not None and pdocs[j] is not None:
                label = f"{p.get('product', j)} {p.get('spec', j) or ''}".strip()
                add(i, pdocs[j], f"产品 {label}", f"Product {label}")
    return out


def _names_any(text: str, names: tuple[str, ...]) -> bool:
    """Does a required-documents cell name one of ``names``?  Short Latin names (PC, CO,
    C/O) must stand alone; longer ones and Chinese ones may sit inside other words."""
    up = norm(text).upper()
    for w in names:
        k = norm(w).upper()
        if not k:
            continue
        if k.isascii() and len(k.replace("/", "")) <= 3:
            if re.search(rf"(?<![A-Z0-9]){re.escape(k)}(?![A-Z0-9])", up):
                return True
        elif k in up:
            return True
    return False


@check("certificates", codes=("certificate-missing",))
def certificates(ctx: Context) -> Iterator[Finding]:
    """A certificate (phyto, C/O) that the customer's or the product's required documents
    name must have its number in the row once the documents are sent."""
    m = ctx.master
    keys = [k for k in ctx.schema.settings.certificates if m.has(k)]
    if not keys:
        return
    needed = _required_certificates(ctx)
    if not any(needed):
        return
    st = ctx.stages
    for i, need in enumerate(needed):
        if not need or not st.reached(i, "docs_sent"):
            continue
        for key in keys:
            if key in need and m.get(key, i) is None and not m.is_bad(key, i):
                zh, en = need[key]
                col = m.spec.column(key)
                yield ctx.finding(
                    "certificate-missing",
                    m,
                    key,
                    i,
                    value=None,
                    source_zh=zh,
                    source_en=en,
                    cert_zh=col.zh.removesuffix("号"),
                    cert_en=col.en.removesuffix(" No."),
                )
