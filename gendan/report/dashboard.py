"""The sales manager's view (看板): what the dashboard sheet's tables hold, computed from the
master rows.  Pure Python, no workbook code: :mod:`gendan.report.dashboard_sheet` lays the blocks
out as cells and native Excel charts.

Why a manager's view needs its own module: the merchandiser's weekly summary to the sales
manager (生产进度、客户提货和付款) is today made by hand from the 工作序列表.  Each
:class:`Block` is one table on the sheet and, where ``chart`` says so, one chart over it.

Rules the numbers follow (each tested against hand-computed cases):

- stage: :func:`gendan.rules.stages.order_stages` (one answer for check, overdue and this);
- shipped: a B/L date on or before the as-of date; month = the B/L date's month;
- on time: shipped on or before the row's latest shipment date (最迟装运期: the
  contract's or the L/C's); rows without one are not judged;
- receivables: the ``open`` lines of :func:`gendan.rules.receivables.receivables_book` (debts for
  goods shipped), per customer and currency, by aging bucket; overdue: days overdue > 0;
- amounts are never added across currencies: every amount series is one currency's.
- several master sheets (one per year): every row of every sheet counts once.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from gendan.model.errors import InputError
from gendan.rules.receivables import receivables_book
from gendan.rules.stages import CLOSED, PAID, order_stages

if TYPE_CHECKING:
    from gendan.model.schema import Schema
    from gendan.read.tables import Tables

#: the label of amounts whose row has no currency (never added to a named currency)
NO_CURRENCY = "无币种 none"
#: number formats of the cells (Excel built-in ids: 3 "#,##0", 4 "#,##0.00", 10 "0.00%")
COUNT, MONEY, PERCENT, TEXT, DATE = "count", "money", "percent", "text", "date"


@dataclass(frozen=True, slots=True)
class Series:
    """One column of a block's table: its header and a value per category."""

    name: str
    values: tuple[float | str | None, ...]
    kind: str = COUNT  # COUNT | MONEY | PERCENT | TEXT | DATE (date: ISO text)
    charted: bool = True


@dataclass(frozen=True, slots=True)
class Block:
    """One table (categories down, series across) and the chart drawn over it.

    ``chart``: "bar" (horizontal), "col" (vertical), "stacked" (horizontal, stacked) or
    "" (a table only)."""

    key: str
    title: str
    category_header: str
    categories: tuple[str, ...]
    series: tuple[Series, ...]
    chart: str = "col"

    def charted(self) -> list[Series]:
        return [s for s in self.series if s.charted]


@dataclass(frozen=True)
class Dashboard:
    """Every block of the sheet, in the order the sheet shows them."""

    as_of: dt.date
    sheets: tuple[str, ...]
    blocks: tuple[Block, ...] = field(default_factory=tuple)
    #: the reader's notes (blank formulas, error values …): the figures are built on them too
    notes: tuple[str, ...] = ()

    def block(self, key: str) -> Block:
        return next(b for b in self.blocks if b.key == key)


def _cur(v: object) -> str:
    return str(v) if v not in (None, "") else NO_CURRENCY


def _month(d: dt.date) -> str:
    return f"{d.year:04d}-{d.month:02d}"


def _months_back(as_of: dt.date, n: int) -> list[str]:
    """The ``n`` months up to ``as_of``'s, oldest first."""
    y, m = as_of.year, as_of.month
    out = []
    for _ in range(n):
        out.append(f"{y:04d}-{m:02d}")
        m -= 1
        if m == 0:
            y, m = y - 1, 12
    return out[::-1]


_K = TypeVar("_K", contravariant=True)


class _Amounts(Protocol[_K]):
    """Amounts of one currency by column key (a month, a stage's index, a salesperson)."""

    def __getitem__(self, key: _K, /) -> float: ...


class _Sums(dict[str, float]):
    """Money summed per key: like a Counter (a key never added reads as 0 and is not
    stored), but of amounts (collections.Counter is typed as counting whole numbers)."""

    def __missing__(self, key: str) -> float:
        return 0


def _sorted_currencies(counter: Counter[str] | dict[str, float]) -> list[str]:
    """Currencies by how much they are used (ties by name), the row without one last."""
    return sorted(counter, key=lambda c: (c == NO_CURRENCY, -abs(counter[c]), c))


def on_time(bl: dt.date | None, latest: dt.date | None, as_of: dt.date) -> bool | None:
    """Was the row shipped on time?  None when it is not judged (not shipped by ``as_of``
    or no latest shipment date)."""
    if bl is None or latest is None or bl > as_of:
        return None
    return bl <= latest


def build_dashboard(tables: Tables, schema: Schema, as_of: dt.date, months: int = 12) -> Dashboard:
    """The dashboard of every master sheet of ``tables`` on ``as_of`` (``months``: how many
    months the per-month blocks show, ending with ``as_of``'s)."""
    stage_names = [f"{s.zh} {s.en}" for s in schema.stages]
    stage_count = [0] * len(stage_names)
    stage_amount: dict[str, list[float]] = defaultdict(lambda: [0.0] * len(stage_names))
    cur_use: Counter[str] = Counter()
    month_keys = _months_back(as_of, months)
    ship_count: Counter[str] = Counter()
    ship_amount: dict[str, _Sums] = defaultdict(_Sums)
    judged_m: Counter[str] = Counter()
    ontime_m: Counter[str] = Counter()
    judged_c: Counter[str] = Counter()
    ontime_c: Counter[str] = Counter()
    sales_open: Counter[str] = Counter()
    sales_shipped: dict[str, _Sums] = defaultdict(_Sums)
    sales_overdue: dict[str, _Sums] = defaultdict(_Sums)
    sales_names: list[str] = []
    recv: dict[tuple[str, str], _Sums] = defaultdict(_Sums)
    overdue_items: list[tuple[float, str, str, str, float, int, str]] = []
    no_sales = "（未填 none）"

    for t in tables.each():
        m = t.master
        st = order_stages(m, schema, as_of)
        amount, currency, customer = m.column("amount"), m.column("currency"), m.column("customer")
        bl, latest, sales = (
            m.column("bl_date"),
            m.column("latest_shipment"),
            m.column("sales_manager"),
        )
        has_sales = m.has("sales_manager")
        for i in range(m.n):
            cur = _cur(currency[i])
            a = amount[i] if isinstance(amount[i], (int, float)) else None
            s = st.stage[i]
            stage_count[s] += 1
            if a is not None:
                stage_amount[cur][s] += a
                cur_use[cur] += 1
            who = (str(sales[i]) if sales[i] not in (None, "") else no_sales) if has_sales else None
            if who is not None and who not in sales_names:
                sales_names.append(who)
            if who is not None and s < PAID and s != CLOSED:
                sales_open[who] += 1
            b = bl[i]
            if b is not None and b <= as_of:
                mk = _month(b)
                if mk in month_keys:
                    ship_count[mk] += 1
                    if a is not None:
                        ship_amount[cur][mk] += a
                if who is not None and a is not None:
                    sales_shipped[cur][who] += a
            ok = on_time(b, latest[i], as_of)
            if ok is not None:
                cname = str(customer[i]) if customer[i] not in (None, "") else no_sales
                judged_c[cname] += 1
                ontime_c[cname] += ok
                mk = _month(b)
                judged_m[mk] += 1
                ontime_m[mk] += ok
        book = receivables_book(t, schema, as_of)
        for r in book.open:
            cur = _cur(r.currency)
            cust = r.customer or no_sales
            recv[(cust, cur)][r.bucket] += r.outstanding
            if r.overdue_amount > 0:
                overdue_items.append(
                    (
                        r.overdue_amount,
                        str(r.contract_no or ""),
                        cust,
                        cur,
                        r.overdue_amount,
                        r.days_overdue or 0,
                        r.due_date.isoformat() if r.due_date else "",
                    )
                )
                if has_sales:
                    i = r.index
                    who = str(sales[i]) if sales[i] not in (None, "") else no_sales
                    sales_overdue[cur][who] += r.overdue_amount

    currencies = _sorted_currencies(cur_use)
    rates = dict(schema.settings.rates) or company_rates(tables.company.get("exchange_rates"))
    total_name = f"合计 Total {rates.get('base', '')}"

    def totals(per_cur: Mapping[str, _Amounts[_K]], keys: Sequence[_K]) -> tuple[Series, ...]:
        """A total column in the base currency, only with a rate table (blank where a
        currency of the row has no rate)."""
        if not rates:
            return ()
        vals = [to_base({c: per_cur[c][k] for c in per_cur if per_cur[c][k]}, rates) for k in keys]
        return (Series(total_name, tuple(vals), MONEY, charted=False),)

    blocks: list[Block] = []
    blocks.append(
        Block(
            "stage_count",
            "订单阶段（单数） Orders by stage (count)",
            "阶段 Stage",
            tuple(stage_names),
            (Series("订单数 Orders", tuple(stage_count)),),
            chart="bar",
        )
    )
    blocks.append(
        Block(
            "stage_amount",
            "订单阶段（金额，分币种） Orders by stage (amount per currency)",
            "阶段 Stage",
            tuple(stage_names),
            tuple(Series(c, tuple(round(v, 2) for v in stage_amount[c]), MONEY) for c in currencies)
            + totals(stage_amount, range(len(stage_names))),
            chart="bar",
        )
    )
    ship_curs = [c for c in currencies if any(ship_amount[c].values())]
    blocks.append(
        Block(
            "shipments",
            "每月出运（提单日期，分币种） Shipments per month (B/L date, per currency)",
            "月份 Month",
            tuple(month_keys),
            (
                Series(
                    "票数 Shipments", tuple(ship_count[k] for k in month_keys), COUNT, charted=False
                ),
            )
            + tuple(
                Series(c, tuple(round(ship_amount[c][k], 2) for k in month_keys), MONEY)
                for c in ship_curs
            )
            + totals(ship_amount, month_keys),
            chart="col",
        )
    )
    buckets = ["current"] + _bucket_labels(schema.settings.aging_buckets) + ["unknown"]
    used_buckets = [b for b in buckets if any(v.get(b) for v in recv.values())] or ["current"]
    keys = sorted(recv, key=lambda k: (k[1] == NO_CURRENCY, k[1], -sum(recv[k].values()), k[0]))
    blocks.append(
        Block(
            "receivables",
            "应收账款（按客户、币种、账龄） Receivables by customer and aging",
            "客户 币种 Customer currency",
            tuple(f"{c} {cur}" for c, cur in keys),
            tuple(
                Series(_bucket_title(b), tuple(round(recv[k].get(b, 0.0), 2) for k in keys), MONEY)
                for b in used_buckets
            ),
            chart="stacked",
        )
    )

    def size(x: tuple[float, str, str, str, float, int, str]) -> float:
        """An item's size for the ranking: in the base currency with a rate table, else
        its own amount (the list shows each in its own currency either way)."""
        v = to_base({x[3]: x[0]}, rates) if rates else None
        return x[0] if v is None else v

    top = sorted(overdue_items, key=lambda x: (x[3] == NO_CURRENCY, -size(x), x[1]))[:10]
    blocks.append(
        Block(
            "top_overdue",
            "逾期最多的十笔（各币种金额按原币） Ten largest overdue items (own currency)",
            "合同号 Contract",
            tuple(x[1] for x in top),
            (
                Series("客户 Customer", tuple(x[2] for x in top), TEXT, False),
                Series("币种 Currency", tuple(x[3] for x in top), TEXT, False),
                Series("逾期金额 Overdue", tuple(round(x[4], 2) for x in top), MONEY, False),
                Series("逾期天数 Days", tuple(x[5] for x in top), COUNT, False),
                Series("到期日 Due", tuple(x[6] for x in top), TEXT, False),
            ),
            chart="",
        )
    )
    blocks.append(
        Block(
            "ontime_month",
            "准时出运率（按月） On-time shipment rate per month",
            "月份 Month",
            tuple(month_keys),
            (
                Series("已判定 Judged", tuple(judged_m[k] for k in month_keys), COUNT, False),
                Series("准时 On time", tuple(ontime_m[k] for k in month_keys), COUNT, False),
                Series(
                    "准时率 On-time rate",
                    tuple(_rate(ontime_m[k], judged_m[k]) for k in month_keys),
                    PERCENT,
                ),
            ),
            chart="col",
        )
    )
    custs = sorted(judged_c, key=lambda c: (-judged_c[c], c))
    blocks.append(
        Block(
            "ontime_customer",
            "准时出运率（按客户） On-time shipment rate per customer",
            "客户 Customer",
            tuple(custs),
            (
                Series("已判定 Judged", tuple(judged_c[c] for c in custs), COUNT, False),
                Series("准时 On time", tuple(ontime_c[c] for c in custs), COUNT, False),
                Series(
                    "准时率 On-time rate",
                    tuple(_rate(ontime_c[c], judged_c[c]) for c in custs),
                    PERCENT,
                ),
            ),
            chart="bar",
        )
    )
    if sales_names:
        sales_names.sort(key=lambda w: (w == no_sales, w))
        ser = [Series("在手订单 Open orders", tuple(sales_open[w] for w in sales_names), COUNT)]
        ser += [
            Series(
                f"已出运 Shipped {c}",
                tuple(round(sales_shipped[c][w], 2) for w in sales_names),
                MONEY,
                False,
            )
            for c in currencies
            if any(sales_shipped[c].values())
        ]
        ser += [
            Series(
                f"逾期 Overdue {c}",
                tuple(round(sales_overdue[c][w], 2) for w in sales_names),
                MONEY,
                False,
            )
            for c in currencies
            if any(sales_overdue[c].values())
        ]
        ser += [
            Series(f"{s.name} 已出运 shipped", s.values, MONEY, False)
            for s in totals(sales_shipped, sales_names)
        ]
        ser += [
            Series(f"{s.name} 逾期 overdue", s.values, MONEY, False)
            for s in totals(sales_overdue, sales_names)
        ]
        blocks.append(
            Block(
                "sales",
                "业务员 Per salesperson",
                "业务员 Salesperson",
                tuple(sales_names),
                tuple(ser),
                chart="col",
            )
        )
    return Dashboard(as_of, tuple(tables.sheets), tuple(blocks), tuple(tables.notes))


_RATE = re.compile(r"^([A-Za-z]{3})\s*[=:：]?\s*([0-9]+(?:\.[0-9]+)?)?$")


def company_rates(text: str | None) -> dict[str, Any]:
    """The 公司 sheet's 汇率 cell, ``CNY; USD 7.10; EUR 7.75`` (the base currency first,
    alone or at 1; ``USD=7.1`` and ``USD: 7.1`` too), as the ``settings.rates`` mapping.
    Anything else is refused in one sentence: a total from a misread rate would be wrong
    without anyone noticing."""
    if not text or not str(text).strip():
        return {}
    out: dict[str, Any] = {}
    for part in re.split(r"[,;，；、\n]+", str(text).strip()):
        part = part.strip()
        if not part:
            continue
        m = _RATE.match(part)
        rate = float(m.group(2)) if m and m.group(2) else None
        if m is None or (out and (rate is None or rate <= 0)):
            raise InputError(
                f"The exchange rates on the company sheet ('{text}') are not like 'CNY; USD 7.10; EUR 7.75'.",
                f"公司表的汇率（'{text}'）格式不对，应为「CNY; USD 7.10; EUR 7.75」。",
            )
        cur = m.group(1).upper()
        if not out:
            out["base"] = cur
        else:
            out[cur] = rate
    return out


def to_base(amounts: dict[str, float], rates: dict[str, Any]) -> float | None:
    """``amounts`` (currency → amount) added up in the rate table's base currency; None
    when a currency has no rate (an amount is never added in a currency it is not in)."""
    base = rates.get("base")
    total = 0.0
    for cur, a in amounts.items():
        if cur == base:
            total += a
        elif isinstance(rates.get(cur), (int, float)):
            total += a * float(rates[cur])
        else:
            return None
    return round(total, 2)


def _rate(on: int, judged: int) -> float | None:
    return None if judged == 0 else round(on / judged, 4)


def _bucket_labels(edges: Sequence[int]) -> list[str]:
    out, low = [], 1
    for e in edges:
        out.append(f"{low}-{e}")
        low = e + 1
    out.append(f">{edges[-1]}")
    return out


def _bucket_title(b: str) -> str:
    if b == "current":
        return "未到期 Not due"
    if b == "unknown":
        return "到期日未知 Due unknown"
    return f"逾期 {b} 天 days"
