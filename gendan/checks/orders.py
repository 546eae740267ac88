"""Rules over one order (a master row): arithmetic, references, containers, dates, L/C,
dispatch.  Each reads typed columns; a value that is blank or did not parse is ``None``
here, so a rule that needs it is skipped for that row — the bad cell has its own finding.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from gendan import iso6346
from gendan.checks.base import Context, check
from gendan.checks.cells import courier_values
from gendan.findings import Finding
from gendan.normalize import norm
from gendan.tables import Table
from gendan.terms import BANK_METHODS, LC_METHODS
from gendan.values import money


def _product_index(ctx: Context) -> dict[tuple[str, str], int] | None:
    p = ctx.tables.products
    if p is None:
        return None
    idx: dict[tuple[str, str], int] = {}
    names, specs = p.column("product"), p.column("spec")
    for i in range(p.n):
        if names[i] is not None:
            idx.setdefault((norm(names[i]), norm(specs[i])), i)
    return idx


def _product_lookup(idx: dict[tuple[str, str], int], name: str | None, spec: str | None) -> int | None:
    """The 产品 row of (product, spec) typed in a master row, or None."""
    if name is None:
        return None
    hit = idx.get((norm(name), norm(spec)))
    if hit is None and spec is None:
        # no spec typed: accept when the product has exactly one spec
        cands = [j for (n, _s), j in idx.items() if n == norm(name)]
        hit = cands[0] if len(cands) == 1 else None
    return hit


def _product_rows(ctx: Context, idx: dict[tuple[str, str], int]) -> list[int | None]:
    """The 产品 row of every master row, looked up once per distinct (product, spec): a
    master of 100,000 orders names a few dozen products, so this is a few dozen lookups
    and one dict access per row instead of two ``norm`` calls per row."""
    cached = ctx.cache.get("product_rows")
    if cached is None:
        m = ctx.master
        pairs = list(zip(m.column("product"), m.column("spec"), strict=True))
        memo = {pair: _product_lookup(idx, *pair) for pair in set(pairs)}
        cached = ctx.cache["product_rows"] = list(map(memo.__getitem__, pairs))
    return cached  # type: ignore[no-any-return]


@check("references", codes=("unknown-customer", "unknown-product"))
def references(ctx: Context) -> Iterator[Finding]:
    m = ctx.master
    cust = ctx.tables.customers
    if cust is not None and m.has("customer"):
        known = {norm(v) for v in cust.column("customer") if v is not None}
        col = m.values["customer"]
        unknown = {v for v in set(col) if v is not None and norm(v) not in known}
        if unknown:
            for i, v in enumerate(col):
                if v in unknown:
                    yield ctx.finding("unknown-customer", m, "customer", i)
    idx = _product_index(ctx)
    if idx is not None and m.has("product"):
        rows = _product_rows(ctx, idx)
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
    idx = _product_index(ctx)
    if idx is None:
        return
    m, p = ctx.master, ctx.tables.products
    assert p is not None
    tol = ctx.schema.settings.kg_per_carton_tolerance
    kgc, temp = m.column("kg_per_carton"), m.column("temperature_c")
    cartons, ctype, ncont = m.column("cartons"), m.column("container_type"), m.column("containers")
    rows = _product_rows(ctx, idx)
    # the 产品 facts per product row, read once (p.get per master row was a third of the time)
    ref_kg = p.column("kg_per_carton")
    lo_c, hi_c = p.column("temp_min_c"), p.column("temp_max_c")
    labels = [f"{p.get('product', j)} {p.get('spec', j) or ''}".strip() for j in range(p.n)]
    per_type: dict[str, list[object]] = {}
    for i, j in enumerate(rows):
        if j is None:
            continue
        k, rk = kgc[i], ref_kg[j]
        if k is not None and rk is not None and abs(k - rk) > tol:
            yield ctx.finding("weight-mismatch", m, "kg_per_carton", i, expected=rk,
                              reason="kg-per-carton", product=labels[j])
        t = temp[i]
        if t is not None:
            lo, hi = lo_c[j], hi_c[j]
            if (lo is not None and t < lo) or (hi is not None and t > hi):
                rng = f"{'' if lo is None else f'{lo:g}'}..{'' if hi is None else f'{hi:g}'}"
                yield ctx.finding("temperature-range", m, "temperature_c", i, expected=rng, product=labels[j])
        c, ct, nc = cartons[i], ctype[i], ncont[i]
        if c is not None and ct is not None and nc is not None:
            caps = per_type.get(ct)
            if caps is None:
                caps = per_type[ct] = [p.get(f"cartons_per_{ct}", jj) for jj in range(p.n)]
            per = caps[j]
            if per is None or per <= 0:  # type: ignore[operator]
                continue
            cap = per * nc  # type: ignore[operator]
            if c > cap:
                yield ctx.finding("container-overflow", m, "cartons", i, expected=cap,
                                  containers=nc, container_type=ct)


@check("arithmetic", codes=("amount-mismatch", "weight-mismatch", "gross-not-above-net", "over-received"), cost=2)
def arithmetic(ctx: Context) -> Iterator[Finding]:
    m = ctx.master
    s = ctx.schema.settings
    cartons, price, amount = m.column("cartons"), m.column("unit_price"), m.column("amount")
    kgc, net, gross = m.column("kg_per_carton"), m.column("net_weight_kg"), m.column("gross_weight_kg")
    received = m.column("received_amount")
    for i in range(m.n):
        c = cartons[i]
        if c is not None and price[i] is not None and amount[i] is not None:
            want = round(c * price[i], 2)
            if abs(amount[i] - want) > s.amount_tolerance + 1e-9:
                yield ctx.finding("amount-mismatch", m, "amount", i, value=money(amount[i]), expected=money(want))
        if c is not None and kgc[i] is not None and net[i] is not None:
            # float: an int carton count times an int weight (grids other than calamine's)
            # can exceed any float, and the tolerance below would overflow converting it;
            # below 2**53 the product is the same
            want = float(c) * kgc[i]
            if abs(net[i] - want) > abs(want) * s.weight_tolerance_pct / 100.0 + 1e-9:
                yield ctx.finding("weight-mismatch", m, "net_weight_kg", i, value=money(net[i]), expected=money(want))
        if net[i] is not None and gross[i] is not None and gross[i] <= net[i]:
            yield ctx.finding("gross-not-above-net", m, "gross_weight_kg", i, value=money(gross[i]), expected=money(net[i]))
        if received[i] is not None and amount[i] is not None and received[i] > amount[i] + s.amount_tolerance:
            yield ctx.finding("over-received", m, "received_amount", i, value=money(received[i]), expected=money(amount[i]))


@check("containers", codes=("container-count", "container-check-digit"), cost=4)
def containers(ctx: Context) -> Iterator[Finding]:
    """Count and check digits of the 柜号 cells.  The cells are split first (one number per
    cell is the common case and needs no split), then every number of the sheet is checked
    at once by :func:`gendan.iso6346.problems`; only rows with a problem are visited again."""
    m = ctx.master
    if not m.has("container_nos"):
        return
    nos, count = m.column("container_nos"), m.column("containers")
    split, str_ = iso6346.split_numbers, str
    per_row = [None if t is None else ([t.upper()] if t.__class__ is str_ and len(t) == 11 and t.isascii()
                                       and t.isalnum() else split(str_(t))) for t in nos]
    flat: list[str] = [num for numbers in per_row if numbers for num in numbers]
    found = iso6346.problems(flat)
    bad_rows: set[int] = set()
    if any(p is not None for p in found):
        k = 0
        for i, numbers in enumerate(per_row):
            if numbers:
                if any(p is not None for p in found[k:k + len(numbers)]):
                    bad_rows.add(i)
                k += len(numbers)
    k = 0
    for i, numbers in enumerate(per_row):
        if numbers is None:
            continue
        n_here = len(numbers)
        if i in bad_rows or (count[i] is not None and n_here != count[i]):
            if count[i] is not None and n_here != count[i]:
                yield ctx.finding("container-count", m, "container_nos", i, value=n_here, expected=count[i])
            for num, problem in zip(numbers, found[k:k + n_here], strict=True):
                if problem == "form":
                    yield ctx.finding("container-check-digit", m, "container_nos", i, value=num,
                                      expected="AAAU1234567", reason="form")
                elif problem == "digit":
                    yield ctx.finding("container-check-digit", m, "container_nos", i, value=num,
                                      expected=f"{num[:10]}{iso6346.check_digit(num)}")
        k += n_here


# (later key, earlier key): later must not be before earlier
_DATE_ORDER = (
    ("etd", "contract_date"),
    ("bl_date", "contract_date"),
    ("docs_sent_date", "bl_date"),
    ("received_date", "contract_date"),
)


def _label(t: Table, key: str, lang: str) -> str:
    if not t.spec.has(key):
        return key
    c = t.spec.column(key)
    return c.zh if lang == "zh" else c.en


@check("dates", codes=("date-order", "late-shipment", "lc-presentation", "lc-expiry-before-shipment"), cost=2)
def dates(ctx: Context) -> Iterator[Finding]:
    m = ctx.master
    terms = ctx.terms
    cols = {k: m.column(k) for k in ("contract_date", "etd", "bl_date", "docs_sent_date", "received_date",
                                     "latest_shipment", "lc_expiry")}
    for i in range(m.n):
        for later, earlier in _DATE_ORDER:
            a, b = cols[later][i], cols[earlier][i]
            if a is not None and b is not None and a < b:
                yield ctx.finding("date-order", m, later, i, value=a, expected=b,
                                  other_zh=_label(m, earlier, "zh"), other_en=_label(m, earlier, "en"))
        bl, latest, expiry, sent = cols["bl_date"][i], cols["latest_shipment"][i], cols["lc_expiry"][i], cols["docs_sent_date"][i]
        t = terms[i]
        is_lc = t is not None and t.method in LC_METHODS
        if bl is not None and latest is not None and bl > latest:
            yield ctx.finding("late-shipment", m, "bl_date", i, value=bl, expected=latest)
        if expiry is not None and latest is not None and expiry < latest:
            yield ctx.finding("lc-expiry-before-shipment", m, "lc_expiry", i, value=expiry, expected=latest)
        if is_lc and sent is not None:
            days = ctx.settings_for(i).lc_presentation_days
            if bl is not None and sent > bl + dt.timedelta(days=days):
                yield ctx.finding("lc-presentation", m, "docs_sent_date", i, value=sent,
                                  expected=bl + dt.timedelta(days=days), days=days)
            elif expiry is not None and sent > expiry:
                yield ctx.finding("lc-presentation", m, "docs_sent_date", i, value=sent, expected=expiry,
                                  reason="after-expiry", days=days)


@check("dispatch", codes=("dispatch-method",))
def dispatch(ctx: Context) -> Iterator[Finding]:
    m = ctx.master
    if not m.has("dispatch_method"):
        return
    couriers = courier_values(m)
    method, sent = m.column("dispatch_method"), m.column("docs_sent_date")
    amount, received, rdate = m.column("amount"), m.column("received_amount"), m.column("received_date")
    terms = ctx.terms  # a property: looked up once, not once per row
    for i in range(m.n):
        t = terms[i]
        if t is None or method[i] not in couriers:
            continue
        if t.method in BANK_METHODS:
            yield ctx.finding("dispatch-method", m, "dispatch_method", i, expected="银行 Bank",
                              method=t.label("en"))
        elif t.method == "TT_BALANCE" and sent[i] is not None and amount[i] is not None:
            got = received[i] or 0.0
            paid_in_full = got >= amount[i] - ctx.schema.settings.amount_tolerance
            paid_before = paid_in_full and (rdate[i] is None or rdate[i] <= sent[i])
            if not paid_before:
                yield ctx.finding("dispatch-method", m, "dispatch_method", i, expected="hold originals until the balance is paid",
                                  reason="balance-unpaid", received=money(got), amount=money(amount[i]))
