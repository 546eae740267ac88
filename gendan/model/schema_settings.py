"""The settings block of the schema (schemas/master.yaml ``settings:``): its dataclasses,
their parsing and checking, and the helpers that make a schema error name the YAML line.

Why a module of its own: gendan.model.schema grew past the 1000-line limit, and the
settings are the one cohesive part of it that depends on nothing else there (no sheet,
column or stage spec).  gendan.model.schema imports from here and re-exports the
dataclasses, so ``from gendan.model.schema import Settings`` keeps working; nothing here
imports gendan.model.schema (no import circle).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from gendan.model import yamldata
from gendan.model.errors import SchemaError
from gendan.model.normalize import norm


@dataclass(frozen=True)
class BankCharge:
    """How short a receipt may be and still count as bank charges: both limits hold."""

    max: float = 50.0
    max_pct: float = 0.5

    def limit(self, amount: float) -> float:
        return min(self.max, abs(amount) * self.max_pct / 100.0)


@dataclass(frozen=True)
class PriceOutlier:
    """When a unit price is far from the book's other prices for the same goods."""

    min_others: int = 4
    z: float = 5.0
    ratio: float = 3.0


#: The to-do rules' day counts (``settings.todo`` overrides any of them).
TODO_DEFAULTS: Mapping[str, int] = {
    "days": 7,  # the window: items due within this many days (``--days``)
    "docs_after_bl_days": 7,  # documents sent to the buyer/bank within this many days of the B/L
    "shipping_advice_days": 1,  # shipping advice to the buyer within this many days of the B/L
    "shipping_advice_window_days": 14,  # after this long (or after the ETA) an advice is moot
    "certificate_lead_days": 2,  # certificates ready this many days before the ETD
}


@dataclass(frozen=True)
class DunningLevel:
    level: str
    from_days: int


@dataclass(frozen=True)
class Settings:
    deposit_due_days: int = 7
    grace_days: int = 7
    collection_transit_days: int = 14
    lc_transit_days: int = 7
    lc_banking_days: int = 5
    lc_presentation_days: int = 21
    amount_tolerance: float = 0.01
    weight_tolerance_pct: float = 0.5
    kg_per_carton_tolerance: float = 0.01
    overdue_threshold: float = 0.01
    aging_buckets: tuple[int, ...] = (30, 60, 90)
    dunning_levels: tuple[DunningLevel, ...] = (
        DunningLevel("reminder", 1),
        DunningLevel("firm", 15),
        DunningLevel("final", 31),
        DunningLevel("escalate", 61),
    )
    upcoming_days: int = 7
    customers: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    severity: Mapping[str, str] = field(default_factory=dict)
    disabled: tuple[str, ...] = ()
    #: short receipts within these limits are bank charges: keyed by currency, "default"
    #: for the others (a customer may override a currency's line)
    bank_charges: Mapping[str, BankCharge] = field(
        default_factory=lambda: {"default": BankCharge()}
    )
    price_outlier: PriceOutlier = PriceOutlier()
    #: certificate column key -> words that name it in a required-documents cell
    certificates: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: day counts of the to-do rules (gendan.report.todo), see TODO_DEFAULTS
    todo: Mapping[str, int] = field(default_factory=lambda: dict(TODO_DEFAULTS))
    #: exchange rates for totals across currencies (gendan report): {base: CNY, USD: 7.1, …},
    #: each the value of one unit in the base currency; empty: amounts are never added up
    rates: Mapping[str, Any] = field(default_factory=dict)

    _DAY_FIELDS = (
        "deposit_due_days",
        "grace_days",
        "collection_transit_days",
        "lc_transit_days",
        "lc_banking_days",
        "lc_presentation_days",
    )

    def for_customer(self, customer: str | None) -> Settings:
        """The settings with that customer's overrides applied (matched after normalising)."""
        if not customer or not self.customers:
            return self
        wanted = norm(customer)
        for name, overrides in self.customers.items():
            if norm(name) == wanted:
                kw = dict(overrides)
                if "bank_charges" in kw:  # a customer's lines replace those currencies only
                    kw["bank_charges"] = {**self.bank_charges, **kw["bank_charges"]}
                return replace(self, **kw)
        return self

    def bank_charge_limit(self, currency: str | None, amount: float) -> float:
        """The most a receipt of ``amount`` in ``currency`` may be short by as bank charges."""
        bc = self.bank_charges.get(currency or "") or self.bank_charges.get("default")
        return bc.limit(amount) if bc is not None else 0.0


class _Ctx:
    """Where we are in the YAML, so errors can name the line and the key."""

    def __init__(self, path: Path, text: str | None) -> None:
        self.path = path
        self.text = text

    @property
    def root(self) -> yaml.Node | None:
        """The node tree, composed only when an error needs a line number."""
        if self.text is None:
            return None
        try:
            return yamldata.compose(self.text)
        except yaml.YAMLError:
            return None

    def fail(self, where: Sequence[str | int], what_en: str, what_zh: str) -> SchemaError:
        line = self._line(where)
        loc = f"{self.path}:{line}" if line else str(self.path)
        dotted = ".".join(str(w) for w in where) or "(top)"
        return SchemaError(
            f"Schema error in {loc} at '{dotted}': {what_en}.",
            f"规则文件错误 {loc}，位置 '{dotted}'：{what_zh}。",
        )

    def _line(self, where: Sequence[str | int]) -> int | None:
        node = self.root
        line = node.start_mark.line + 1 if node is not None else None
        for step in where:
            if isinstance(node, yaml.MappingNode):
                nxt = None
                for k, v in node.value:
                    if isinstance(k, yaml.ScalarNode) and k.value == str(step):
                        nxt = v
                        line = k.start_mark.line + 1
                        break
                node = nxt
            elif isinstance(node, yaml.SequenceNode) and isinstance(step, int):
                node = node.value[step] if step < len(node.value) else None
                if node is not None:
                    line = node.start_mark.line + 1
            else:
                node = None
            if node is None:
                break
        return line


def _no_unknown(
    ctx: _Ctx, where: list[str | int], raw: Mapping[str, Any], allowed: set[str]
) -> None:
    for k in raw:
        if k not in allowed:
            raise ctx.fail(
                where + [k],
                f"unknown rule or field '{k}' (allowed: {', '.join(sorted(allowed))})",
                f"未知的规则或字段 '{k}'（允许：{', '.join(sorted(allowed))}）",
            )


def _strs(ctx: _Ctx, where: list[str | int], value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return (str(value),)
    if isinstance(value, list) and all(isinstance(v, (str, int, float)) for v in value):
        return tuple(str(v) for v in value)
    raise ctx.fail(where, "expected a text or a list of texts", "应为文本或文本列表")


def _number(ctx: _Ctx, where: list[str | int], value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ctx.fail(where, "expected a number", "应为数字")
    return float(value)


_SETTINGS_INT = {
    "deposit_due_days",
    "grace_days",
    "collection_transit_days",
    "lc_transit_days",
    "lc_banking_days",
    "lc_presentation_days",
    "upcoming_days",
}
_SETTINGS_FLOAT = {
    "amount_tolerance",
    "weight_tolerance_pct",
    "kg_per_carton_tolerance",
    "overdue_threshold",
}
_SETTINGS_OTHER = {
    "aging_buckets",
    "dunning_levels",
    "customers",
    "severity",
    "disabled",
    "bank_charges",
    "price_outlier",
    "certificates",
    "todo",
    "rates",
}


def _bank_charges(ctx: _Ctx, where: list[str | int], raw: Any) -> dict[str, BankCharge]:
    """{currency or "default": {max, max_pct}}."""
    if not isinstance(raw, dict):
        raise ctx.fail(
            where,
            "expected a mapping like {default: {max: 50, max_pct: 0.5}, JPY: {max: 7500}}",
            "应为形如 {default: {max: 50, max_pct: 0.5}, JPY: {max: 7500}} 的映射",
        )
    out = {}
    for cur, line in raw.items():
        lw = where + [str(cur)]
        if not isinstance(line, dict) or not set(line) <= {"max", "max_pct"}:
            raise ctx.fail(
                lw,
                "each line is {max: AMOUNT, max_pct: PERCENT}",
                "每行应为 {max: 金额, max_pct: 百分比}",
            )
        kw = {}
        for k, v in line.items():
            n = _number(ctx, lw + [k], v)
            if n is None or n < 0:
                raise ctx.fail(lw + [k], "expected a number ≥ 0", "应为 ≥ 0 的数字")
            kw[k] = n
        out[str(cur)] = BankCharge(**kw)
    return out


def _settings(ctx: _Ctx, raw: Any) -> Settings:
    where: list[str | int] = ["settings"]
    if not isinstance(raw, dict):
        raise ctx.fail(where, "'settings' must be a mapping", "'settings' 必须是映射")
    _no_unknown(ctx, where, raw, _SETTINGS_INT | _SETTINGS_FLOAT | _SETTINGS_OTHER)
    kw: dict[str, Any] = {}
    for k in _SETTINGS_INT:
        if k in raw:
            v = raw[k]
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                raise ctx.fail(
                    where + [k], "expected a whole number of days ≥ 0", "应为 ≥ 0 的整数天数"
                )
            kw[k] = v
    for k in _SETTINGS_FLOAT:
        if k in raw:
            v = _number(ctx, where + [k], raw[k])
            if v is None or v < 0:
                raise ctx.fail(where + [k], "expected a number ≥ 0", "应为 ≥ 0 的数字")
            kw[k] = v
    if "aging_buckets" in raw:
        b = raw["aging_buckets"]
        if (
            not isinstance(b, list)
            or not all(isinstance(x, int) and x > 0 for x in b)
            or b != sorted(b)
        ):
            raise ctx.fail(
                where + ["aging_buckets"],
                "expected increasing whole numbers like [30, 60, 90]",
                "应为递增的整数列表，如 [30, 60, 90]",
            )
        kw["aging_buckets"] = tuple(b)
    if "dunning_levels" in raw:
        levels = []
        for i, item in enumerate(raw["dunning_levels"] or []):
            lw = where + ["dunning_levels", i]
            if (
                not isinstance(item, dict)
                or set(item) != {"level", "from_days"}
                or not isinstance(item["from_days"], int)
            ):
                raise ctx.fail(
                    lw,
                    "each dunning level is {level: NAME, from_days: N}",
                    "每个催款级别应为 {level: 名称, from_days: 天数}",
                )
            levels.append(DunningLevel(str(item["level"]), int(item["from_days"])))
        kw["dunning_levels"] = tuple(sorted(levels, key=lambda lv: lv.from_days))
    if "customers" in raw:
        cust = raw["customers"] or {}
        if not isinstance(cust, dict):
            raise ctx.fail(
                where + ["customers"],
                "expected a mapping of customer → overrides",
                "应为 客户 → 覆盖设置 的映射",
            )
        out: dict[str, dict[str, Any]] = {}
        for name, ov in cust.items():
            cw = where + ["customers", str(name)]
            if not isinstance(ov, dict):
                raise ctx.fail(cw, "expected a mapping of day settings", "应为天数设置的映射")
            ov = dict(ov)
            if "bank_charges" in ov:
                ov["bank_charges"] = _bank_charges(ctx, cw + ["bank_charges"], ov["bank_charges"])
            for k, v in ov.items():
                if k == "bank_charges":
                    continue
                if k not in Settings._DAY_FIELDS:
                    raise ctx.fail(
                        cw + [k],
                        f"unknown per-customer setting '{k}' (allowed: {', '.join(Settings._DAY_FIELDS)})",
                        f"未知的客户设置 '{k}'（允许：{', '.join(Settings._DAY_FIELDS)}）",
                    )
                if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                    raise ctx.fail(
                        cw + [k], "expected a whole number of days ≥ 0", "应为 ≥ 0 的整数天数"
                    )
            out[str(name)] = dict(ov)
        kw["customers"] = out
    if "severity" in raw:
        sev = raw["severity"] or {}
        if not isinstance(sev, dict):
            raise ctx.fail(
                where + ["severity"],
                "expected a mapping of code → severity",
                "应为 代码 → 级别 的映射",
            )
        from gendan.model.codes import KNOWN_CODES

        for code, level in sev.items():
            if code not in KNOWN_CODES:
                raise ctx.fail(
                    where + ["severity", code],
                    f"unknown finding code '{code}'",
                    f"未知的检查代码 '{code}'",
                )
            if level not in ("error", "warning", "info"):
                raise ctx.fail(
                    where + ["severity", code],
                    "severity is error, warning or info",
                    "级别只能是 error、warning 或 info",
                )
        kw["severity"] = dict(sev)
    if "disabled" in raw:
        from gendan.model.codes import KNOWN_CODES

        dis = _strs(ctx, where + ["disabled"], raw["disabled"])
        for code in dis:
            if code not in KNOWN_CODES:
                raise ctx.fail(
                    where + ["disabled"],
                    f"unknown finding code '{code}'",
                    f"未知的检查代码 '{code}'",
                )
        kw["disabled"] = dis
    if "bank_charges" in raw:
        kw["bank_charges"] = _bank_charges(ctx, where + ["bank_charges"], raw["bank_charges"] or {})
    if "price_outlier" in raw:
        po = raw["price_outlier"] or {}
        pw = where + ["price_outlier"]
        if not isinstance(po, dict):
            raise ctx.fail(
                pw,
                "expected {min_others: N, z: Z, ratio: R}",
                "应为 {min_others: N, z: Z, ratio: R}",
            )
        _no_unknown(ctx, pw, po, {"min_others", "z", "ratio"})
        vals = {k: _number(ctx, pw + [k], v) for k, v in po.items()}
        if any(v is None or v <= 0 for v in vals.values()) or vals.get("ratio", 3.0) <= 1:  # type: ignore[operator]
            raise ctx.fail(
                pw,
                "min_others and z must be > 0 and ratio > 1",
                "min_others、z 须 > 0，ratio 须 > 1",
            )
        if "min_others" in vals:
            vals["min_others"] = int(vals["min_others"])  # type: ignore[arg-type]
        kw["price_outlier"] = PriceOutlier(**vals)  # type: ignore[arg-type]
    if "certificates" in raw:
        certs = raw["certificates"] or {}
        if not isinstance(certs, dict):
            raise ctx.fail(
                where + ["certificates"],
                "expected a mapping of column key → words",
                "应为 列键 → 名称列表 的映射",
            )
        kw["certificates"] = {
            str(k): _strs(ctx, where + ["certificates", str(k)], v) for k, v in certs.items()
        }
    if "todo" in raw:
        td = raw["todo"] or {}
        tw = where + ["todo"]
        if not isinstance(td, dict):
            raise ctx.fail(tw, "expected a mapping of day counts", "应为天数设置的映射")
        _no_unknown(ctx, tw, td, set(TODO_DEFAULTS))
        for k, v in td.items():
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                raise ctx.fail(
                    tw + [k], "expected a whole number of days ≥ 0", "应为 ≥ 0 的整数天数"
                )
        kw["todo"] = {**TODO_DEFAULTS, **td}
    if "rates" in raw:
        kw["rates"] = _rates(ctx, where + ["rates"], raw["rates"] or {})
    return Settings(**kw)


def _rates(ctx: _Ctx, where: list[str | int], raw: Any) -> dict[str, Any]:
    """{base: CUR, CUR: value of one unit in the base currency, …}."""
    if not isinstance(raw, dict) or (raw and not isinstance(raw.get("base"), str)):
        raise ctx.fail(
            where,
            "expected a mapping like {base: CNY, USD: 7.1, EUR: 7.8}",
            "应为形如 {base: CNY, USD: 7.1, EUR: 7.8} 的映射",
        )
    out: dict[str, Any] = {"base": str(raw["base"]).upper()} if raw else {}
    for cur, v in raw.items():
        if cur == "base":
            continue
        n = None if isinstance(v, bool) else _number(ctx, where + [str(cur)], v)
        if n is None or n <= 0:
            raise ctx.fail(where + [str(cur)], "expected a rate > 0", "应为 > 0 的汇率")
        out[str(cur).upper()] = n
    return out
