"""The sample master workbook: a fruit exporter's 2026 in one 工作序列表, with planted mistakes.

Why a generator and not a checked-in file: the sample is what the README shows, what
``gendan demo`` checks and what the end-to-end tests compare against, so it must be
regenerable after a schema change and its planted defects must be *known*.  The
generator therefore returns a :class:`SampleManifest` naming every (contract_no, code)
pair the checker should report on the as-of date, and nothing else.

How clean rows stay clean: every order is planned as a whole timeline first (contract →
ETD/B/L → documents → payment), each payment dated on or before the due date the terms
give, and then everything after the as-of date (2026-11-27) is cut off.  So an unpaid clean
order is never overdue, documents of D/P, D/A and L/C orders go through the bank, T/T
balance originals are couriered only after the balance arrived, L/C documents are
presented in time, and weights, amounts and container numbers agree.  Each planted defect
then changes one thing on one row, chosen so that only its own code fires.

``build_master_rows`` and ``write_large`` are the fast path for benchmarks: the same
clean generator without defects, written with openpyxl's write-only mode.

Run ``python -m gendan.book.sample [PATH]`` to regenerate ``xlsx/sample.xlsx``.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from gendan.book.sample_orders import (
    _TARE_KG,
    AS_OF,
    COMPANY,
    CUSTOMERS,
    PRODUCTS,
    YEAR,
    _clean_dicts,
    _cut,
    _digits,
    _Order,
    _plan,
    _plans,
    _workday,
    build_master_rows,
)
from gendan.book.template import stable_zip, write_company
from gendan.model.schema import Schema, SheetSpec, load_schema

__all__ = [
    "AS_OF",
    "PlantedDefect",
    "SampleManifest",
    "build_master_rows",
    "build_sample",
    "main",
    "write_large",
]

HEADER_ROW = 3  # two title rows above the header, as merchandisers' sheets have
_FIXED_STAMP = datetime(2026, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class PlantedDefect:
    """One deliberate mistake: the checker should report ``code`` for ``contract_no``."""

    contract_no: str
    code: str
    key: str
    row: int
    note: str


@dataclass(frozen=True)
class SampleManifest:
    """What a sample workbook contains, for tests that compare the checker against it."""

    path: Path | None
    seed: int
    as_of: date
    header_row: int
    contract_nos: tuple[str, ...]
    methods: dict[str, str]  # contract_no → payment method (TT_ADVANCE, …)
    defects: tuple[PlantedDefect, ...] = field(default_factory=tuple)

    def expected(self) -> set[tuple[str, str]]:
        """The (contract_no, code) pairs the checker should report — and only these."""
        return {(d.contract_no, d.code) for d in self.defects}

    @property
    def defective_contracts(self) -> set[str]:
        return {d.contract_no for d in self.defects}

    @property
    def clean_contracts(self) -> list[str]:
        bad = self.defective_contracts
        return [c for c in self.contract_nos if c not in bad]


# ----------------------------------------------------------------------------- planting defects


class _Planter:
    """Plants one defect per call on a row not yet touched, recording it in the manifest."""

    def __init__(
        self, orders: list[_Order], rows: list[dict[str, Any]], rng: random.Random, as_of: date
    ) -> None:
        self.orders = orders
        self.rows = rows
        self.rng = rng
        self.as_of = as_of
        self.used: set[int] = set()
        self.defects: list[PlantedDefect] = []
        # Spread the picks over the year instead of always taking the earliest rows.
        self.order = list(range(len(rows)))
        rng.shuffle(self.order)

    def pick(
        self, *preds: Callable[[int, dict[str, Any], _Order], bool], reserved: str | None = None
    ) -> int:
        """The first untouched row (in shuffled order) that fits the first predicate any row
        fits; rows re-planned for a timed defect are only picked by their tag."""
        for pred in preds:
            for i in self.order:
                if i in self.used or self.rows[i].get("_reserved") != reserved:
                    continue
                if pred(i, self.rows[i], self.orders[i]):
                    self.used.add(i)
                    return i
        raise RuntimeError("no row fits a planted defect; use more orders")

    def record(self, i: int, code: str, key: str, note: str) -> None:
        self.defects.append(
            PlantedDefect(self.rows[i]["contract_no"], code, key, HEADER_ROW + 1 + i, note)
        )


def _paid(r: dict[str, Any]) -> bool:
    return r["status"] in ("已收款", "已结案")


def _older(r: dict[str, Any], as_of: date, days: int) -> bool:
    return r["bl_date"] is not None and (as_of - r["bl_date"]).days >= days


def _plant(
    orders: list[_Order], rows: list[dict[str, Any]], seed: int, as_of: date
) -> list[PlantedDefect]:
    """Change one thing per chosen row so that exactly one code fires for it."""
    P = _Planter(orders, rows, random.Random(seed + 1), as_of)
    rng = P.rng

    def fmt(d: date) -> str:  # the way people type dates
        return f"{d.year}/{d.month}/{d.day}"

    # required: an L/C order without its L/C number; a D/P order without the collecting bank
    i = P.pick(lambda i, r, o: o.method in ("LC_SIGHT", "LC_USANCE") and _paid(r))
    rows[i]["lc_no"] = None
    P.record(i, "required", "lc_no", "L/C order with the L/C number left blank")
    i = P.pick(lambda i, r, o: o.method == "DP" and r["docs_sent_date"] is not None)
    rows[i]["collecting_bank"] = None
    P.record(i, "required", "collecting_bank", "D/P order without a collecting bank")

    # type: cartons typed with a separator and a unit on a fresh contract
    i = P.pick(
        lambda i, r, o: r["bl_date"] is None and not r["received_amount"], lambda i, r, o: _paid(r)
    )  # checks that need cartons are skipped on this row
    rows[i]["cartons"] = f"{rows[i]['cartons']:,} 箱"
    P.record(i, "type", "cartons", "cartons typed as text with a unit")

    # text-date: the ETD typed as text (parses, so only a warning)
    i = P.pick(lambda i, r, o: o.method in ("OA", "DP") and _paid(r))
    rows[i]["etd"] = fmt(rows[i]["etd"])
    P.record(i, "text-date", "etd", "ETD typed as text 'yyyy/m/d'")

    # enum: currency typed as US$$
    i = P.pick(lambda i, r, o: r["currency"] == "USD" and _paid(r))
    rows[i]["currency"] = "US$$"
    P.record(i, "enum", "currency", "currency 'US$$'")

    # pattern: a DHL waybill with 9 digits
    i = P.pick(lambda i, r, o: r["dispatch_method"] == "DHL" and r["tracking_no"] and _paid(r))
    rows[i]["tracking_no"] = rows[i]["tracking_no"][:9]
    P.record(i, "pattern", "tracking_no", "DHL waybill with 9 digits")

    # duplicate: an invoice number copied from an earlier row
    i = P.pick(lambda i, r, o: _paid(r) and i > 10)
    j = max(k for k in range(i) if rows[k]["invoice_no"] and k not in P.used)
    rows[i]["invoice_no"] = rows[j]["invoice_no"]
    P.used.add(j)  # the first holder stays otherwise clean
    P.record(i, "duplicate", "invoice_no", f"invoice no. copied from row {HEADER_ROW + 1 + j}")

    # unknown-customer: a new buyer never added to 客户
    i = P.pick(lambda i, r, o: o.method == "TT_ADVANCE" and _paid(r) and r["currency"] == "USD")
    rows[i]["customer"] = "GREENLEAF SG"
    P.record(i, "unknown-customer", "customer", "customer not in the 客户 sheet")

    # unknown-product: a size the 产品 sheet does not list
    i = P.pick(lambda i, r, o: r["product"] == "FUJI APPLE" and _paid(r))
    rows[i]["spec"] = "125#"
    P.record(i, "unknown-product", "spec", "FUJI APPLE 125# is not in the 产品 sheet")

    # amount-mismatch: a slipped digit in the amount of an order nothing was received on
    i = P.pick(
        lambda i, r, o: (
            r["bl_date"] is None and not r["received_amount"] and o.method != "TT_BALANCE"
        ),  # its deposit is a share of the amount
        lambda i, r, o: (
            r["docs_sent_date"] is None
            and not r["received_amount"]
            and o.method in ("DP", "DA", "LC_SIGHT", "LC_USANCE")
        ),  # no due date yet
        lambda i, r, o: (
            o.method == "OA"
            and not r["received_amount"]
            and r["bl_date"] is not None
            and r["bl_date"] + timedelta(days=30) > as_of
        ),
    )
    rows[i]["amount"] = round(rows[i]["amount"] + 900, 2)
    P.record(i, "amount-mismatch", "amount", "amount 900 more than cartons × unit price")

    # weight-mismatch: net weight with two digits swapped (lower, so gross stays above it)
    i = P.pick(lambda i, r, o: _paid(r) and r["cartons"] >= 1000)
    rows[i]["net_weight_kg"] = round(rows[i]["net_weight_kg"] - 540, 2)
    P.record(i, "weight-mismatch", "net_weight_kg", "net weight 540 kg short of cartons × kg")

    # gross-not-above-net: gross weight copied from net weight
    i = P.pick(lambda i, r, o: _paid(r))
    rows[i]["gross_weight_kg"] = rows[i]["net_weight_kg"]
    P.record(i, "gross-not-above-net", "gross_weight_kg", "gross weight = net weight")

    # container-overflow: 1 × 40RH booked for more cartons than it holds (consistent amounts)
    i = P.pick(lambda i, r, o: _paid(r) and r["container_type"] == "40RH" and r["containers"] == 1)
    r = rows[i]
    p = PRODUCTS[orders[i].prod_key]
    r["cartons"] = p["cartons_per_40RH"] + 120
    r["net_weight_kg"] = round(r["cartons"] * r["kg_per_carton"], 2)
    r["gross_weight_kg"] = round(
        r["cartons"] * (r["kg_per_carton"] + _TARE_KG[r["kg_per_carton"]]), 2
    )
    r["amount"] = round(r["cartons"] * r["unit_price"], 2)
    r["received_amount"] = r["amount"]
    P.record(i, "container-overflow", "cartons", "120 cartons more than one 40RH holds")

    # container-count: 柜数 says one more container than the numbers listed
    i = P.pick(lambda i, r, o: _paid(r) and r["containers"] >= 2)
    rows[i]["containers"] += 1
    P.record(i, "container-count", "containers", "containers one more than the numbers listed")

    # container-check-digit: last digit of one container number mistyped
    i = P.pick(lambda i, r, o: _paid(r))
    nos = re.split(r"( / )", rows[i]["container_nos"])
    last = nos[-1]
    nos[-1] = last[:-1] + str((int(last[-1]) + 1) % 10)
    rows[i]["container_nos"] = "".join(nos)
    P.record(i, "container-check-digit", "container_nos", f"check digit of {last} mistyped")

    # temperature-range: apples set at +5 °C
    i = P.pick(lambda i, r, o: r["product"] in ("FUJI APPLE", "GALA APPLE") and _paid(r))
    rows[i]["temperature_c"] = 5.0
    P.record(i, "temperature-range", "temperature_c", "apples at +5 °C")

    # date-order: ETD typed a month early, before the contract date
    i = P.pick(
        lambda i, r, o: (
            o.method in ("OA", "DP", "DA")
            and _paid(r)
            and (r["etd"] - r["contract_date"]).days < 31
        )
    )
    rows[i]["etd"] = rows[i]["etd"] - timedelta(days=31)
    P.record(i, "date-order", "etd", "ETD a month early, before the contract date")

    # late-shipment: latest shipment date earlier than the B/L date
    i = P.pick(lambda i, r, o: o.method == "LC_SIGHT" and _paid(r))
    rows[i]["latest_shipment"] = rows[i]["bl_date"] - timedelta(days=3)
    P.record(i, "late-shipment", "bl_date", "B/L dated 3 days after the latest shipment date")

    # lc-presentation: usance L/C documents presented 25 days after the B/L (before expiry)
    i = P.pick(lambda i, r, o: o.method == "LC_USANCE" and _paid(r))
    r = rows[i]
    r["docs_sent_date"] = r["bl_date"] + timedelta(days=25)
    r["lc_expiry"] = max(r["lc_expiry"], r["bl_date"] + timedelta(days=30))
    P.record(i, "lc-presentation", "docs_sent_date", "documents presented 25 days after B/L date")

    # lc-expiry-before-shipment: expiry typed before the latest shipment date
    i = P.pick(
        lambda i, r, o: o.method in ("LC_SIGHT", "LC_USANCE") and r["docs_sent_date"] is not None
    )
    r = rows[i]
    r["latest_shipment"] = max(r["latest_shipment"], r["docs_sent_date"] + timedelta(days=10))
    r["lc_expiry"] = r["latest_shipment"] - timedelta(days=5)
    P.record(
        i, "lc-expiry-before-shipment", "lc_expiry", "L/C expiry 5 days before latest shipment"
    )

    # dispatch-method: D/P documents couriered straight to the buyer
    i = P.pick(lambda i, r, o: o.method == "DP" and _paid(r))
    rows[i]["dispatch_method"] = "DHL"
    rows[i]["tracking_no"] = _digits(rng, 10)
    P.record(i, "dispatch-method", "dispatch_method", "D/P documents sent by DHL")

    # dispatch-method: T/T balance originals couriered before the balance came in (recent,
    # so the balance is not yet due and the row is not also overdue)
    i = P.pick(lambda i, r, o: r["bl_date"] is not None, reserved="tt-recent")
    r, o = rows[i], orders[i]
    r["docs_sent_date"] = r["bl_date"] + timedelta(days=1)
    r["dispatch_method"] = "DHL"
    r["tracking_no"] = _digits(rng, 10)
    r["received_amount"] = o.deposit
    r["received_date"] = o.pay_dates[0][0]
    r["status"] = "已寄单"
    P.record(
        i, "dispatch-method", "docs_sent_date", "T/T originals couriered before the balance arrived"
    )

    # over-received: received amount typed with two digits swapped, more than the amount
    i = P.pick(
        lambda i, r, o: (
            _paid(r) and o.method in ("OA", "DP", "TT_ADVANCE") and r["currency"] != "US$$"
        )
    )
    rows[i]["received_amount"] = round(rows[i]["amount"] + 540, 2)
    P.record(i, "over-received", "received_amount", "received 540 more than the amount")

    # overdue: four unpaid balances, one in each aging bucket
    def unpay(i: int, keep: float = 0.0) -> None:
        r = rows[i]
        r["received_amount"] = keep or None
        r["received_date"] = orders[i].pay_dates[0][0] if keep else None
        r["status"] = "已寄单" if r["docs_sent_date"] else "已装船"

    i = P.pick(
        lambda i, r, o: (
            _paid(r) and 1 <= (as_of - (r["docs_sent_date"] + timedelta(days=74))).days <= 30
        ),
        reserved="da-overdue",
    )
    unpay(i)
    P.record(i, "overdue", "received_amount", "D/A 60 days, 1–30 days overdue")
    i = P.pick(
        lambda i, r, o: (
            _paid(r) and 31 <= (as_of - (r["docs_sent_date"] + timedelta(days=14))).days <= 60
        ),
        reserved="dp-overdue",
    )
    unpay(i)
    # a firm letter went out at 15 days overdue; the order is now at the final-notice level
    rows[i]["reminder_date"] = rows[i]["docs_sent_date"] + timedelta(days=14 + 15)
    P.record(i, "overdue", "received_amount", "D/P at sight, 31–60 days overdue")
    i = P.pick(
        lambda i, r, o: _paid(r) and 61 <= (as_of - (r["bl_date"] + timedelta(days=30))).days <= 90,
        reserved="oa-overdue",
    )
    r = rows[i]
    r["received_amount"] = round(r["amount"] * 0.5, 2)
    r["status"] = "已寄单"
    r["reminder_date"] = as_of - timedelta(days=3)  # reminded at this level already
    P.record(i, "overdue", "received_amount", "O/A 30 days, half paid, 61–90 days overdue")
    i = P.pick(
        lambda i, r, o: (
            o.method == "TT_BALANCE"
            and _paid(r)
            and (as_of - (r["bl_date"] + timedelta(days=7))).days > 100
        )
    )
    r, o = rows[i], orders[i]
    r["docs_sent_date"] = r["tracking_no"] = r["dispatch_method"] = None  # originals held
    unpay(i, keep=o.deposit)
    P.record(
        i, "overdue", "received_amount", "T/T balance unpaid, originals held, >90 days overdue"
    )
    return P.defects


# ----------------------------------------------------------------------------- writing

_TITLE_FONT = Font(bold=True, size=14)
_SUB_FONT = Font(italic=True, size=10, color="666666")
_HEAD_FONT = Font(bold=True)
_HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
_HEAD_ALIGN = Alignment(horizontal="center", vertical="center", wrap_text=True)


def _style_header(ws: Any, sheet: SheetSpec, header_row: int) -> None:
    for j, col in enumerate(sheet.columns, start=1):
        cell = ws.cell(row=header_row, column=j)
        cell.font, cell.fill, cell.alignment = _HEAD_FONT, _HEAD_FILL, _HEAD_ALIGN
        if col.width:
            ws.column_dimensions[get_column_letter(j)].width = col.width


def _write_table(
    ws: Any, sheet: SheetSpec, rows: Sequence[dict[str, Any]], header_row: int
) -> None:
    """Header (zh, schema order) and rows with the schema's number formats on real values."""
    for j, col in enumerate(sheet.columns, start=1):
        ws.cell(row=header_row, column=j, value=col.zh)
    _style_header(ws, sheet, header_row)
    fmts = [(j, col.key, col.format) for j, col in enumerate(sheet.columns, start=1)]
    for i, r in enumerate(rows, start=header_row + 1):
        for j, key, fmt in fmts:
            value = r.get(key)
            if value is None or value == "":
                continue
            cell = ws.cell(row=i, column=j, value=value)
            if fmt and not isinstance(value, str):
                cell.number_format = fmt
    last = get_column_letter(len(sheet.columns))
    ws.auto_filter.ref = f"A{header_row}:{last}{header_row + max(len(rows), 1)}"


def _reference_sheets(wb: Any, schema: Schema, write_only: bool = False) -> None:
    """客户, 产品 and 公司: small, so written the same way in both modes."""
    cust_rows = [{**c.row, **_COLLECTING_BANKS.get(c.row["customer"], {})} for c in CUSTOMERS]
    prod_rows = [
        {
            **p,
            "package_type": "CARTONS",
            "gross_kg_per_package": p["kg_per_carton"] + _TARE_KG[p["kg_per_carton"]],
        }
        for p in PRODUCTS.values()
    ]
    for sheet, rows in ((schema.customers, cust_rows), (schema.products, prod_rows)):
        keys = [c.key for c in sheet.columns]
        if write_only:
            ws = wb.create_sheet(sheet.names[0])
            ws.append([c.zh for c in sheet.columns])
            for r in rows:
                ws.append([r.get(k) for k in keys])
        else:
            ws = wb.create_sheet(sheet.names[0])
            _write_table(ws, sheet, rows, 1)
            ws.freeze_panes = "B2"
            ws.row_dimensions[1].height = 30
    ws = wb.create_sheet(schema.company.names[0])
    if write_only:
        for f in schema.company.fields:
            ws.append([f.zh, COMPANY.get(f.key)])
        return
    write_company(ws, schema.company, COMPANY)


def _titles(schema: Schema, n: int, as_of: date) -> tuple[str, str]:
    return (
        f"{COMPANY['seller_name_zh']}  {COMPANY['seller_name']}",
        f"{YEAR} {schema.master.names[0]}  ·  {n} 单  ·  更新至 {as_of.isoformat()}",
    )


#: Orders re-planned with a chosen ETD so that the defects that depend on timing always have
#: a row to land on: (tag, payment method, days before the as-of date the ship sails).
_RESERVED: tuple[tuple[str, str, int], ...] = (
    ("tt-recent", "TT_BALANCE", 6),  # shipped days ago: balance not yet due
    ("da-overdue", "DA", 95),  # due about 2 weeks ago
    ("dp-overdue", "DP", 65),  # due about 6 weeks ago
    ("oa-overdue", "OA", 106),  # due about 11 weeks ago
)


def _sample_rows(
    seed: int, n_orders: int, as_of: date
) -> tuple[list[_Order], list[dict[str, Any]]]:
    """Plan and cut the sample's orders, re-planning a few so each timed defect has a row."""
    orders = _plans(n_orders, seed, as_of)
    rng = random.Random(seed + 2)
    width = max(3, len(str(n_orders)))
    tags: dict[int, str] = {}
    for tag, method, days in _RESERVED:
        etd = _workday(as_of - timedelta(days=days))
        cands = [
            k
            for k, o in enumerate(orders)
            if k not in tags and 14 <= (etd - o.v["contract_date"]).days <= 35
        ]
        if not cands:
            raise RuntimeError(f"no contract date fits the {tag} order; use more orders")
        k = cands[len(cands) // 2]
        cust = next(c for c in CUSTOMERS if c.method == method)
        orders[k] = _plan(
            k + 1,
            width,
            orders[k].v["contract_date"],
            cust,
            rng.choice(cust.products),
            rng,
            etd=etd,
        )
        tags[k] = tag
    rows = [_cut(o, as_of) for o in orders]
    for k, tag in tags.items():
        rows[k]["_reserved"] = tag
    return orders, rows


#: Optional document details per payment method and port (the columns the documents print:
#: consignee, notify, booking, B/L type, seals, per-container cartons, measurement, ETA,
#: the L/C's issuing bank, date and goods description).  Filled after the defects are
#: planted, from their own random stream, so every other value of the sample is unchanged.
_TRANSIT_DAYS = {
    "JAKARTA": 9,
    "HO CHI MINH": 6,
    "LAEM CHABANG": 7,
    "PORT KLANG": 8,
    "MANILA": 6,
    "VLADIVOSTOK": 5,
    "CHITTAGONG": 16,
    "JEBEL ALI": 22,
    "ROTTERDAM": 34,
}
_ISSUING_BANKS = {
    "SIAM FRESH": "BANGKOK BANK PUBLIC COMPANY LIMITED, HEAD OFFICE, BANGKOK",
    "DHAKA AGRO": "SONALI BANK PLC, AGRABAD CORPORATE BRANCH, CHATTOGRAM",
}
_CBM_PER_CARTON = {18.0: 0.052, 20.0: 0.056}
_COLLECTING_BANKS = {
    "MY HARVEST": {
        "collecting_bank_address": "Menara Maybank, 100 Jalan Tun Perak, 50050 Kuala Lumpur, Malaysia",
        "collecting_bank_swift": "MBBEMYKL",
    },
    "MANILA FRUITS": {
        "collecting_bank_address": "BDO Corporate Center, 7899 Makati Avenue, Makati City 0726, Philippines",
        "collecting_bank_swift": "BNORPHMM",
    },
}
#: The seller's CIF buyer on T/T: one settled AL NOOR order sold CIF Jebel Ali, so the
#: sample has a CIF T/T order (the documents' Incoterm wording: who insures).
_CIF_TT_CUSTOMER = "AL NOOR"


def _add_document_details(
    orders: list[_Order], rows: list[dict[str, Any]], defects: Sequence[PlantedDefect], seed: int
) -> None:
    """Fill the optional document columns of every row (see ``_TRANSIT_DAYS``); rows with a
    planted defect get no cartons per container, and their seals (one per container number
    typed) come from a random stream of their own, so every other row is as before and no
    new finding lands on them (a shipped order without seals is a doc-value-missing)."""
    rng = random.Random(seed + 15)
    rng_bad = random.Random(seed + 16)
    bad = {d.contract_no for d in defects}
    cif_done = False
    for o, r in zip(orders, rows, strict=True):
        cust, method = o.cust, o.method
        full = f"{cust.row['full_name']}, {cust.row['address']}"
        r["issuing_bank"] = r["lc_date"] = r["lc_goods_description"] = None
        if method in ("LC_SIGHT", "LC_USANCE"):
            bank = _ISSUING_BANKS[cust.row["customer"]]
            r["issuing_bank"] = bank
            r["lc_date"] = _workday(r["contract_date"] + timedelta(days=rng.randint(4, 9)))
            if isinstance(r["cartons"], int) and r["spec"] in ("72#", "80#", "88#", "100#", "113#"):
                r["lc_goods_description"] = (
                    f"FRESH {r['product']}S, SIZE {r['spec']}, {r['cartons']:,} CARTONS "
                    f"OF {r['kg_per_carton']:g} KG NET, CHINA ORIGIN"
                )
            r["consignee"] = f"TO THE ORDER OF {bank.split(',')[0]}"
            r["notify_party"] = full
        elif method in ("DP", "DA"):
            r["consignee"] = "TO ORDER"
            r["notify_party"] = full
        else:
            r["consignee"] = full  # notify: the 客户 sheet's notify party
        if r["etd"] is None:
            continue
        r["booking_no"] = f"QD{YEAR % 100}{_digits(rng, 7, first_nonzero=False)}"
        r["bl_type"] = (
            "ORIGINAL"
            if method in ("DP", "DA", "LC_SIGHT", "LC_USANCE", "TT_BALANCE")
            else rng.choice(("TELEX RELEASE", "SEA WAYBILL"))
        )
        sail = r["bl_date"] or (r["etd"] if isinstance(r["etd"], date) else None)
        port = str(r["port_of_discharge"]).split(",")[0]
        if sail is not None and port in _TRANSIT_DAYS:
            r["eta"] = sail + timedelta(days=_TRANSIT_DAYS[port])
        if (
            not cif_done
            and cust.row["customer"] == _CIF_TT_CUSTOMER
            and r["contract_no"] not in bad
            and r["status"] in ("已收款", "已结案")
            and r.get("remarks") is None
        ):
            r["incoterm"] = "CIF"
            cif_done = True
        if r["container_nos"] is not None and (
            r["contract_no"] in bad or not isinstance(r["cartons"], int)
        ):
            nos = [x for x in re.split(r"\s*/\s*", r["container_nos"]) if x]
            r["seal_nos"] = " / ".join(
                f"{(r['bl_no'] or 'SEAL')[:4]}{_digits(rng_bad, 7)}" for _ in nos
            )
            if isinstance(r["cartons"], int):
                r["measurement_cbm"] = round(
                    r["cartons"] * _CBM_PER_CARTON.get(r["kg_per_carton"], 0.052), 3
                )
            continue
        if r["container_nos"] is None:
            continue
        nos = [x for x in re.split(r"\s*/\s*", r["container_nos"]) if x]
        r["seal_nos"] = " / ".join(f"{r['bl_no'][:4]}{_digits(rng, 7)}" for _ in nos)
        cap = PRODUCTS[o.prod_key][
            "cartons_per_20RF" if r["container_type"] == "20RF" else "cartons_per_40RH"
        ]
        last = r["cartons"] - cap * (len(nos) - 1)
        if len(nos) > 1 and 0 < last < cap:  # loaded full but the last: not an even split
            r["container_cartons"] = " / ".join([str(cap)] * (len(nos) - 1) + [str(last)])
        r["measurement_cbm"] = round(
            r["cartons"] * _CBM_PER_CARTON.get(r["kg_per_carton"], 0.052), 3
        )


def build_sample(
    path: str | Path,
    seed: int = 2026,
    n_orders: int = 120,
    schema: Schema | None = None,
    as_of: date = AS_OF,
) -> SampleManifest:
    """Write the sample master workbook to ``path`` and say which defects it carries."""
    schema = schema or load_schema()
    path = Path(path)
    orders, rows = _sample_rows(seed, n_orders, as_of)
    defects = _plant(orders, rows, seed, as_of)
    _add_document_details(orders, rows, defects, seed)
    for r in rows:
        r.pop("_reserved", None)
    wb = Workbook()
    ws = wb.worksheets[0]  # a new workbook: its one (active) sheet
    ws.title = schema.master.names[0]
    t1, t2 = _titles(schema, n_orders, as_of)
    ws.cell(row=1, column=1, value=t1).font = _TITLE_FONT
    ws.cell(row=2, column=1, value=t2).font = _SUB_FONT
    ws.row_dimensions[HEADER_ROW].height = 30
    _write_table(ws, schema.master, rows, HEADER_ROW)
    ws.freeze_panes = f"B{HEADER_ROW + 1}"
    _reference_sheets(wb, schema)
    wb.properties.creator = (
        "gendan.sample"  # kept: the sample's bytes do not change with the layout
    )
    wb.properties.created = _FIXED_STAMP
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    stable_zip(path)
    return SampleManifest(
        path=path,
        seed=seed,
        as_of=as_of,
        header_row=HEADER_ROW,
        contract_nos=tuple(r["contract_no"] for r in rows),
        methods={r["contract_no"]: o.method for r, o in zip(rows, orders, strict=True)},
        defects=tuple(defects),
    )


def write_large(
    path: str | Path,
    n_orders: int = 100_000,
    seed: int = 2026,
    schema: Schema | None = None,
    as_of: date = AS_OF,
) -> float:
    """Write a big clean-ish master workbook (write-only mode) and return the seconds taken.

    Same layout as the sample (title rows, header in row 3, reference sheets) so the
    benchmark reads what users have.  Dates are written as real dates."""
    schema = schema or load_schema()
    t0 = time.perf_counter()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(schema.master.names[0])
    for j, col in enumerate(schema.master.columns, start=1):
        if col.width:
            ws.column_dimensions[get_column_letter(j)].width = col.width
    t1, t2 = _titles(schema, n_orders, as_of)
    ws.append([t1])
    ws.append([t2])
    ws.append([c.zh for c in schema.master.columns])
    keys = [c.key for c in schema.master.columns]
    for v in _clean_dicts(n_orders, seed, as_of):
        ws.append([v.get(k) for k in keys])
    _reference_sheets(wb, schema, write_only=True)
    wb.properties.created = _FIXED_STAMP
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    wb.save(str(path))
    return time.perf_counter() - t0


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m gendan.book.sample [PATH] [--large N]``: regenerate the sample (or a big book)."""
    import argparse

    ap = argparse.ArgumentParser(prog="python -m gendan.book.sample", description=main.__doc__)
    ap.add_argument("path", nargs="?", help="where to write (default: xlsx/sample.xlsx)")
    ap.add_argument(
        "--large", type=int, metavar="N", help="write a clean N-order master for benchmarks"
    )
    args = ap.parse_args(argv)
    if args.large:
        out = Path(args.path or f"large-{args.large}.xlsx")
        secs = write_large(out, args.large)
        print(f"wrote {out}: {args.large:,} orders in {secs:.1f} s")
        return 0
    out = (
        Path(args.path)
        if args.path
        else Path(__file__).resolve().parents[2] / "xlsx" / "sample.xlsx"
    )
    t0 = time.perf_counter()
    m = build_sample(out)
    print(
        f"wrote {out}: {len(m.contract_nos)} orders, {len(m.defects)} planted defects "
        f"(as of {m.as_of.isoformat()}) in {time.perf_counter() - t0:.1f} s"
    )
    for d in m.defects:
        print(f"  row {d.row:>4}  {d.contract_no:<12} {d.code:<26} {d.note}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
