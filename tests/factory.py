"""Build master workbooks for tests, as WorkbookData (in memory) or as .xlsx files.

The layout is deliberately awkward, as spreadsheets in the field are: title rows above
the header (header in row 3), columns shuffled, a blank row inside the data.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gendan.model.grid import SheetGrid, WorkbookData
from gendan.model.schema import Schema, load_schema

if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

D = dt.date

CUSTOMERS: list[dict[str, Any]] = [
    {
        "customer": "PT SEGAR",
        "full_name": "PT Segar Buah Indonesia",
        "country": "ID",
        "language": "en",
    },
    {
        "customer": "VINAFRUIT",
        "full_name": "Vinafruit Co., Ltd.",
        "country": "VN",
        "language": "en",
    },
]
PRODUCTS: list[dict[str, Any]] = [
    {
        "product": "Fuji Apple",
        "spec": "80#",
        "kg_per_carton": 18.0,
        "cartons_per_20RF": 540,
        "cartons_per_40RH": 1100,
        "temp_min_c": -1.0,
        "temp_max_c": 1.0,
        "ventilation": "15 CBM/H",
        "hs_code": "0808100000",
    },
    {
        "product": "Fuji Apple",
        "spec": "100#",
        "kg_per_carton": 20.0,
        "cartons_per_20RF": 500,
        "cartons_per_40RH": 1050,
        "temp_min_c": -1.0,
        "temp_max_c": 1.0,
        "ventilation": "15 CBM/H",
        "hs_code": "0808100000",
    },
]


def clean_order(n: int = 1, **overrides: Any) -> dict[str, Any]:
    """A complete, consistent D/P order (documents sent through the bank, unpaid)."""
    row: dict[str, Any] = {
        "contract_no": f"GD26-{n:03d}",
        "contract_date": D(2026, 3, 2),
        "customer": "PT SEGAR",
        "sales_manager": "王经理",
        "product": "Fuji Apple",
        "spec": "80#",
        "kg_per_carton": 18.0,
        "cartons": 1100,
        "net_weight_kg": 19800.0,
        "gross_weight_kg": 21340.0,
        "container_type": "40RH",
        "containers": 1,
        "container_nos": "CSQU3054383",
        "temperature_c": 0.0,
        "ventilation": "15 CBM/H",
        "currency": "USD",
        "unit_price": 23.5,
        "amount": 25850.0,
        "incoterm": "CFR",
        "port_of_loading": "Qingdao",
        "port_of_discharge": "Jakarta",
        "payment_terms": "D/P at sight",
        "instruction_no": f"ZL26-{n:03d}",
        "etd": D(2026, 3, 20),
        "vessel_voyage": "WAN HAI 302 V.N123",
        "bl_no": f"QDJKT26{n:04d}",
        "bl_date": D(2026, 3, 21),
        "phyto_cert_no": f"3702000026{n:04d}",
        "co_no": f"C26370{n:04d}",
        "invoice_no": f"INV26-{n:03d}",
        "dispatch_method": "银行",
        "docs_sent_date": D(2026, 3, 25),
        "collecting_bank": "Bank Mandiri, Jakarta",
        "received_amount": 0.0,
        "status": "已寄单",
    }
    row.update(overrides)
    return row


def _grid(
    name: str,
    keys: list[str],
    rows: list[dict[str, Any]],
    schema_cols: dict[str, Any],
    shuffle: bool,
    blank_row: bool,
    titles: int,
) -> SheetGrid:
    order = list(keys)
    if shuffle:
        random.Random(7).shuffle(order)
    header = [schema_cols[k].zh if k in schema_cols else k for k in order]
    grid: list[list[Any]] = [
        ["ACME Fresh Fruit Co., Ltd. 工作序列表 2026"] + [""] * (len(order) - 1)
    ]
    grid += [[""] * len(order) for _ in range(titles - 1)]
    grid.append(header)
    for j, r in enumerate(rows):
        if blank_row and j == 1:
            grid.append([""] * len(order))
        grid.append([r.get(k) if r.get(k) is not None else "" for k in order])
    return SheetGrid(name=name, rows=grid)


def _plain(name: str, columns: Any, records: list[dict[str, Any]]) -> SheetGrid:
    """A reference sheet: header in row 1, columns in schema order."""
    keys = [c.key for c in columns]
    return SheetGrid(
        name=name, rows=[[c.zh for c in columns]] + [[r.get(k, "") for k in keys] for r in records]
    )


def make_data(
    orders: list[dict[str, Any]],
    *,
    schema: Schema | None = None,
    customers: list[dict[str, Any]] | None = None,
    products: list[dict[str, Any]] | None = None,
    shuffle: bool = True,
    blank_row: bool = True,
    company: dict[str, str] | None = None,
) -> WorkbookData:
    """The master (header in row 3, shuffled, a blank row after the first order) plus 客户/产品/公司."""
    schema = schema or load_schema()
    mcols = {c.key: c for c in schema.master.columns}
    keys = [c.key for c in schema.master.columns]
    sheets = [_grid("工作序列表", keys, orders, mcols, shuffle, blank_row, titles=2)]
    sheets.append(
        _plain("客户", schema.customers.columns, customers if customers is not None else CUSTOMERS)
    )
    sheets.append(
        _plain("产品", schema.products.columns, products if products is not None else PRODUCTS)
    )
    comp = company or {
        "seller_name": "ACME Fresh Fruit Co., Ltd.",
        "address": "Yantai, Shandong, China",
    }
    fields = {f.key: f for f in schema.company.fields}
    sheets.append(SheetGrid(name="公司", rows=[[fields[k].zh, v] for k, v in comp.items()]))
    return WorkbookData(sheets=tuple(sheets), path="<memory>")


def active_sheet(wb: Workbook) -> Worksheet:
    """``wb.active``, typed: openpyxl may answer None or a chart sheet; the books these
    tests make and read always have a worksheet there."""
    from openpyxl.worksheet.worksheet import Worksheet

    ws = wb.active
    assert isinstance(ws, Worksheet)
    return ws


def write_xlsx(data: WorkbookData, path: Path) -> Path:
    """The same workbook as a real .xlsx file (openpyxl), dates as real dates."""
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.worksheets[0])  # the new workbook's one sheet
    for g in data.sheets:
        ws = wb.create_sheet(g.name)
        for r in g.rows:
            ws.append([None if v == "" else v for v in r])
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, dt.date):
                    c.number_format = "yyyy-mm-dd"
    wb.save(path)
    return path


#: a new value for one field of an order (the order, the test's random source)
Mutation = Callable[[dict[str, Any], random.Random], Any]

#: random mutations of one field of a clean order (values a merchandiser might type)
MUTATIONS: list[tuple[str, Mutation]] = [
    ("amount", lambda r, rng: r["amount"] + rng.choice([1.0, -0.5, 100.0])),
    ("cartons", lambda r, rng: rng.choice(["1,100", "1100 箱", 0, -5, 1100.5])),
    ("net_weight_kg", lambda r, rng: r["net_weight_kg"] * rng.choice([0.9, 1.002, 1.1])),
    ("gross_weight_kg", lambda r, rng: r["net_weight_kg"] - rng.choice([0, 10])),
    (
        "container_nos",
        lambda r, rng: rng.choice(["CSQU3054384", "CSQU305438", "CSQU3054383, MSKU9070323", ""]),
    ),
    ("etd", lambda r, rng: rng.choice([dt.date(2026, 2, 1), "2026/3/20", "2026-02-30", None])),
    (
        "payment_terms",
        lambda r, rng: rng.choice(
            ["L/C at sight", "T/T in advance", "D/A 60 days", "O/A 30 days", "??"]
        ),
    ),
    ("dispatch_method", lambda r, rng: rng.choice(["DHL", "TNT", "银行", "carrier pigeon"])),
    ("currency", lambda r, rng: rng.choice(["USD", "usd", "美元", "XXX", "US$$"])),
    ("customer", lambda r, rng: rng.choice(["PT SEGAR", "VINAFRUIT", "pt segar", "NOBODY"])),
    ("temperature_c", lambda r, rng: rng.choice([0.0, 2.5, -3, "cold"])),
    ("received_amount", lambda r, rng: rng.choice([0.0, r["amount"], r["amount"] * 2, 100.0])),
    ("bl_date", lambda r, rng: rng.choice([dt.date(2026, 2, 1), dt.date(2026, 5, 30), None])),
    (
        "latest_shipment",
        lambda r, rng: rng.choice([dt.date(2026, 3, 10), dt.date(2026, 4, 30), None]),
    ),
    ("lc_expiry", lambda r, rng: rng.choice([dt.date(2026, 3, 1), dt.date(2026, 5, 30), None])),
    ("tracking_no", lambda r, rng: rng.choice(["1234567890", "12345", None])),
    ("collecting_bank", lambda r, rng: rng.choice([None, "Bank X"])),
    ("spec", lambda r, rng: rng.choice(["80#", "100#", "72#", None])),
]


def random_orders(rng: random.Random, n: int) -> list[dict[str, Any]]:
    """``n`` clean orders (shared by the columnar, split-read and parallel tests), each with up to four random mutations from MUTATIONS."""
    orders = []
    for i in range(1, n + 1):
        o = clean_order(i, container_nos=rng.choice(["CSQU3054383", "MSKU9070323", "TGHU1234567"]))
        for key, mutate in rng.sample(MUTATIONS, rng.randint(0, 4)):
            o[key] = mutate(o, rng)
        orders.append(o)
    return orders
