"""The fast paths of issue 6 give the same answers as the plain code they replaced.

Each rule that was rewritten to work per column (``None`` found by pointer, work per
distinct value, numpy for check digits) is compared here with its plain one-row-at-a-time
version — kept below, as it was before — on randomised sheets, finding for finding
(code, cell, value, expected, params).  The typing shortcuts (per distinct value for
enum/terms columns, the integer fast pass) are compared with the cell-by-cell parsers the
same way.
"""

from __future__ import annotations

import datetime as dt
import gc
import random
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from factory import clean_order, make_data

from gendan.model import iso6346
from gendan.model.findings import Finding
from gendan.model.grid import WorkbookData
from gendan.model.normalize import norm
from gendan.model.schema import load_schema
from gendan.model.values import money, parse_integer
from gendan.read.tables import Table, load_tables
from gendan.rules.checks import cells, orders, payments
from gendan.rules.checks.base import Context, reference_tables
from gendan.rules.receivables import receivables_book, unsettled_lines

# ----------------------------------------------------------------------------- references
# The rules as they were before issue 6: one row at a time, plain Python.


def ref_required(ctx: Context) -> Iterator[Finding]:
    def condition_rows(t: Table, cond: Any, couriers: set[str]) -> list[bool]:
        if t is not ctx.master:
            return [False] * t.n
        st = ctx.stages
        reached = [st.reached(i, cond.stage) for i in range(t.n)]
        if cond.terms:
            wanted = set(cond.terms)
            return [m in wanted and r for m, r in zip(ctx.methods(), reached, strict=True)]
        if cond.present:
            other, bad = t.column(cond.present), t.bad.get(cond.present, set())
            return [(v is not None or i in bad) and reached[i] for i, v in enumerate(other)]
        if cond.courier:
            method = t.column("dispatch_method")
            return [method[i] in couriers and reached[i] for i in range(t.n)]
        return reached if cond.stage is not None else [False] * t.n

    for t in reference_tables(ctx):
        couriers = cells.courier_values(t)
        for col in t.spec.columns:
            if not (col.required or col.required_when):
                continue
            if col.key not in t.col:
                if col.required:
                    yield ctx.finding(
                        "required", t, col.key, -1, value=None, reason="column-missing"
                    )
                continue
            bad = t.bad.get(col.key, ())
            blanks = [i for i, v in enumerate(t.values[col.key]) if v is None and i not in bad]
            if not blanks:
                continue
            if col.required:
                for i in blanks:
                    yield ctx.finding("required", t, col.key, i, value=None)
                continue
            holds = [(cond, condition_rows(t, cond, couriers)) for cond in col.required_when]
            for i in blanks:
                for cond, rows in holds:
                    if rows[i]:
                        yield ctx.finding(
                            "required",
                            t,
                            col.key,
                            i,
                            value=None,
                            reason="conditional",
                            when=cells._when(ctx, cond, "zh"),
                            when_en=cells._when(ctx, cond, "en"),
                        )
                        break


def _ref_product_index(ctx: Context) -> dict[tuple[str, str], int] | None:
    """(product, spec) → 产品 row, the obvious way (gendan.read.lookup is the fast one)."""
    p = ctx.tables.products
    if p is None:
        return None
    idx: dict[tuple[str, str], int] = {}
    names, specs = p.column("product"), p.column("spec")
    for i in range(p.n):
        if names[i] is not None:
            idx.setdefault((norm(names[i]), norm(specs[i])), i)
    return idx


def _ref_product_row(ctx: Context, idx: dict[tuple[str, str], int], i: int) -> int | None:
    m = ctx.master
    name, spec = m.get("product", i), m.get("spec", i)
    if name is None:
        return None
    hit = idx.get((norm(name), norm(spec)))
    if hit is None and spec is None:
        cands = [j for (n, _s), j in idx.items() if n == norm(name)]
        hit = cands[0] if len(cands) == 1 else None
    return hit


def ref_references(ctx: Context) -> Iterator[Finding]:
    m = ctx.master
    cust = ctx.tables.customers
    if cust is not None and m.has("customer"):
        known = {norm(v) for v in cust.column("customer") if v is not None}
        for i, v in enumerate(m.values["customer"]):
            if v is not None and norm(v) not in known:
                yield ctx.finding("unknown-customer", m, "customer", i)
    idx = _ref_product_index(ctx)
    if idx is not None and m.has("product"):
        for i, v in enumerate(m.values["product"]):
            if v is not None and _ref_product_row(ctx, idx, i) is None:
                spec = m.get("spec", i)
                shown = f"{v} {spec}" if spec is not None else str(v)
                yield ctx.finding("unknown-product", m, "product", i, value=shown)


def ref_product_facts(ctx: Context) -> Iterator[Finding]:
    idx = _ref_product_index(ctx)
    if idx is None:
        return
    m, p = ctx.master, ctx.tables.products
    assert p is not None
    tol = ctx.schema.settings.kg_per_carton_tolerance
    kgc, temp = m.column("kg_per_carton"), m.column("temperature_c")
    cartons, ctype, ncont = m.column("cartons"), m.column("container_type"), m.column("containers")
    for i in range(m.n):
        j = _ref_product_row(ctx, idx, i)
        if j is None:
            continue
        label = f"{p.get('product', j)} {p.get('spec', j) or ''}".strip()
        ref_kg = p.get("kg_per_carton", j)
        if kgc[i] is not None and ref_kg is not None and abs(kgc[i] - ref_kg) > tol:
            yield ctx.finding(
                "weight-mismatch",
                m,
                "kg_per_carton",
                i,
                expected=ref_kg,
                reason="kg-per-carton",
                product=label,
            )
        lo, hi = p.get("temp_min_c", j), p.get("temp_max_c", j)
        t = temp[i]
        if t is not None and ((lo is not None and t < lo) or (hi is not None and t > hi)):
            rng = f"{'' if lo is None else f'{lo:g}'}..{'' if hi is None else f'{hi:g}'}"
            yield ctx.finding("temperature-range", m, "temperature_c", i, range=rng, product=label)
        if cartons[i] is not None and ctype[i] is not None and ncont[i] is not None:
            per = p.get(f"cartons_per_{ctype[i]}", j)
            if per is None or per <= 0:
                continue
            cap = per * ncont[i]
            if cartons[i] > cap:
                yield ctx.finding(
                    "container-overflow",
                    m,
                    "cartons",
                    i,
                    capacity=cap,
                    containers=ncont[i],
                    container_type=ctype[i],
                )


def ref_containers(ctx: Context) -> Iterator[Finding]:
    m = ctx.master
    if not m.has("container_nos"):
        return
    nos, count = m.column("container_nos"), m.column("containers")
    for i in range(m.n):
        text = nos[i]
        if text is None:
            continue
        numbers = iso6346.split_numbers(str(text))
        if count[i] is not None and len(numbers) != count[i]:
            yield ctx.finding(
                "container-count", m, "container_nos", i, value=len(numbers), containers=count[i]
            )
        for num in numbers:
            problem = iso6346.problem(num)
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


def ref_overdue(ctx: Context) -> Iterator[Finding]:
    m = ctx.master
    key = "received_amount" if m.has("received_amount") else "amount"
    book = receivables_book(ctx.tables, ctx.schema, ctx.as_of)
    for r in book.all():
        if r.status in ("open", "advance") and r.days_overdue is not None and r.days_overdue >= 1:
            zh, en = payments._PART[r.instalment]
            yield ctx.finding(
                "overdue",
                m,
                key,
                r.index,
                value=money(r.outstanding),
                days=r.days_overdue,
                due=r.due_date,
                currency=r.currency or "",
                outstanding=money(r.outstanding),
                part_zh=zh,
                part_en=en,
            )
        elif r.status == "bank-charges":
            (ln,) = [
                ol.line
                for ol in unsettled_lines(ctx.tables, ctx.schema, ctx.as_of)
                if ol.index == r.index and ol.line.instalment.kind == r.instalment
            ]
            yield ctx.finding(
                "bank-charges",
                m,
                key,
                r.index,
                value=money(r.received),
                received=money(r.received),
                amount=money(r.amount),
                short=money(r.outstanding),
                currency=r.currency or "",
                limit=money(ln.limit),
                part_zh=payments._PART_NOTE[r.instalment][0],
                part_en=payments._PART_NOTE[r.instalment][1],
            )


PAIRS = [
    (cells.required, ref_required),
    (orders.references, ref_references),
    (orders.product_facts, ref_product_facts),
    (orders.containers, ref_containers),
    (payments.payments, ref_overdue),
]

# ----------------------------------------------------------------------------- sheets

CONTAINERS = [
    "CSQU3054383",
    "MSKU9070323",
    "TGHU1234567",
    "CSQU3054384",
    "csqu3054383",
    "CSQU305438",
    "CSQU3054383, MSKU9070323",
    "CSQU3054383/MSKU9070324",
    "MSKU 907032 3",
    "ＣＳＱＵ３０５４３８３",
    "ABC",
    "1234",
    "",
]
MUTATIONS: list[tuple[str, Any]] = [
    (
        "contract_no",
        lambda o, rng: rng.choice(["GD26-001", "gd26-001", "ＧＤ２６-００１", "GD26-999", None]),
    ),
    (
        "invoice_no",
        lambda o, rng: rng.choice(["INV26-001", "inv26-002", None, "  ", "发票-1", "发票-1"]),
    ),
    ("bl_no", lambda o, rng: rng.choice([None, "QDJKT260001", "qdjkt260001"])),
    ("amount", lambda o, rng: rng.choice([o["amount"], -1.0, 0.0, None, "1,200", "abc"])),
    ("unit_price", lambda o, rng: rng.choice([0.0, -3.0, 23.5, None])),
    (
        "cartons",
        lambda o, rng: rng.choice(["1,100", "1100 箱", 0, -5, 1100.5, 1e20, 2**60, True, None]),
    ),
    ("containers", lambda o, rng: rng.choice([1, 2, 3, 1.0, None, "two"])),
    ("container_nos", lambda o, rng: rng.choice(CONTAINERS)),
    ("container_type", lambda o, rng: rng.choice(["20RF", "40RH", "40rh", "45XX", None])),
    ("temperature_c", lambda o, rng: rng.choice([0.0, 2.5, -3, "cold", None])),
    ("kg_per_carton", lambda o, rng: rng.choice([18.0, 20.0, 19.0, None])),
    ("product", lambda o, rng: rng.choice(["Fuji Apple", "fuji  apple", "Pear", None])),
    ("spec", lambda o, rng: rng.choice(["80#", "100#", "72#", None])),
    ("customer", lambda o, rng: rng.choice(["PT SEGAR", "VINAFRUIT", "pt segar", "NOBODY", None])),
    ("currency", lambda o, rng: rng.choice(["USD", "usd", "美元", "XXX", "CHF", "US$$", 1, None])),
    (
        "payment_terms",
        lambda o, rng: rng.choice(
            [
                "L/C at sight",
                "T/T in advance",
                "30% T/T deposit, balance against B/L copy",
                "D/A 60 days",
                "O/A 30 days",
                "??",
                None,
            ]
        ),
    ),
    ("dispatch_method", lambda o, rng: rng.choice(["DHL", "TNT", "银行", "carrier pigeon", None])),
    ("lc_no", lambda o, rng: rng.choice([None, "LC123"])),
    ("collecting_bank", lambda o, rng: rng.choice([None, "Bank X"])),
    ("tracking_no", lambda o, rng: rng.choice(["1234567890", None])),
    (
        "docs_sent_date",
        lambda o, rng: rng.choice([dt.date(2026, 3, 25), dt.date(2026, 6, 1), None]),
    ),
    ("received_amount", lambda o, rng: rng.choice([0.0, o["amount"], 100.0, None])),
    ("due_date", lambda o, rng: rng.choice([None, dt.date(2026, 4, 1), dt.date(2026, 12, 31)])),
    ("status", lambda o, rng: rng.choice(["已签约", "已寄单", "已结案", "whatever", None])),
]


def random_data(rng: random.Random, n: int) -> WorkbookData:
    rows = []
    for k in range(1, n + 1):
        o = clean_order(k, container_nos=rng.choice(CONTAINERS[:3]))
        for key, mutate in rng.sample(MUTATIONS, rng.randint(0, 6)):
            o[key] = mutate(o, rng)
        rows.append(o)
    return make_data(rows)


def _flat(found: Iterable[Finding]) -> list[tuple[Any, ...]]:
    return [
        (f.code, f.sheet, f.cell, f.row, f.contract_no, f.value, f.expected, f.reason, f.params)
        for f in found
    ]


@pytest.mark.parametrize("seed", range(8))
def test_fast_rules_equal_their_plain_versions(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(1000 + seed)
    if seed % 2:
        monkeypatch.setattr(iso6346, "NUMPY_FROM", 0)  # numpy check digits on a small sheet too
    data = random_data(rng, rng.randint(20, 160))
    schema = load_schema()
    tables = load_tables(data, schema)
    as_of = dt.date(2026, rng.randint(3, 12), rng.randint(1, 28))
    for fast, plain in PAIRS:
        got = _flat(fast(Context(tables=tables, schema=schema, as_of=as_of)))
        want = _flat(plain(Context(tables=tables, schema=schema, as_of=as_of)))
        assert got == want, fast.__name__


def test_the_sample_gives_the_same_findings_both_ways(tmp_path: Path) -> None:
    from gendan.book.sample import build_sample
    from gendan.read.reader import read_workbook

    path = tmp_path / "sample.xlsx"
    manifest = build_sample(path)
    schema = load_schema()
    tables = load_tables(read_workbook(path), schema)
    for fast, plain in PAIRS:
        got = _flat(fast(Context(tables=tables, schema=schema, as_of=manifest.as_of)))
        want = _flat(plain(Context(tables=tables, schema=schema, as_of=manifest.as_of)))
        assert got == want, fast.__name__


# ----------------------------------------------------------------------------- iso 6346


def _random_number(rng: random.Random) -> str:
    if rng.random() < 0.6:
        letters = "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(4))
        return letters + "".join(rng.choice("0123456789") for _ in range(7))
    alphabet = "ABCZaz0189-/ é\n٣"
    return "".join(rng.choice(alphabet) for _ in range(rng.choice([0, 3, 10, 11, 11, 11, 12])))


def test_numpy_check_digits_equal_the_plain_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(6346)
    numbers = [_random_number(rng) for _ in range(20_000)] + [
        "CSQU3054383",
        "CSQU3054384",
        "MSKU9070323",
    ]
    want = [iso6346.problem(n) for n in numbers]
    monkeypatch.setattr(iso6346, "NUMPY_FROM", 0)
    assert iso6346.problems(numbers) == want  # numpy
    monkeypatch.setattr(iso6346, "NUMPY_FROM", 10**9)
    assert iso6346.problems(numbers) == want  # plain
    assert {"form", "digit", None} <= set(want)


# ----------------------------------------------------------------------------- typing


def test_integer_fast_pass_equals_parse_integer() -> None:
    from gendan.read.tables import _PENDING, _fast_pass

    values: list[Any] = [
        0.0,
        -0.0,
        1.0,
        1100.0,
        1e20,
        -5.0,
        1100.5,
        1.0000000001,
        float("nan"),
        float("inf"),
        2**53 - 1,
        2**53,
        2**60,
        -(2**60),
        7,
        True,
        False,
        None,
        "",
        "1,100",
        "12 箱",
    ]
    out = _fast_pass("integer", values)
    for v, o in zip(values, out, strict=True):
        if o is _PENDING:
            continue  # the slow path decides, with parse_integer itself
        if v is None or v == "":
            assert o is None
            continue
        p = parse_integer(v)
        assert p.ok and p.value == o and type(p.value) is type(o), v


ODD = [
    "USD",
    "usd",
    " USD ",
    "美元",
    "RMB",
    "CHF",
    "XXX",
    "",
    "  ",
    "#N/A",
    1,
    1.0,
    0.0,
    True,
    None,
    "L/C at sight",
    "T/T in advance",
    "D/P 30 days",
    "??",
    "D/A 60 days",
    dt.date(2026, 1, 1),
]


@pytest.mark.parametrize(
    "key", ["currency", "incoterm", "status", "payment_terms", "container_type"]
)
def test_typing_by_distinct_value_equals_cell_by_cell(
    key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gendan.read.tables as tables_mod

    rng = random.Random(key)
    for _round in range(30):
        pool = rng.sample(ODD, rng.randint(1, 6))
        rows = [clean_order(k, **{key: rng.choice(pool)}) for k in range(1, rng.randint(2, 40))]
        data = make_data(rows)
        schema = load_schema()
        fast = load_tables(data, schema).master
        with monkeypatch.context() as mp:
            mp.setattr(tables_mod, "_type_by_distinct", lambda *a, **k: False)
            slow = load_tables(data, schema).master
        assert fast.values[key] == slow.values[key]
        assert [type(v) for v in fast.values[key]] == [type(v) for v in slow.values[key]]
        assert fast.bad == slow.bad
        assert fast.issues == slow.issues


# ----------------------------------------------------------------------------- the collector


def test_collector_is_paused_and_given_back(tmp_path: Path) -> None:
    from gendan.read.reader import collector_paused

    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the caller's choice is kept
    finally:
        gc.enable()
    with pytest.raises(ValueError), collector_paused():
        raise ValueError
    assert gc.isenabled()


def test_a_big_read_is_frozen_and_the_next_read_unfreezes(tmp_path: Path) -> None:
    import gendan.read.reader as reader

    before = gc.get_freeze_count()
    with reader.collector_paused(freeze_rows=lambda: reader.FREEZE_ROWS):
        kept = [[i] for i in range(1000)]
    assert gc.get_freeze_count() > before
    reader.unfreeze()
    assert gc.get_freeze_count() == 0
    with reader.collector_paused(freeze_rows=lambda: reader.FREEZE_ROWS - 1):
        kept.append([0])
    assert gc.get_freeze_count() == 0  # a small stretch freezes nothing


def test_split_numbers_shortcut_equals_the_full_split(monkeypatch: pytest.MonkeyPatch) -> None:
    import re

    rng = random.Random(11)
    parts = [
        "CSQU3054383",
        "MSKU9070323",
        "msku9070323",
        "MSKU 907032 3",
        "MSKU907032-3",
        "ABC",
        "TGHU12345678",
        "ＣＳＱＵ３０５４３８３",
        "",
        "1234",
    ]
    seps = [", ", ",", "/", ";", " ", "\n", "，", "、", " / ", "  ", "\t"]
    texts = []
    for _ in range(5000):
        k = rng.randint(1, 4)
        t = "".join(rng.choice(parts) + (rng.choice(seps) if j < k - 1 else "") for j in range(k))
        texts.append(
            (" " if rng.random() < 0.1 else "")
            + t
            + (rng.choice(seps) if rng.random() < 0.1 else "")
        )
    fast = [iso6346.split_numbers(t) for t in texts]
    monkeypatch.setattr(
        iso6346, "_PLAIN_LIST", re.compile(r"(?!)")
    )  # never matches: the full split
    assert fast == [iso6346.split_numbers(t) for t in texts]
