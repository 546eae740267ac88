"""The 看板 dashboard (issue 14): numbers against hand-computed cases (several currencies),
the charts' references and caches against the cells and against values computed here from
the master, the package (nothing of the user's lost, a second run replaces), the command."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import xml.etree.ElementTree as ET
import zipfile
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest
from factory import clean_order, make_data, write_xlsx

from gendan.cli import main
from gendan.model.grid import SheetGrid, WorkbookData
from gendan.model.schema import load_schema
from gendan.read.tables import load_tables
from gendan.report.dashboard import Block, Dashboard, build_dashboard, on_time
from gendan.report.dashboard_run import write_dashboard

D = dt.date
AS_OF = D(2026, 11, 27)
SAMPLE = Path(__file__).parents[2] / "xlsx" / "sample.xlsx"


def _orders() -> list[dict[str, Any]]:
    """Five orders in three currencies; the expected numbers are worked out in the tests."""
    return [
        # 1: USD, shipped 10-05 before the latest shipment 10-10 (on time); D/P, documents sent
        #    10-08, due 10-22: 36 days overdue on 11-27 (31-60)
        clean_order(
            1,
            amount=1000.0,
            bl_date=D(2026, 10, 5),
            latest_shipment=D(2026, 10, 10),
            etd=D(2026, 10, 4),
            docs_sent_date=D(2026, 10, 8),
            contract_date=D(2026, 9, 1),
        ),
        # 2: EUR, shipped 10-20 after the latest shipment 10-15 (late); O/A 30 days from the B/L: due
        #    11-19, 8 days overdue (1-30); another customer and salesperson
        clean_order(
            2,
            amount=2000.0,
            currency="EUR",
            customer="VINAFRUIT",
            sales_manager="李经理",
            payment_terms="O/A 30 days",
            bl_date=D(2026, 10, 20),
            latest_shipment=D(2026, 10, 15),
            etd=D(2026, 10, 19),
            docs_sent_date=D(2026, 10, 25),
            contract_date=D(2026, 9, 2),
        ),
        # 3: USD, in production: not shipped, not a receivable
        clean_order(
            3,
            amount=500.0,
            status="生产中",
            vessel_voyage=None,
            bl_no=None,
            bl_date=None,
            docs_sent_date=None,
            etd=D(2026, 12, 20),
            container_nos=None,
            phyto_cert_no=None,
            co_no=None,
            invoice_no=None,
            dispatch_method=None,
            collecting_bank=None,
            contract_date=D(2026, 11, 1),
        ),
        # 4: CNY, shipped 11-02 before 11-30 (on time), paid in full
        clean_order(
            4,
            amount=3000.0,
            currency="CNY",
            bl_date=D(2026, 11, 2),
            latest_shipment=D(2026, 11, 30),
            etd=D(2026, 11, 1),
            docs_sent_date=D(2026, 11, 5),
            received_amount=3000.0,
            status="已收款",
            contract_date=D(2026, 10, 1),
        ),
        # 5: USD, shipped 11-10, no latest shipment date (not judged); D/P sent 11-12, due 11-26: 1 day
        clean_order(
            5,
            amount=700.0,
            bl_date=D(2026, 11, 10),
            etd=D(2026, 11, 9),
            docs_sent_date=D(2026, 11, 12),
            contract_date=D(2026, 10, 2),
        ),
    ]


def _series(block: Block, name: str) -> dict[str, float | str | None]:
    return dict(
        zip(block.categories, next(s for s in block.series if s.name == name).values, strict=True)
    )


@pytest.fixture(scope="module")
def dash() -> Dashboard:
    schema = load_schema()
    return build_dashboard(load_tables(make_data(_orders()), schema), schema, AS_OF)


def test_stage_counts_and_amounts_per_currency(dash: Dashboard) -> None:
    b = dash.block("stage_count")
    assert list(b.series[0].values) == [
        0,
        1,
        0,
        0,
        3,
        1,
        0,
    ]  # production: 3; docs sent: 1, 2, 5; paid: 4
    a = dash.block("stage_amount")
    got = {s.name: list(s.values) for s in a.series}
    assert got == {
        "USD": [0, 500.0, 0, 0, 1700.0, 0, 0],
        "EUR": [0, 0, 0, 0, 2000.0, 0, 0],
        "CNY": [0, 0, 0, 0, 0, 3000.0, 0],
    }


def test_shipments_per_month_never_add_currencies(dash: Dashboard) -> None:
    b = dash.block("shipments")
    assert (
        b.categories[-1] == "2026-11" and b.categories[0] == "2025-12" and len(b.categories) == 12
    )
    assert (
        _series(b, "票数 Shipments")["2026-10"] == 2
        and _series(b, "票数 Shipments")["2026-11"] == 2
    )
    assert _series(b, "USD")["2026-10"] == 1000.0 and _series(b, "USD")["2026-11"] == 700.0
    assert _series(b, "EUR")["2026-10"] == 2000.0 and _series(b, "CNY")["2026-11"] == 3000.0
    assert _series(b, "EUR")["2026-11"] == 0 and _series(b, "CNY")["2026-10"] == 0


def test_on_time_rate_per_month_and_customer(dash: Dashboard) -> None:
    m = dash.block("ontime_month")
    assert (
        _series(m, "已判定 Judged")["2026-10"] == 2 and _series(m, "准时 On time")["2026-10"] == 1
    )
    assert _series(m, "准时率 On-time rate")["2026-10"] == 0.5
    assert (
        _series(m, "准时率 On-time rate")["2026-11"] == 1.0
    )  # order 5 has no latest shipment: not judged
    assert _series(m, "准时率 On-time rate")["2026-09"] is None
    c = dash.block("ontime_customer")
    assert _series(c, "准时率 On-time rate") == {"PT SEGAR": 1.0, "VINAFRUIT": 0.0}


@pytest.mark.parametrize(
    "bl,latest,expected",
    [
        (D(2026, 10, 10), D(2026, 10, 10), True),  # on the day is on time
        (D(2026, 10, 11), D(2026, 10, 10), False),
        (D(2026, 12, 1), D(2026, 12, 5), None),  # after the as-of date: a plan, not judged
        (D(2026, 10, 1), None, None),
        (None, D(2026, 10, 1), None),
    ],
)
def test_on_time_edges(bl: dt.date | None, latest: dt.date | None, expected: bool | None) -> None:
    assert on_time(bl, latest, AS_OF) is expected


def test_receivables_by_customer_and_aging(dash: Dashboard) -> None:
    b = dash.block("receivables")
    rows = {cat: {s.name: s.values[i] for s in b.series} for i, cat in enumerate(b.categories)}
    assert set(rows) == {
        "PT SEGAR USD",
        "VINAFRUIT EUR",
    }  # CNY paid, production order not a receivable
    assert rows["PT SEGAR USD"]["逾期 31-60 天 days"] == 1000.0
    assert rows["PT SEGAR USD"]["逾期 1-30 天 days"] == 700.0
    assert rows["VINAFRUIT EUR"]["逾期 1-30 天 days"] == 2000.0
    assert rows["VINAFRUIT EUR"]["逾期 31-60 天 days"] == 0
    top = dash.block("top_overdue")
    assert list(top.categories) == ["GD26-002", "GD26-001", "GD26-005"]
    days = dict(
        zip(
            top.categories,
            next(s for s in top.series if s.name == "逾期天数 Days").values,
            strict=True,
        )
    )
    assert days == {"GD26-002": 8, "GD26-001": 36, "GD26-005": 1}


def test_per_salesperson(dash: Dashboard) -> None:
    b = dash.block("sales")
    assert _series(b, "在手订单 Open orders") == {"李经理": 1, "王经理": 3}
    assert _series(b, "已出运 Shipped USD") == {"李经理": 0, "王经理": 1700.0}
    assert _series(b, "已出运 Shipped CNY") == {"李经理": 0, "王经理": 3000.0}
    assert _series(b, "逾期 Overdue EUR") == {"李经理": 2000.0, "王经理": 0}
    assert _series(b, "逾期 Overdue USD") == {"李经理": 0, "王经理": 1700.0}


def _two_year_book() -> WorkbookData:
    """Two master sheets, 2025年 (one order) and 2026年 (the five)."""
    old = make_data(
        [
            clean_order(
                9,
                amount=111.0,
                bl_date=D(2025, 12, 3),
                latest_shipment=D(2025, 12, 1),
                etd=D(2025, 12, 2),
                docs_sent_date=D(2025, 12, 5),
                received_amount=111.0,
                status="已结案",
                contract_date=D(2025, 11, 1),
            )
        ]
    )
    new = make_data(_orders())
    g25 = SheetGrid(name="2025年", rows=old.sheets[0].rows)
    g26 = SheetGrid(name="2026年", rows=new.sheets[0].rows)
    return WorkbookData(sheets=(g25, g26, *new.sheets[1:]), path="<memory>")


def test_several_year_sheets_across_them_or_one() -> None:
    schema = load_schema()
    tables = load_tables(_two_year_book(), schema)
    assert tables.sheets == ["2025年", "2026年"]
    d = build_dashboard(tables, schema, AS_OF)
    assert list(d.block("stage_count").series[0].values) == [
        0,
        1,
        0,
        0,
        3,
        1,
        1,
    ]  # + the closed 2025 order
    assert _series(d.block("shipments"), "USD")["2025-12"] == 111.0
    assert _series(d.block("ontime_month"), "准时率 On-time rate")["2025-12"] == 0.0
    one = build_dashboard(load_tables(_two_year_book(), schema, sheets=["2025年"]), schema, AS_OF)
    assert list(one.block("stage_count").series[0].values) == [0, 0, 0, 0, 0, 0, 1]


# ----------------------------------------------------------------------------- the package


C = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"


#: a sheet part's cells: address → value (numbers as float, text as str, None: no value)
Cells = dict[str, float | str | None]
#: per chart title: per series name: category → value
Charts = dict[str, dict[str, dict[str, float]]]


def _child(e: ET.Element, path: str) -> ET.Element:
    """The element at ``path`` under ``e``, which the test requires to be there."""
    got = e.find(path)
    assert got is not None, path
    return got


def _text(e: ET.Element, path: str) -> str:
    return _child(e, path).text or ""


def _attr(e: ET.Element, name: str) -> str:
    got = e.get(name)
    assert got is not None, name
    return got


def _number(v: float | str | None) -> float | None:
    """A cell a chart's values refer to: a number or empty, never text."""
    assert not isinstance(v, str), v
    return v


def _sheet_cells(z: zipfile.ZipFile, part: str) -> Cells:
    """Cell address → value (numbers as float, inline strings as text) of a sheet part."""
    ns = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    shared = []
    if "xl/sharedStrings.xml" in z.namelist():  # LibreOffice writes shared strings
        shared = [
            "".join(t.text or "" for t in si.iter(ns + "t"))
            for si in ET.fromstring(z.read("xl/sharedStrings.xml")).iter(ns + "si")
        ]
    out: Cells = {}
    for c in ET.fromstring(z.read(part)).iter(ns + "c"):
        r = _attr(c, "r")
        if c.get("t") == "s":
            out[r] = shared[int(_text(c, ns + "v"))]
        elif c.get("t") in ("str", "inlineStr") and c.find(ns + "is") is None:
            out[r] = _child(c, ns + "v").text
        elif c.get("t") == "inlineStr":
            out[r] = "".join(t.text or "" for t in c.iter(ns + "t"))
        else:
            v = c.find(ns + "v")
            out[r] = float(_text(c, ns + "v")) if v is not None else None
    return out


def _cells_of(ref: str) -> list[str]:
    m = re.fullmatch(r"(?:'[^']+'|[^'!]+)!\$([A-Z]+)\$(\d+)(?::\$([A-Z]+)\$(\d+))?", ref)
    assert m, ref
    col, r1, r2 = m.group(1), int(m.group(2)), int(m.group(4) or m.group(2))
    assert m.group(3) in (None, col)
    return [f"{col}{r}" for r in range(r1, r2 + 1)]


def _charts(book: Path, sheet: str = "看板") -> Charts:
    """Per chart title: per series name: category → value, read through the chart's
    references from the sheet's cells; every cache checked against the cells on the way."""
    from gendan.write.xlsx_patch import Package

    pkg = Package(book)
    try:
        z = pkg.zin
        entry = pkg.sheet(sheet)
        assert entry is not None
        cells = _sheet_cells(z, entry.part)
        (drawing,) = [t for _i, typ, t in pkg.rels(entry.part) if typ.endswith("/drawing")]
        out: Charts = {}
        for _i, typ, chart in pkg.rels(drawing):
            assert typ.endswith("/chart")
            root = ET.fromstring(z.read(chart))
            title = "".join(
                t.text or ""
                for t in _child(root, f"{C}chart/{C}title").iter(
                    "{http://schemas.openxmlformats.org/drawingml/2006/main}t"
                )
            )
            series: dict[str, dict[str, float]] = {}
            for ser in root.iter(f"{C}ser"):
                tx = _child(ser, f"{C}tx/{C}strRef")
                name = cells[_cells_of(_text(tx, f"{C}f"))[0]]
                assert _child(tx, f".//{C}v").text == name  # the cache is the cell
                cat = _child(ser, f"{C}cat/{C}strRef")
                cats = [cells[a] for a in _cells_of(_text(cat, f"{C}f"))]
                assert [v.text for v in cat.iter(f"{C}v")] == cats
                val = _child(ser, f"{C}val/{C}numRef")
                vals = [_number(cells.get(a)) for a in _cells_of(_text(val, f"{C}f"))]
                cache = {int(_attr(p, "idx")): float(_text(p, f"{C}v")) for p in val.iter(f"{C}pt")}
                assert int(_attr(_child(val, f".//{C}ptCount"), "val")) == len(vals)
                assert cache == {i: v for i, v in enumerate(vals) if v is not None}
                series[str(name)] = {str(c): (v or 0.0) for c, v in zip(cats, vals, strict=True)}
            out[title] = series
        return out
    finally:
        pkg.close()


def _sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def sample_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not SAMPLE.exists():
        from gendan.book.sample import build_sample

        build_sample(SAMPLE)
    out = tmp_path_factory.mktemp("dash") / "out.xlsx"
    before = _sha(SAMPLE)
    assert main(["report", str(SAMPLE), "--as-of", AS_OF.isoformat(), "--out", str(out)]) == 0
    assert _sha(SAMPLE) == before  # the input is not modified
    return out


def _find(charts: Charts, word: str) -> dict[str, dict[str, float]]:
    (key,) = [k for k in charts if word in k]
    return charts[key]


def test_sample_charts_show_the_master(sample_out: Path) -> None:
    """Every chart's numbers, read through its references, against values computed here
    straight from the master's columns."""
    from gendan.rules.engine import load_book
    from gendan.rules.receivables import receivables_book
    from gendan.rules.stages import order_stages

    charts = _charts(sample_out)
    assert len(charts) == 7
    tables, schema = load_book(SAMPLE)
    m = tables.master
    amount, cur, bl = m.column("amount"), m.column("currency"), m.column("bl_date")
    latest, cust, who = m.column("latest_shipment"), m.column("customer"), m.column("sales_manager")
    stage = order_stages(m, schema, AS_OF).stage
    names = [f"{s.zh} {s.en}" for s in schema.stages]
    # orders by stage
    assert _find(charts, "Orders by stage (count)")["订单数 Orders"] == {
        n: float(Counter(stage)[k]) for k, n in enumerate(names)
    }
    by_stage: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for i in range(m.n):
        if amount[i] is not None and cur[i]:
            by_stage[cur[i]][names[stage[i]]] += amount[i]
    got = _find(charts, "amount per currency")
    for c in ("USD", "EUR", "CNY"):
        assert got[c] == pytest.approx({n: by_stage[c][n] for n in names})
    # shipments per month: B/L dates up to the as-of date, by currency
    ship: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for i in range(m.n):
        if bl[i] and bl[i] <= AS_OF and amount[i] is not None and cur[i]:
            ship[cur[i]][f"{bl[i]:%Y-%m}"] += amount[i]
    got = _find(charts, "Shipments per month")
    assert set(got) >= {"USD", "EUR", "CNY"}
    for c in ("USD", "EUR", "CNY"):
        assert {k: v for k, v in got[c].items() if v} == pytest.approx(
            {k: v for k, v in ship[c].items() if k in got[c]}
        )
    # on time per month and customer
    judged: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    per_cust: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for i in range(m.n):
        if bl[i] and latest[i] and bl[i] <= AS_OF:
            for key, acc in ((f"{bl[i]:%Y-%m}", judged), (cust[i], per_cust)):
                acc[key][0] += 1
                acc[key][1] += bl[i] <= latest[i]
    rate = _find(charts, "rate per month")["准时率 On-time rate"]
    assert {k: v for k, v in rate.items() if k in judged} == pytest.approx(
        {k: round(b / a, 4) for k, (a, b) in judged.items() if k in rate}
    )
    assert _find(charts, "rate per customer")["准时率 On-time rate"] == pytest.approx(
        {k: round(b / a, 4) for k, (a, b) in per_cust.items()}
    )
    # receivables: the open lines by customer and currency, per aging bucket
    owed: dict[str, float] = defaultdict(float)
    for r in receivables_book(tables, schema, AS_OF).open:
        owed[f"{r.customer} {r.currency}"] += r.outstanding
    got = _find(charts, "Receivables")
    summed: dict[str, float] = defaultdict(float)
    for series in got.values():
        for k, v in series.items():
            summed[k] += v
    assert summed == pytest.approx(dict(owed))
    # open orders per salesperson
    open_ = Counter(who[i] for i in range(m.n) if stage[i] < 5)
    assert _find(charts, "Per salesperson")["在手订单 Open orders"] == {
        k: float(open_[k]) for k in set(who) if k
    }


def test_the_kanban_sheet_is_not_read_as_a_master(sample_out: Path) -> None:
    from gendan.rules.engine import load_book

    assert load_book(sample_out)[0].sheets == ["工作序列表"]


def test_second_run_replaces_and_keeps_every_other_part(sample_out: Path, tmp_path: Path) -> None:
    again = tmp_path / "again.xlsx"
    assert main(["report", str(sample_out), "--as-of", "2026-11-20", "--out", str(again)]) == 0
    with zipfile.ZipFile(sample_out) as a, zipfile.ZipFile(again) as b:
        assert sorted(n for n in a.namelist()) == sorted(
            b.namelist()
        )  # same parts: replaced, not added
        wb = b.read("xl/workbook.xml").decode()
        assert wb.count('name="看板"') == 1
    with zipfile.ZipFile(SAMPLE) as src, zipfile.ZipFile(sample_out) as out:
        new = set(out.namelist()) - set(src.namelist())
        assert any(n.startswith("xl/charts/chart") for n in new)
        for (
            info
        ) in src.infolist():  # every part of the user's is there, the untouched ones byte for byte
            if info.filename in (
                "xl/workbook.xml",
                "[Content_Types].xml",
                "xl/_rels/workbook.xml.rels",
                "xl/styles.xml",
            ):
                continue
            assert out.getinfo(info.filename).CRC == info.CRC, info.filename


def test_a_users_own_sheet_called_kanban_is_left_alone(tmp_path: Path) -> None:
    data = make_data(_orders())
    book = write_xlsx(
        WorkbookData(
            sheets=(*data.sheets, SheetGrid(name="看板", rows=[["mine"]])), path="<memory>"
        ),
        tmp_path / "b.xlsx",
    )
    schema = load_schema()
    d = build_dashboard(load_tables(data, schema), schema, AS_OF)
    res = write_dashboard(book, d, tmp_path / "o.xlsx")
    assert res.sheet == "看板 gendan"
    with zipfile.ZipFile(tmp_path / "o.xlsx") as z:
        assert '"看板"' in z.read("xl/workbook.xml").decode()


def test_in_place_makes_a_backup(tmp_path: Path) -> None:
    book = write_xlsx(make_data(_orders()), tmp_path / "b.xlsx")
    before = book.read_bytes()
    assert main(["report", str(book), "--as-of", "2026-11-27", "--in-place"]) == 0
    (backup,) = tmp_path.glob("b.backup-*.xlsx")
    assert backup.read_bytes() == before
    assert len(_charts(book)) == 7
    assert (
        main(["report", str(book), "--as-of", "2026-11-27", "--in-place"]) == 0
    )  # again: replaced
    assert len(_charts(book)) == 7


@pytest.mark.parametrize(
    "argv,words",
    [
        (["report", "missing.xlsx", "--out", "o.xlsx"], "找不到文件"),
        (["report", "BOOK"], "--out"),
        (["report", "BOOK", "--out", "BOOK"], ""),
        (["report", "BOOK", "--out", "o.csv"], ".xlsx"),
        (["report", "BOOK", "--as-of", "soon", "--out", "o.xlsx"], "--as-of"),
        (["report", "BOOK", "--sheet", "nope", "--out", "o.xlsx"], ""),
    ],
)
def test_bad_input_is_one_sentence_exit_2(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
    words: str,
) -> None:
    book = write_xlsx(make_data(_orders()), tmp_path / "b.xlsx")
    monkeypatch.chdir(tmp_path)
    before = _sha(book)
    argv = [a.replace("BOOK", "b.xlsx") for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert words in err and re.search(r"[\u4e00-\u9fff]", err) and "Traceback" not in err
    assert _sha(book) == before
    assert not (tmp_path / "o.xlsx").exists()


# ----------------------------------------------------------------------------- LibreOffice


def _soffice() -> bool:
    from gendan.office.recalc import find_soffice

    return find_soffice() is not None


@pytest.mark.libreoffice
@pytest.mark.slow
@pytest.mark.skipif(not _soffice(), reason="LibreOffice (soffice) is not installed")
def test_libreoffice_opens_the_charts_with_their_series(sample_out: Path, tmp_path: Path) -> None:
    """LibreOffice loads the sheet and writes it back: the same seven charts, each series
    still reading the same numbers from the sheet."""
    from gendan.office.recalc import convert

    (tmp_path / "lo").mkdir()
    back = convert(sample_out, tmp_path / "lo", "xlsx")
    ours, theirs = _charts(sample_out), _charts(back)
    assert len(theirs) == 7
    assert set(theirs) == set(ours)
    for title, series in ours.items():
        assert set(theirs[title]) == set(series), title
        for name, values in series.items():
            assert theirs[title][name] == pytest.approx(values), (title, name)


@pytest.mark.libreoffice
@pytest.mark.slow
@pytest.mark.skipif(not _soffice(), reason="LibreOffice (soffice) is not installed")
def test_pdf_is_two_a4_landscape_pages_and_one_png_per_chart(tmp_path: Path) -> None:
    pdf, png = tmp_path / "d.pdf", tmp_path / "png"
    assert (
        main(
            [
                "report",
                str(SAMPLE),
                "--as-of",
                AS_OF.isoformat(),
                "--pdf",
                str(pdf),
                "--png",
                str(png),
            ]
        )
        == 0
    )
    text = pdf.read_bytes()
    pages = re.findall(rb"/Type\s*/Page[^s]", text)
    assert len(pages) == 2
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)", text)
    assert boxes and all(float(w) > float(h) for w, h in boxes)  # landscape
    assert len(list(png.glob("*.png"))) == 7


def test_totals_across_currencies_only_with_a_rate_table() -> None:
    import dataclasses

    schema = load_schema()
    tables = load_tables(make_data(_orders()), schema)
    plain = build_dashboard(tables, schema, AS_OF)
    assert not any(s.name.startswith("合计") for b in plain.blocks for s in b.series)
    rated = dataclasses.replace(
        schema,
        settings=dataclasses.replace(
            schema.settings, rates={"base": "CNY", "USD": 7.0, "EUR": 8.0}
        ),
    )
    d = build_dashboard(tables, rated, AS_OF)
    # documents sent: USD 1700 × 7 + EUR 2000 × 8; paid: CNY 3000 as it is
    assert (
        _series(d.block("stage_amount"), "合计 Total CNY")["已寄单 Documents sent"]
        == 1700 * 7 + 2000 * 8
    )
    assert _series(d.block("stage_amount"), "合计 Total CNY")["已收款 Paid"] == 3000
    assert _series(d.block("shipments"), "合计 Total CNY")["2026-10"] == 1000 * 7 + 2000 * 8
    # the ten largest overdue: EUR 2000 × 8 before USD 1000 × 7 (as without rates), USD 700 last
    assert list(d.block("top_overdue").categories) == ["GD26-002", "GD26-001", "GD26-005"]
    cheap_eur = dataclasses.replace(
        schema,
        settings=dataclasses.replace(
            schema.settings, rates={"base": "CNY", "USD": 7.0, "EUR": 0.1}
        ),
    )
    ranked = build_dashboard(tables, cheap_eur, AS_OF).block("top_overdue").categories
    assert list(ranked) == ["GD26-001", "GD26-005", "GD26-002"]  # EUR 2000 × 0.1 = 200 CNY: last
    half = dataclasses.replace(
        schema, settings=dataclasses.replace(schema.settings, rates={"base": "CNY", "USD": 7.0})
    )
    d = build_dashboard(tables, half, AS_OF)  # no EUR rate: no total where EUR is in the sum
    assert _series(d.block("shipments"), "合计 Total CNY")["2026-10"] is None
    assert _series(d.block("shipments"), "合计 Total CNY")["2026-11"] == 700 * 7 + 3000


def test_rates_setting_is_checked(tmp_path: Path) -> None:
    from gendan.model.errors import GendanError

    bad = tmp_path / "s.yaml"
    bad.write_text("version: 1\nsettings:\n  rates: {base: CNY, USD: -1}\n", encoding="utf-8")
    with pytest.raises(GendanError):
        load_schema(bad)


def test_rates_from_the_company_sheet() -> None:
    from gendan.model.errors import GendanError
    from gendan.report.dashboard import company_rates

    assert company_rates("CNY; USD 7.10; EUR=7.75，JPY: 0.048") == {
        "base": "CNY",
        "USD": 7.1,
        "EUR": 7.75,
        "JPY": 0.048,
    }
    assert company_rates("  ") == {}
    for bad in ("人民币; USD 7.1", "CNY; USD", "CNY; USD seven"):
        with pytest.raises(GendanError):
            company_rates(bad)
    schema = load_schema()
    data = make_data(
        _orders(), company={"seller_name": "ACME", "exchange_rates": "CNY; USD 7; EUR 8"}
    )
    d = build_dashboard(load_tables(data, schema), schema, AS_OF)
    assert _series(d.block("shipments"), "合计 Total CNY")["2026-10"] == 1000 * 7 + 2000 * 8


def test_openpyxl_parses_every_chart(sample_out: Path) -> None:
    """A second reader of the chart XML (openpyxl's chart schema): seven bar charts, the
    receivables stacked."""
    import warnings

    import openpyxl
    from openpyxl.chart.bar_chart import BarChart
    from openpyxl.worksheet.worksheet import Worksheet

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ws = openpyxl.load_workbook(sample_out)["看板"]
    assert isinstance(ws, Worksheet)
    # openpyxl keeps the charts it read in the sheet's private _charts (not in types-openpyxl)
    charts: list[object] = ws._charts  # type: ignore[attr-defined]
    assert len(charts) == 7 and all(isinstance(c, BarChart) for c in charts)
    stacked = [c for c in charts if isinstance(c, BarChart) and c.grouping == "stacked"]
    assert len(stacked) == 1 and stacked[0].overlap == 100


def test_report_on_year_sheets_with_sheet_option(tmp_path: Path) -> None:
    book = write_xlsx(_two_year_book(), tmp_path / "years.xlsx")
    out = tmp_path / "o.xlsx"
    assert (
        main(["report", str(book), "--as-of", "2026-11-27", "--sheet", "2025年", "--out", str(out)])
        == 0
    )
    counts = _find(_charts(out), "Orders by stage (count)")["订单数 Orders"]
    assert sum(counts.values()) == 1 and counts["已结案 Closed"] == 1
    assert main(["report", str(book), "--as-of", "2026-11-27", "--out", str(out)]) == 0
    assert sum(_find(_charts(out), "Orders by stage (count)")["订单数 Orders"].values()) == 6


def test_control_characters_in_names_keep_the_charts_well_formed(tmp_path: Path) -> None:
    """A customer or salesperson name is cell text and may hold control characters
    (``_x001B_`` in the package, ESC once read).  Chart caches are XML 1.0: a raw ESC makes
    the whole workbook unreadable (Excel repairs it away, openpyxl refuses it)."""
    from xml.etree import ElementTree

    from factory import CUSTOMERS

    name = "ACME_x001B_[31m_x0007_"
    customers = [dict(CUSTOMERS[0], customer=name), CUSTOMERS[1]]
    order = clean_order(1, customer=name, sales_manager="王_x000B_经理")
    book = write_xlsx(make_data([order], customers=customers), tmp_path / "b.xlsx")
    out = tmp_path / "o.xlsx"
    assert main(["report", str(book), "--as-of", "2026-11-27", "--out", str(out)]) == 0
    with zipfile.ZipFile(out) as z:
        for part in z.namelist():
            if part.endswith(".xml"):
                ElementTree.fromstring(z.read(part))  # raises on a raw control character
        charts = b"".join(z.read(p) for p in z.namelist() if p.startswith("xl/charts/"))
    assert b"ACME_x001B_[31m_x0007_" in charts  # kept, as Excel stores it
