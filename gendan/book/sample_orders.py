"""The sample's made-up trade: the seller, its customers and products, and each order
planned as a whole timeline (contract → ETD/B/L → documents → payment) then cut at the as-of
date, so that a clean row stays clean (see :mod:`gendan.book.sample`).  Also the fast path
for benchmarks (:func:`build_master_rows`): the same clean orders without defects."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from gendan.model.iso6346 import check_digit
from gendan.model.schema import Schema, load_schema

#: The date the sample's receivables are aged on; tests pass it as ``--as-of``.
AS_OF = date(2026, 11, 27)
YEAR = 2026


# ----------------------------------------------------------------------------- reference data

COMPANY: dict[str, str] = {
    "seller_name": "YANTAI GOLDEN ORCHARD FRUIT CO., LTD.",
    "seller_name_zh": "烟台金果园果业有限公司",
    "address": "No. 88 Guoyuan Road, Qixia, Yantai, Shandong 265300, China",
    "tel": "+86 535 521 2888",
    "email": "export@golden-orchard.example.cn",
    "bank_name": "Bank of China, Yantai Branch",
    "bank_address": "No. 166 Jiefang Road, Zhifu District, Yantai, Shandong, China",
    "account_no": "2378 0512 3456 7890",
    "swift": "BKCHCNBJ51A",
    "signature": "ZHANG WEI",
    "origin": "China",
}

_PREFIX = "YGO"  # contract / invoice prefix of the seller


@dataclass(frozen=True)
class _Cust:
    """A buyer as the merchandiser knows them: sheet fields plus habits the sheet implies."""

    row: dict[str, str]
    method: str
    deposit_pct: int = 0
    currency: str = "USD"
    incoterm: str = "CFR"
    pol: tuple[str, ...] = ("QINGDAO, CHINA",)
    pod: str = ""
    courier: str = ""  # DHL/TNT/EMS for T/T and O/A buyers; bank otherwise
    products: tuple[str, ...] = ()
    sizes: tuple[int, ...] = (1, 1, 2)  # containers per order
    container_type: str = "40RH"
    manager: str = "王磊"
    vessels: tuple[tuple[str, str], ...] = ()  # (vessel/voyage stem, B/L prefix)
    weight: int = 10


def _cust(
    customer: str,
    full_name: str,
    address: str,
    country: str,
    contact: str,
    email: str,
    terms: str,
    dispatch: str,
    bank: str,
    notify: str,
    docs: str | None = None,
    **kw: Any,
) -> _Cust:
    row = {
        "customer": customer,
        "full_name": full_name,
        "address": address,
        "country": country,
        "contact": contact,
        "email": email,
        "language": "en",
        "default_payment_terms": terms,
        "dispatch_preference": dispatch,
        "collecting_bank": bank,
        "notify_party": notify,
    }
    if docs:
        row["required_documents"] = docs
    return _Cust(row=row, **kw)


_APPLES = ("FUJI 80", "FUJI 88", "FUJI 100", "FUJI 113", "GALA 100", "GALA 113")
_PEARS = ("YA 72", "YA 80", "KORLA 100")

CUSTOMERS: tuple[_Cust, ...] = (
    _cust(
        "PT SEGAR",
        "PT SEGAR BUAH NUSANTARA",
        "Jl. Pluit Raya No. 12, Jakarta Utara 14440, Indonesia",
        "ID",
        "Budi Santoso",
        "budi@segar-buah.example.id",
        "T/T 30% deposit, 70% against B/L copy",
        "DHL",
        "",
        "PT SEGAR BUAH NUSANTARA, Jl. Pluit Raya No. 12, Jakarta",
        method="TT_BALANCE",
        deposit_pct=30,
        pod="JAKARTA, INDONESIA",
        courier="DHL",
        products=_APPLES + ("YA 80",),
        sizes=(1, 2, 2, 3),
        manager="王磊",
        vessels=(("SITC JAKARTA V.26{w:02d}S", "SITGQDJK"), ("KOTA LUKIS V.{w:03d}S", "PABV")),
        weight=14,
    ),
    _cust(
        "VINAFRUIT",
        "VINA FRESH FRUIT IMPORT JSC",
        "45 Nguyen Tat Thanh, District 4, Ho Chi Minh City, Vietnam",
        "VN",
        "Nguyen Van An",
        "an.nguyen@vinafruit.example.vn",
        "T/T in advance",
        "DHL",
        "",
        "SAME AS CONSIGNEE",
        method="TT_ADVANCE",
        pod="HO CHI MINH, VIETNAM",
        courier="DHL",
        products=_APPLES,
        sizes=(1, 1, 2),
        container_type="40RH",
        manager="李娜",
        vessels=(("SITC HAIPHONG V.26{w:02d}S", "SITGQDHC"), ("WAN HAI 305 V.S{w:03d}", "WHLC")),
        weight=12,
    ),
    _cust(
        "SIAM FRESH",
        "SIAM FRESH PRODUCE CO., LTD.",
        "99/9 Rama III Road, Bang Kho Laem, Bangkok 10120, Thailand",
        "TH",
        "Somchai Wong",
        "import@siamfresh.example.th",
        "L/C at sight",
        "银行",
        "",
        "SIAM FRESH PRODUCE CO., LTD., BANGKOK",
        method="LC_SIGHT",
        incoterm="CIF",
        pod="LAEM CHABANG, THAILAND",
        products=_APPLES + _PEARS,
        sizes=(1, 2, 2),
        manager="李娜",
        vessels=(
            ("KMTC BANGKOK V.26{w:02d}S", "KMTCQDLC"),
            ("SITC BANGKOK V.{w:03d}S", "SITGQDLC"),
        ),
        weight=12,
    ),
    _cust(
        "MY HARVEST",
        "MY HARVEST TRADING SDN. BHD.",
        "Lot 8, Jalan Kem, 42000 Port Klang, Selangor, Malaysia",
        "MY",
        "Tan Wei Ming",
        "purchase@myharvest.example.my",
        "D/P 即期",
        "银行",
        "Malayan Banking Berhad (Maybank), Port Klang Branch, SWIFT MBBEMYKL",
        "MY HARVEST TRADING SDN. BHD., PORT KLANG",
        docs="植检证, 产地证 Form E",
        method="DP",
        pod="PORT KLANG, MALAYSIA",
        products=_APPLES,
        sizes=(1, 1, 2),
        manager="王磊",
        vessels=(
            ("OOCL BRISBANE V.{w:03d}S", "OOLU27"),
            ("SITC PORTKLANG V.26{w:02d}S", "SITGQDPK"),
        ),
        weight=11,
    ),
    _cust(
        "MANILA FRUITS",
        "MANILA FRUITS DISTRIBUTION INC.",
        "1200 Del Pan Street, Tondo, Manila 1012, Philippines",
        "PH",
        "Maria Santos",
        "maria@manilafruits.example.ph",
        "D/A 60 days",
        "银行",
        "BDO Unibank, Inc., Makati Main Branch, SWIFT BNORPHMM",
        "MANILA FRUITS DISTRIBUTION INC., MANILA",
        method="DA",
        pod="MANILA, PHILIPPINES",
        products=("FUJI 100", "FUJI 113", "GALA 113", "YA 80"),
        sizes=(1, 1, 1),
        container_type="20RF",
        manager="张伟",
        vessels=(("WAN HAI 316 V.S{w:03d}", "WHLC"), ("SITC MANILA V.26{w:02d}S", "SITGQDMN")),
        weight=9,
    ),
    _cust(
        "FRUKTY",
        "OOO FRUKTY VOSTOKA",
        "Ulitsa Strelnikova 7, Vladivostok 690065, Russia",
        "RU",
        "Ivan Petrov",
        "ivan.petrov@frukty.example.ru",
        "100% T/T before shipment",
        "EMS",
        "",
        "OOO FRUKTY VOSTOKA, VLADIVOSTOK",
        method="TT_ADVANCE",
        currency="CNY",
        incoterm="FOB",
        pol=("DALIAN, CHINA",),
        pod="VLADIVOSTOK, RUSSIA",
        courier="EMS",
        products=("FUJI 80", "FUJI 88", "KORLA 100"),
        sizes=(1, 2, 3),
        manager="张伟",
        vessels=(
            ("FESCO DALNEGORSK V.{w:03d}N", "FESO"),
            ("SINOKOR VLADIVOSTOK V.26{w:02d}N", "SKLU"),
        ),
        weight=9,
    ),
    _cust(
        "DHAKA AGRO",
        "DHAKA AGRO FOODS LTD.",
        "House 14, Road 7, Agrabad C/A, Chattogram 4100, Bangladesh",
        "BD",
        "Rahim Uddin",
        "rahim@dhakaagro.example.bd",
        "L/C 90 days after B/L date",
        "银行",
        "",
        "DHAKA AGRO FOODS LTD., CHATTOGRAM",
        method="LC_USANCE",
        pod="CHITTAGONG, BANGLADESH",
        products=("FUJI 88", "FUJI 100", "YA 72"),
        sizes=(1, 2, 2),
        manager="王磊",
        vessels=(("KOTA HALUS V.{w:03d}W", "PABV"), ("X-PRESS ANNAPURNA V.26{w:02d}W", "XPRS")),
        weight=9,
    ),
    _cust(
        "AL NOOR",
        "AL NOOR FOODSTUFF TRADING LLC",
        "Warehouse 21, Al Aweer Central Fruit Market, Dubai, UAE",
        "AE",
        "Ahmed Khan",
        "ahmed@alnoor.example.ae",
        "T/T 20% deposit, 80% against B/L copy",
        "DHL",
        "",
        "AL NOOR FOODSTUFF TRADING LLC, DUBAI",
        method="TT_BALANCE",
        deposit_pct=20,
        pod="JEBEL ALI, UAE",
        courier="DHL",
        products=_APPLES + ("KORLA 100",),
        sizes=(1, 2, 2),
        manager="李娜",
        vessels=(
            ("COSCO PRIDE V.{w:03d}W", "COSU64"),
            ("CMA CGM JEBEL ALI V.0FM{w:02d}W1", "CMDUQIN"),
        ),
        weight=10,
    ),
    _cust(
        "HOLLANDFRESH",
        "HOLLAND FRESH IMPORT B.V.",
        "Marconistraat 16, 3029 AK Rotterdam, Netherlands",
        "NL",
        "Jan de Vries",
        "j.devries@hollandfresh.example.nl",
        "O/A 30 days",
        "TNT",
        "",
        "HOLLAND FRESH IMPORT B.V., ROTTERDAM",
        method="OA",
        currency="EUR",
        pod="ROTTERDAM, NETHERLANDS",
        courier="TNT",
        products=("FUJI 80", "GALA 100", "KORLA 100"),
        sizes=(1, 1, 2),
        manager="张伟",
        vessels=(
            ("MSC ANNA V.FE6{w:02d}W", "MEDUQD"),
            ("CMA CGM MARCO POLO V.0FM{w:02d}W1", "CMDUQIN"),
        ),
        weight=8,
    ),
    _cust(
        "BANGKOK CITY",
        "BANGKOK CITY FRUIT MARKET CO., LTD.",
        "88 Talad Thai, Khlong Luang, Pathum Thani 12120, Thailand",
        "TH",
        "Preecha Srisuk",
        "preecha@bkkcity.example.th",
        "O/A 30 days",
        "DHL",
        "",
        "SAME AS CONSIGNEE",
        method="OA",
        pod="LAEM CHABANG, THAILAND",
        courier="DHL",
        products=("YA 72", "YA 80", "KORLA 100"),
        sizes=(1, 1, 2),
        manager="李娜",
        vessels=(
            ("KMTC BANGKOK V.26{w:02d}S", "KMTCQDLC"),
            ("SITC BANGKOK V.{w:03d}S", "SITGQDLC"),
        ),
        weight=6,
    ),
)

#: 产品: product, spec, kg/carton, cartons per 20RF / 40RH, temp range, ventilation, HS code.
PRODUCTS: dict[str, dict[str, Any]] = {
    "FUJI 80": dict(
        product="FUJI APPLE",
        spec="80#",
        kg_per_carton=18.0,
        cartons_per_20RF=540,
        cartons_per_40RH=1200,
        temp_min_c=-1.0,
        temp_max_c=1.0,
        ventilation="15 CBM/H",
        hs_code="0808100000",
    ),
    "FUJI 88": dict(
        product="FUJI APPLE",
        spec="88#",
        kg_per_carton=18.0,
        cartons_per_20RF=540,
        cartons_per_40RH=1200,
        temp_min_c=-1.0,
        temp_max_c=1.0,
        ventilation="15 CBM/H",
        hs_code="0808100000",
    ),
    "FUJI 100": dict(
        product="FUJI APPLE",
        spec="100#",
        kg_per_carton=18.0,
        cartons_per_20RF=540,
        cartons_per_40RH=1200,
        temp_min_c=-1.0,
        temp_max_c=1.0,
        ventilation="15 CBM/H",
        hs_code="0808100000",
    ),
    "FUJI 113": dict(
        product="FUJI APPLE",
        spec="113#",
        kg_per_carton=18.0,
        cartons_per_20RF=540,
        cartons_per_40RH=1200,
        temp_min_c=-1.0,
        temp_max_c=1.0,
        ventilation="15 CBM/H",
        hs_code="0808100000",
    ),
    "GALA 100": dict(
        product="GALA APPLE",
        spec="100#",
        kg_per_carton=18.0,
        cartons_per_20RF=540,
        cartons_per_40RH=1176,
        temp_min_c=-1.0,
        temp_max_c=1.0,
        ventilation="20 CBM/H",
        hs_code="0808100000",
    ),
    "GALA 113": dict(
        product="GALA APPLE",
        spec="113#",
        kg_per_carton=18.0,
        cartons_per_20RF=540,
        cartons_per_40RH=1176,
        temp_min_c=-1.0,
        temp_max_c=1.0,
        ventilation="20 CBM/H",
        hs_code="0808100000",
    ),
    "YA 72": dict(
        product="YA PEAR",
        spec="72#",
        kg_per_carton=20.0,
        cartons_per_20RF=480,
        cartons_per_40RH=1050,
        temp_min_c=0.0,
        temp_max_c=1.0,
        ventilation="10 CBM/H",
        hs_code="0808301000",
    ),
    "YA 80": dict(
        product="YA PEAR",
        spec="80#",
        kg_per_carton=20.0,
        cartons_per_20RF=480,
        cartons_per_40RH=1050,
        temp_min_c=0.0,
        temp_max_c=1.0,
        ventilation="10 CBM/H",
        hs_code="0808301000",
    ),
    "KORLA 100": dict(
        product="FRAGRANT PEAR",
        spec="100#",
        kg_per_carton=18.0,
        cartons_per_20RF=520,
        cartons_per_40RH=1150,
        temp_min_c=-1.0,
        temp_max_c=0.5,
        ventilation="10 CBM/H",
        hs_code="0808302000",
    ),
}

#: Unit price per carton in USD by product key; other currencies scale by _FX.
_PRICE_USD: dict[str, float] = {
    "FUJI 80": 27.5,
    "FUJI 88": 26.0,
    "FUJI 100": 24.0,
    "FUJI 113": 22.5,
    "GALA 100": 21.0,
    "GALA 113": 20.0,
    "YA 72": 16.5,
    "YA 80": 15.5,
    "KORLA 100": 23.0,
}
_FX = {"USD": 1.0, "EUR": 0.92, "CNY": 7.1}
_TARE_KG = {18.0: 1.2, 20.0: 1.3}  # carton + tray + liner per box
_TEMPS = {
    "FUJI APPLE": (0.0, -0.5, 0.5, 0.0),
    "GALA APPLE": (0.0, 0.5),
    "YA PEAR": (0.5, 1.0),
    "FRAGRANT PEAR": (-0.5, 0.0, -1.0),
}
_REEFER_OWNERS = ("MNBU", "CXRU", "TRIU", "SZLU", "OOLU", "TTNU", "CAIU", "SEGU", "TGHU", "CGMU")
_REMARKS = (
    "",
    "",
    "",
    "",
    "",
    "",
    "客户要求加贴中文标签",
    "CA库货",
    "植检证注明冷处理",
    "唛头用客户提供的",
    "托盘加角护",
)
_ASEAN = ("ID", "VN", "TH", "MY", "PH")  # Form E (China–ASEAN FTA) certificates of origin


# ----------------------------------------------------------------------------- order planning


def _workday(d: date) -> date:
    """Contracts and bank dates fall on weekdays: move a weekend day to Monday."""
    while d.weekday() >= 5:
        d += timedelta(days=1)
    return d


def _digits(rng: random.Random, n: int, first_nonzero: bool = True) -> str:
    first = str(rng.randint(1, 9)) if first_nonzero else str(rng.randint(0, 9))
    return first + "".join(str(rng.randint(0, 9)) for _ in range(n - 1))


def _container_no(rng: random.Random) -> str:
    prefix = rng.choice(_REEFER_OWNERS) + _digits(rng, 6, first_nonzero=False)
    return prefix + str(check_digit(prefix))


def _tracking(rng: random.Random, courier: str) -> str:
    if courier == "DHL":
        return _digits(rng, 10)
    if courier == "TNT":
        return _digits(rng, 9)
    if courier == "EMS":
        return "E" + rng.choice("ABCDEFGHLMNRSTV") + _digits(rng, 9) + "CN"
    return _digits(rng, 12)


def _remark(rng: random.Random, cust: _Cust) -> str | None:
    """A remark that fits the buyer: Form E only to ASEAN, own insurance only when not CIF."""
    extra: tuple[str, ...] = ()
    if cust.row["country"] in _ASEAN:
        extra += ("需要Form E",)
    if cust.incoterm in ("CFR", "FOB"):
        extra += ("客户自订保险",)
    return rng.choice(_REMARKS + extra) or None


@dataclass
class _Order:
    """One order's full timeline before the as-of cut; values keyed by schema column key."""

    v: dict[str, Any]
    method: str
    cust: _Cust
    prod_key: str
    deposit: float = 0.0
    pay_dates: list[tuple[date, float]] = field(default_factory=list)  # planned receipts
    docs_ready: date | None = None


def _plan(
    seq: int,
    width: int,
    contract_date: date,
    cust: _Cust,
    prod_key: str,
    rng: random.Random,
    etd: date | None = None,
) -> _Order:
    """Plan an order from contract to cash; every date is on or before what the terms allow."""
    p = PRODUCTS[prod_key]
    c = contract_date
    ctype = cust.container_type
    n_cont = rng.choice(cust.sizes)
    cap = p["cartons_per_20RF"] if ctype == "20RF" else p["cartons_per_40RH"]
    cartons = n_cont * cap - rng.choice((0, 0, 0, 0, 20, 40, 50))
    kg = p["kg_per_carton"]
    net = round(cartons * kg, 2)
    gross = round(cartons * (kg + _TARE_KG.get(kg, 1.2)), 2)
    price = round(
        _PRICE_USD[prod_key] * _FX[cust.currency] * rng.choice((0.96, 0.98, 1.0, 1.0, 1.02, 1.05)),
        2,
    )
    amount = round(cartons * price, 2)
    if etd is None:
        etd = _workday(c + timedelta(days=rng.randint(12, 35)))
    bl = etd + timedelta(days=rng.choice((0, 0, 0, 1, 1, 2)))
    no = f"{_PREFIX}{YEAR % 100}-{seq:0{width}d}"
    vessel_stem, bl_prefix = rng.choice(cust.vessels)
    week = int(etd.strftime("%W")) + 1
    vessel = vessel_stem.format(w=week if "{w:02d}" in vessel_stem else 100 + week)
    n_digits = 12 - len(bl_prefix) if len(bl_prefix) < 12 else 6
    courier = cust.courier
    v: dict[str, Any] = {
        "contract_no": no,
        "contract_date": c,
        "customer": cust.row["customer"],
        "sales_manager": cust.manager,
        "product": p["product"],
        "spec": p["spec"],
        "kg_per_carton": kg,
        "cartons": cartons,
        "net_weight_kg": net,
        "gross_weight_kg": gross,
        "container_type": ctype,
        "containers": n_cont,
        "container_nos": " / ".join(_container_no(rng) for _ in range(n_cont))
        if n_cont > 1
        else _container_no(rng),
        "temperature_c": rng.choice(_TEMPS[p["product"]]),
        "ventilation": p["ventilation"],
        "currency": cust.currency,
        "unit_price": price,
        "amount": amount,
        "incoterm": cust.incoterm,
        "port_of_loading": rng.choice(cust.pol),
        "port_of_discharge": cust.pod,
        "payment_terms": cust.row["default_payment_terms"],
        "instruction_no": f"ZL{YEAR % 100}-{seq:0{width}d}",
        "etd": etd,
        # two weeks at sea: before any D/P or D/A presentation (docs ready + 14), so the
        # ETA never moves the sample's due dates
        "eta": etd + timedelta(days=14),
        "vessel_voyage": vessel,
        "bl_no": bl_prefix + _digits(rng, max(n_digits, 6)),
        "bl_date": bl,
        "phyto_cert_no": "3706000" + f"{YEAR % 100}" + _digits(rng, 6, first_nonzero=False),
        "co_no": ("E" if cust.row["country"] in _ASEAN else "C")
        + f"{YEAR % 100}3706"
        + _digits(rng, 5, first_nonzero=False),
        "invoice_no": f"{_PREFIX}-INV{YEAR % 100}{seq:0{width}d}",
        "invoice_date": max(bl - timedelta(days=rng.choice((0, 0, 1, 2))), c),
        "dispatch_method": courier if courier else "银行",
        "tracking_no": _tracking(rng, courier) if courier else None,
        "collecting_bank": cust.row["collecting_bank"] if cust.method in ("DP", "DA") else None,
        "due_date": None,
        "remarks": _remark(rng, cust),
    }
    o = _Order(v=v, method=cust.method, cust=cust, prod_key=prod_key)
    if cust.method in ("LC_SIGHT", "LC_USANCE"):
        latest = etd + timedelta(days=rng.randint(7, 20))
        v["lc_no"] = (
            ("ILC" + _digits(rng, 9))
            if cust.method == "LC_SIGHT"
            else ("0021" + f"{YEAR % 100}" + _digits(rng, 7, first_nonzero=False))
        )
        v["latest_shipment"] = latest
        v["lc_expiry"] = latest + timedelta(days=rng.choice((15, 21)))
    ready = bl + timedelta(days=rng.randint(3, 8))  # B/L originals, phyto, C/O in hand
    m = cust.method
    if m == "TT_ADVANCE":
        o.pay_dates = [
            (max(etd - timedelta(days=rng.randint(2, 7)), c + timedelta(days=1)), amount)
        ]
        o.docs_ready = ready
    elif m == "TT_BALANCE":
        o.deposit = round(amount * cust.deposit_pct / 100, 2)
        bal_day = bl + timedelta(days=rng.randint(1, 6))
        o.pay_dates = [
            (c + timedelta(days=rng.randint(2, 6)), o.deposit),
            (bal_day, round(amount - o.deposit, 2)),
        ]
        o.docs_ready = max(ready, bal_day + timedelta(days=rng.randint(1, 2)))
    elif m == "DP":
        o.docs_ready = ready
        o.pay_dates = [(ready + timedelta(days=rng.randint(7, 14)), amount)]
    elif m == "DA":
        o.docs_ready = ready
        o.pay_dates = [(ready + timedelta(days=74 - rng.randint(0, 5)), amount)]
    elif m == "LC_SIGHT":
        o.docs_ready = ready
        o.pay_dates = [(ready + timedelta(days=rng.randint(6, 11)), amount)]
    elif m == "LC_USANCE":
        o.docs_ready = ready
        o.pay_dates = [(bl + timedelta(days=90 - rng.randint(0, 2)), amount)]
    else:  # OA
        o.docs_ready = ready
        o.pay_dates = [(bl + timedelta(days=30 - rng.randint(0, 4)), amount)]
    return o


_SHIPPING_KEYS = (
    "container_nos",
    "bl_no",
    "bl_date",
    "phyto_cert_no",
    "co_no",
    "invoice_no",
    "invoice_date",
)
_DOCS_KEYS = ("docs_sent_date", "tracking_no")


def _cut(o: _Order, as_of: date) -> dict[str, Any]:
    """The row as the merchandiser's sheet shows it on ``as_of``: nothing from the future."""
    v = dict(o.v)
    shipped = v["bl_date"] <= as_of
    booked = v["etd"] - timedelta(days=14) <= as_of
    if not shipped:
        for k in _SHIPPING_KEYS + _DOCS_KEYS:
            v[k] = None
        if not booked:
            v["etd"] = v["eta"] = v["vessel_voyage"] = None
    docs_sent = o.docs_ready if shipped and o.docs_ready and o.docs_ready <= as_of else None
    if docs_sent is None:  # how the documents go is filled in when they go
        v["tracking_no"] = v["dispatch_method"] = None
    v["docs_sent_date"] = docs_sent
    # the shipping advice goes the day after the B/L; the last few days' are not recorded yet
    advised = v["bl_date"] + timedelta(days=1) if shipped else None
    v["shipping_advice_date"] = (
        advised if advised is not None and advised <= as_of - timedelta(days=3) else None
    )
    if o.method == "OA" and shipped and o.cust.currency == "EUR":
        v["due_date"] = v["bl_date"] + timedelta(days=30)  # typed from the buyer's statement
    received = 0.0
    last: date | None = None
    for day, amt in o.pay_dates:
        needs_docs = o.method in ("DP", "DA", "LC_SIGHT", "LC_USANCE", "OA")
        if day <= as_of and (not needs_docs or docs_sent is not None):
            if o.method == "TT_BALANCE" and amt != o.deposit and not shipped:
                continue
            received += amt
            last = day
    received = round(received, 2)
    v["received_amount"] = received if received else None
    v["received_date"] = last
    v["status"] = _status(v, as_of)
    return v


def _status(v: dict[str, Any], as_of: date) -> str:
    """The status a careful merchandiser would have set for this row on ``as_of``."""
    amount = v["amount"] if isinstance(v["amount"], (int, float)) else 0
    received = v.get("received_amount") or 0
    if v.get("bl_date") is None:
        if v.get("etd") is not None:
            return "已订舱"
        return "生产中" if v["contract_date"] + timedelta(days=7) <= as_of else "已签约"
    if v.get("docs_sent_date") is None:
        return "已装船"
    if amount - received > 0.01:
        return "已寄单"
    paid_on = v.get("received_date")
    return "已收款" if paid_on and (as_of - paid_on).days <= 30 else "已结案"


def _contract_dates(rng: random.Random, n: int, last: date) -> list[date]:
    start = date(YEAR, 1, 5)
    span = (last - start).days
    dates = sorted(_workday(start + timedelta(days=rng.randint(0, span))) for _ in range(n))
    if dates and last.weekday() < 5:
        dates[-1] = last  # one contract signed this week, still 已签约
    return dates


def _choose_customer(rng: random.Random) -> _Cust:
    return rng.choices(CUSTOMERS, weights=[c.weight for c in CUSTOMERS])[0]


def _plans(n: int, seed: int, as_of: date) -> list[_Order]:
    rng = random.Random(seed)
    width = max(3, len(str(n)))
    dates = _contract_dates(rng, n, min(as_of - timedelta(days=2), date(YEAR, 12, 20)))
    orders = []
    for i, c in enumerate(dates, start=1):
        cust = _choose_customer(rng)
        orders.append(_plan(i, width, c, cust, rng.choice(cust.products), rng))
    return orders


# ----------------------------------------------------------------------------- fast path


_POOL = 2000  # distinct planned orders the benchmark rows are cycled from


def _clean_dicts(n: int, seed: int, as_of: date) -> Iterator[dict[str, Any]]:
    """``n`` clean rows.  Up to ``_POOL`` they are planned one by one; beyond that the pool's
    rows are reused with fresh contract, instruction, B/L and invoice numbers, which keeps
    every row internally consistent and unique keys unique at a fraction of the cost."""
    pool = [_cut(o, as_of) for o in _plans(min(n, _POOL), seed, as_of)]
    if n <= _POOL:
        yield from pool
        return
    width = len(str(n))
    yy = YEAR % 100
    for i in range(n):
        v = dict(pool[i % _POOL])
        seq = f"{i + 1:0{width}d}"
        v["contract_no"] = f"{_PREFIX}{yy}-{seq}"
        v["instruction_no"] = f"ZL{yy}-{seq}"
        if v["bl_no"]:
            v["bl_no"] = f"{v['bl_no'][:4]}{yy}{seq}"
        if v["invoice_no"]:
            v["invoice_no"] = f"{_PREFIX}-INV{yy}{seq}"
        yield v


def build_master_rows(
    n: int, seed: int = 2026, schema: Schema | None = None, as_of: date = AS_OF
) -> list[list[Any]]:
    """``n`` clean orders as value lists in the schema's master column order (no header).

    The benchmark path: the sample's generator without planted defects.  Columns the
    generator does not know (a user's extra columns) come out blank."""
    schema = schema or load_schema()
    keys = [c.key for c in schema.master.columns]
    return [[v.get(k) for k in keys] for v in _clean_dicts(n, seed, as_of)]
