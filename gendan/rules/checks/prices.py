"""``price-outlier``: a unit price far from the book's own other prices for the same goods.

A price typed one tenth of the real one passes every arithmetic rule (the amount formula
follows it), but the book itself knows better: the same customer has bought the same
product and size at about the same price many times.  The comparison is robust, so a few
odd prices among the others do not hide the typo nor make the others look odd:

- the others are the same customer's prices for the same product and spec in the same
  currency; when there are fewer than ``min_others`` of them, every customer's;
- with fewer than ``min_others`` others nothing is said (too little history);
- a price is flagged when it is more than ``z`` robust standard deviations (1.4826 × the
  median absolute deviation) from the others' median AND at least ``ratio`` times above or
  below it: a seasonal rise of 20 % is never an outlier, a slipped digit always is.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from statistics import median

from gendan.model.findings import Finding
from gendan.model.normalize import norm
from gendan.model.schema import PriceOutlier
from gendan.model.values import money
from gendan.rules.checks.base import Context, check

_MAD_SCALE = 1.4826  # MAD × this estimates the standard deviation of normal data


def outlier(price: float, others: list[float], rule: PriceOutlier) -> float | None:
    """The others' median when ``price`` is an outlier among them, else None."""
    if len(others) < rule.min_others:
        return None
    mid = median(others)
    if mid <= 0 or price <= 0:
        return None
    if max(price / mid, mid / price) < rule.ratio:
        return None
    spread = _MAD_SCALE * median([abs(x - mid) for x in others])
    if spread > 0 and abs(price - mid) / spread <= rule.z:
        return None
    return mid


def _leave_one_out(values: list[float], rule: PriceOutlier) -> dict[int, float]:
    """Position in ``values`` → the others' median, for the values that are outliers among
    the rest.  Only values that could be (beyond ``ratio`` of the nearest possible
    leave-one-out medians) are worked out in full, so a group of thousands costs a sort."""
    n = len(values)
    if n - 1 < rule.min_others:
        return {}
    ordered = sorted(values)
    # the median of n-1 of the values lies between these two order statistics
    lo, hi = ordered[max((n - 1) // 2 - 1, 0)], ordered[min(n // 2 + 1, n - 1)]
    out = {}
    for k, p in enumerate(values):
        if p <= 0 or not (p >= rule.ratio * lo or p * rule.ratio <= hi):
            continue
        others = values[:k] + values[k + 1 :]
        mid = outlier(p, others, rule)
        if mid is not None:
            out[k] = mid
    return out


@check("prices", codes=("price-outlier",), cost=2)
def price_outlier(ctx: Context) -> Iterator[Finding]:
    m = ctx.master
    if not (m.has("unit_price") and m.has("product")):
        return
    rule = ctx.schema.settings.price_outlier
    price, product, spec = m.column("unit_price"), m.column("product"), m.column("spec")
    customer, currency = m.column("customer"), m.column("currency")

    def keys(column: list[object]) -> list[str]:
        """Normalised texts, worked out once per distinct value."""
        memo = {v: "" if v is None else norm(str(v)) for v in set(column)}
        return [memo[v] for v in column]

    ccy, prod, size, cust = keys(currency), keys(product), keys(spec), keys(customer)
    by_goods: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    by_customer: dict[tuple[str, str, str, str], list[int]] = defaultdict(list)
    for i, p in enumerate(price):
        if p is None or p <= 0 or product[i] is None:
            continue
        goods = (ccy[i], prod[i], size[i])
        by_goods[goods].append(i)
        by_customer[(cust[i], *goods)].append(i)
    found: dict[int, tuple[float, int, bool]] = {}  # row → (median, others, same customer)
    few: set[int] = set()  # rows whose customer has too few other prices of the goods
    for rows in by_customer.values():
        if len(rows) - 1 >= rule.min_others:
            for k, mid in _leave_one_out([price[i] for i in rows], rule).items():
                found[rows[k]] = (mid, len(rows) - 1, True)
        else:
            few.update(rows)
    for rows in by_goods.values():
        if not few.intersection(rows):
            continue
        for k, mid in _leave_one_out([price[i] for i in rows], rule).items():
            if rows[k] in few:
                found[rows[k]] = (mid, len(rows) - 1, False)
    for i in sorted(found):
        mid, n, same = found[i]
        p = price[i]
        label = f"{product[i]} {spec[i] or ''}".strip()
        factor = p / mid
        if factor >= 1:
            fz, fe = f"{factor:.1f} 倍", f"{factor:.1f} times"
        else:
            fz, fe = f"1/{1 / factor:.1f}", f"1/{1 / factor:.1f} of"
        scope_zh = f"客户 {customer[i]} 的 {label}" if same else label
        scope_en = f"{label} to {customer[i]}" if same else label
        yield ctx.finding(
            "price-outlier",
            m,
            "unit_price",
            i,
            value=money(p),
            median=money(mid),
            n=n,
            factor_zh=fz,
            factor_en=fe,
            scope_zh=scope_zh,
            scope_en=scope_en,
        )
