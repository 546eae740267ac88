"""The native rules agree with the engine: every rule's formula is written into helper cells
of a scratch copy, LibreOffice computes them (headless, always-recalc profile), and the cells
each rule flags are compared with the cells ``gendan check`` reports for the same code - on
the sample, on a second sample year, on randomised books with planted mistakes (shuffled
columns, title rows, payment terms and container numbers in many forms) and on the template.

One LibreOffice run converts every book (it costs a CPU-minute).  Skipped only where soffice
is not installed."""

from __future__ import annotations

import datetime as dt
import random
import sys
from pathlib import Path
from typing import Any

import pytest

from gendan.book.sample import build_sample
from gendan.book.template import write_template
from gendan.model.iso6346 import check_digit
from gendan.native.patch import rules_for_book, write_rules
from gendan.native.rules import check_digit_formula
from gendan.office.recalc import find_soffice
from gendan.rules.engine import check_workbook, load_book

sys.path.insert(0, str(Path(__file__).parent.parent))
from factory import PRODUCTS, active_sheet, clean_order, make_data, write_xlsx
from native_agreement import add_probes, engine_flags, native_flags, recalc_many

pytestmark = [pytest.mark.libreoffice, pytest.mark.slow]

if find_soffice() is None:  # pragma: no cover - depends on the machine
    pytest.skip("LibreOffice (soffice) is not installed", allow_module_level=True)

TERMS = [
    "D/P at sight",
    "D/P 即期",
    "付款交单",
    "D/A 60 days",
    "承兑交单 90天",
    "L/C at sight",
    "即期信用证",
    "L/C 90 days after B/L date",
    "远期信用证 60天",
    "O/A 30 days",
    "赊销 45天",
    "O/A 60",
    "T/T 30% deposit, 70% against B/L copy",
    "T/T 20% deposit, balance against copy of B/L",
    "T/T in advance",
    "100% T/T before shipment",
    "款到发货",
    "D/P 30 days",
]
D = dt.date


def _container(rng: random.Random) -> str:
    owner = "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(3)) + "U"
    serial = "".join(rng.choice("0123456789") for _ in range(6))
    return f"{owner}{serial}{check_digit(owner + serial)}"


def _random_orders(seed: int, n: int = 40) -> list[dict[str, Any]]:
    """Consistent orders, then one planted mistake on about every second one."""
    rng = random.Random(seed)
    today = dt.date.today()
    rows = []
    for i in range(1, n + 1):
        terms = rng.choice(TERMS)
        prod = rng.choice(PRODUCTS)
        cartons = rng.choice([540, 1000, 1050, 1100, 2100])
        start = today - dt.timedelta(days=rng.randint(20, 200))
        k = rng.choice([1, 1, 2, 3])
        nos = [_container(rng) for _ in range(k)]
        sep = rng.choice([" / ", ",", "，", " ", "\n", "、"])
        price = rng.choice([18.5, 21.16, 23.5, 27.3])
        amount = round(cartons * price, 2)
        bl = start + dt.timedelta(days=rng.randint(10, 25))
        row = clean_order(
            i,
            contract_date=start,
            payment_terms=terms,
            product=prod["product"],
            spec=prod["spec"],
            kg_per_carton=prod["kg_per_carton"],
            cartons=cartons,
            net_weight_kg=round(cartons * prod["kg_per_carton"], 2),
            gross_weight_kg=round(cartons * (prod["kg_per_carton"] + 1.2), 2),
            containers=k,
            container_nos=sep.join(nos),
            unit_price=price,
            amount=amount,
            etd=bl - dt.timedelta(days=1),
            bl_date=bl,
            docs_sent_date=bl + dt.timedelta(days=rng.randint(2, 9)),
            received_amount=rng.choice([0.0, amount, round(amount * 0.3, 2), None]),
            due_date=(bl + dt.timedelta(days=30)) if rng.random() < 0.2 else None,
            invoice_date=bl if rng.random() < 0.5 else None,
        )
        if "L/C" in terms or "信用证" in terms:
            row.update(
                lc_no=f"LC{seed}{i:03d}",
                latest_shipment=bl + dt.timedelta(days=5),
                lc_expiry=bl + dt.timedelta(days=30),
            )
        if rng.random() < 0.2:
            row.update(
                dispatch_method="DHL",
                tracking_no="".join(rng.choice("0123456789") for _ in range(10)),
            )
        rows.append(row)
    mistakes = [
        lambda r: r.update(amount=round(r["amount"] + rng.choice([0.02, 1, 900]), 2)),
        lambda r: r.update(net_weight_kg=round(r["net_weight_kg"] * 1.02, 2)),
        lambda r: r.update(gross_weight_kg=r["net_weight_kg"]),
        lambda r: r.update(
            container_nos=r["container_nos"][:-1] + str((int(r["container_nos"][-1]) + 1) % 10)
        ),
        lambda r: r.update(container_nos=r["container_nos"].lower()),
        lambda r: r.update(container_nos=r["container_nos"][:-2]),
        lambda r: r.update(containers=r["containers"] + 1),
        lambda r: r.update(etd=r["contract_date"] - dt.timedelta(days=3)),
        lambda r: r.update(docs_sent_date=r["bl_date"] - dt.timedelta(days=1)),
        lambda r: r.update(latest_shipment=r["bl_date"] - dt.timedelta(days=2)),
        lambda r: r.update(docs_sent_date=r["bl_date"] + dt.timedelta(days=25)),
        lambda r: r.update(temperature_c=rng.choice([5.0, -3.0])),
        lambda r: r.update(customer="NEW BUYER LTD"),
        lambda r: r.update(spec="125#"),
        lambda r: r.update(spec=None),
        lambda r: r.update(kg_per_carton=r["kg_per_carton"] + 1),
        lambda r: r.update(invoice_no="INV26-001"),
        lambda r: r.update(port_of_discharge=None),
        lambda r: r.update(lc_no=None, payment_terms="L/C at sight"),
        lambda r: r.update(collecting_bank=None),
        lambda r: r.update(vessel_voyage=None),
        lambda r: r.update(tracking_no=None, dispatch_method="DHL"),
        lambda r: r.update(received_amount=round(r["amount"] + 50, 2)),
        lambda r: r.update(cartons=0),
        lambda r: r.update(currency="US$$"),
        lambda r: r.update(due_date=dt.date.today() - dt.timedelta(days=3), received_amount=0.0),
        lambda r: r.update(received_date=r["contract_date"] - dt.timedelta(days=5)),
        lambda r: r.update(
            lc_expiry=r["latest_shipment"] - dt.timedelta(days=1)
            if r.get("latest_shipment")
            else None
        ),
    ]
    for r in rows[1:]:
        if rng.random() < 0.6:
            rng.choice(mistakes)(r)
    return rows


@pytest.fixture(scope="module")
def agreement(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("native")
    books: dict[str, Path] = {}
    build_sample(folder / "sample.xlsx")
    books["sample"] = folder / "sample.xlsx"
    build_sample(folder / "sample-2027.xlsx", seed=11, n_orders=60)
    books["sample-2027"] = folder / "sample-2027.xlsx"
    for seed in (1, 2):
        books[f"random-{seed}"] = write_xlsx(
            make_data(_random_orders(seed)), folder / f"random-{seed}.xlsx"
        )
    books["template"] = write_template(folder / "template.xlsx", rows=30)
    probed, meta = [], {}
    for name, book in books.items():
        ruled = folder / f"{name}-rules.xlsx"
        write_rules(book, ruled, ahead=5)
        rs = rules_for_book(ruled, ahead=5)
        tables, _ = load_book(ruled)
        rows = {
            t.sheet: list(t.rows)
            for t in (tables.master, tables.customers, tables.products)
            if t is not None
        }
        probe = folder / f"{name}-probe.xlsx"
        meta[name] = (ruled, rs, add_probes(ruled, probe, rs, rows, validations=True))
        probed.append(probe)
    digits = _check_digit_book(folder / "check-digits.xlsx")
    outs = recalc_many([*probed, digits[0]], folder / "recalculated")
    digits_out = outs.pop()
    result: dict[str, Any] = {}
    today = dt.date.today()
    for (name, (ruled, rs, probes)), out in zip(meta.items(), outs, strict=True):
        flags, _errors = native_flags(out, probes)
        native = {f for f in flags if not f[2].startswith("dv:")}
        refused = {f for f in flags if f[2].startswith("dv:")}
        result[name] = (native, engine_flags(ruled, rs, today), rs, refused, ruled)
    result["check-digits"] = (digits_out, digits[1])
    return result


def _check_digit_book(path: Path) -> tuple[Path, list[str]]:
    """300 random owner+category+serial prefixes (some in lower case) with the one-cell
    check-digit formula beside each."""
    import openpyxl

    rng = random.Random(6346)
    prefixes = []
    for _ in range(300):
        p = "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(3)) + rng.choice("UJZ")
        p += "".join(rng.choice("0123456789") for _ in range(6))
        prefixes.append(p.lower() if rng.random() < 0.2 else p)
    wb = openpyxl.Workbook()
    ws = active_sheet(wb)
    for i, p in enumerate(prefixes, start=1):
        ws.cell(row=i, column=1, value=p)
        ws.cell(row=i, column=2, value="=" + check_digit_formula(f"A{i}"))
    wb.save(path)
    return path, prefixes


@pytest.mark.parametrize("name", ["sample", "sample-2027", "random-1", "random-2", "template"])
def test_native_rules_flag_exactly_what_the_engine_flags(
    agreement: dict[str, Any], name: str
) -> None:
    native, engine = agreement[name][:2]
    assert native == engine, {
        "native only": sorted(native - engine),
        "engine only": sorted(engine - native),
    }


@pytest.mark.parametrize("name", ["sample", "sample-2027", "random-1", "random-2"])
def test_validations_refuse_what_the_engine_flags_and_nothing_clean(
    agreement: dict[str, Any], name: str
) -> None:
    """Each validation (the value a user types, before the conditional formats) refuses every
    cell the engine flags for one of its codes (the product's only when the name is unknown:
    the spec is typed after it), and accepts every other filled cell - except
    the first of two equal numbers (refused too: a duplicate is refused wherever it is typed)
    and a value the engine reports as not parsing (type, text-date, range)."""
    import openpyxl

    _native, _engine, rs, refused, ruled = agreement[name]
    findings = check_workbook(ruled, rs.schema, dt.date.today()).findings
    at: dict[tuple[str, str], set[str]] = {}
    for f in findings:
        at.setdefault((f.sheet, f.cell), set()).add(f.code)
    wb = openpyxl.load_workbook(ruled, read_only=True)
    for sheet, cell, code in refused:
        codes = set(code[3:].split(","))
        found = at.get((sheet, cell), set())
        if found & (codes | {"type", "text-date", "range"}):
            continue
        col = "".join(ch for ch in cell if ch.isalpha())
        lay = rs.layout_for(sheet)
        values = [
            r[0]
            for r in wb[sheet].iter_rows(
                min_row=lay.first,
                max_row=lay.last,
                min_col=lay.cols[next(k for k in lay.cols if lay.letter(k) == col)],
                max_col=lay.cols[next(k for k in lay.cols if lay.letter(k) == col)],
                values_only=True,
            )
        ]
        value = wb[sheet][cell].value
        assert "duplicate" in codes and values.count(value) > 1, (sheet, cell, code, found, value)
    refused_cells = {(s, c) for s, c, _code in refused}
    for v in {(r.role, r.key) for r in rs.rules if r.check is not None}:
        lay = rs.layout(v[0])
        codes = {r.code for r in rs.rules if (r.role, r.key) == v and r.check is not None}
        codes.discard("unknown-product")  # typing checks the name only: the spec comes after it
        for f in findings:
            if f.sheet == lay.sheet and f.key == v[1] and f.code in codes and f.row >= lay.first:
                assert (f.sheet, f.cell) in refused_cells, (f.code, f.cell)


def test_the_one_cell_check_digit_formula_agrees_with_iso6346(agreement: dict[str, Any]) -> None:
    import python_calamine

    out, prefixes = agreement["check-digits"]
    assert len(check_digit_formula("A1")) < 200
    grid = python_calamine.CalamineWorkbook.from_path(str(out)).get_sheet_by_index(0).to_python()
    got = [
        int(v) if isinstance(v, int | float) else v
        for v in (row[1] for row in grid[: len(prefixes)])
    ]
    assert got == [check_digit(p.upper()) for p in prefixes]


def test_the_books_exercise_the_rules(agreement: dict[str, Any]) -> None:
    """Agreement on nothing proves nothing: the books make most rules fire at least once."""
    fired = {
        code
        for name in agreement
        if name != "check-digits"
        for (_s, _c, code) in agreement[name][0]
    }
    for code in (
        "required",
        "duplicate",
        "amount-mismatch",
        "weight-mismatch",
        "gross-not-above-net",
        "container-check-digit",
        "container-count",
        "date-order",
        "late-shipment",
        "lc-presentation",
        "temperature-range",
        "unknown-customer",
        "unknown-product",
        "overdue",
        "enum",
        "range",
        "over-received",
    ):
        assert code in fired, code
    assert not agreement["template"][0]  # a blank template flags nothing
