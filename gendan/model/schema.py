"""Load and validate the YAML schema (schemas/master.yaml): sheets, columns, rules, settings.

The YAML is the single source of truth for the validator, the blank template and the docs.
It is parsed with PyYAML's SafeLoader only (no tags, no object construction).  Mistakes in
it stop the run with a SchemaError that names the file, the line and the key.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import yaml

from gendan.model import yamldata
from gendan.model.errors import SchemaError
from gendan.model.normalize import norm

COLUMN_TYPES = ("text", "date", "number", "integer", "enum", "terms")
TERMS_METHODS = ("TT_ADVANCE", "TT_BALANCE", "DP", "DA", "LC_SIGHT", "LC_USANCE", "OA")
_COLUMN_FIELDS = {
    "key",
    "zh",
    "en",
    "aliases",
    "type",
    "required",
    "unique",
    "min",
    "gt",
    "max",
    "enum",
    "enum_source",
    "dropdown",
    "pattern",
    "pattern_when",
    "pattern_label",
    "format",
    "width",
    "references",
}
_ENUM_FIELDS = {"value", "zh", "en", "aliases", "courier", "rank", "stage"}
_CONDITION_FIELDS = {"terms", "present", "courier", "from"}
_PATTERN_WHEN_FIELDS = {"dispatch"}
_SHEET_FIELDS = {"names", "columns", "layout", "fields"}
_FIELD_FIELDS = {"key", "zh", "en", "aliases"}
_TOP_FIELDS = {"version", "settings", "sheets", "stages"}
_STAGE_FIELDS = {"key", "zh", "en", "evidence"}
_ROLES = ("master", "customers", "products", "company")
_ENUM_SOURCES = ("iso4217", "iso3166")


@dataclass(frozen=True)
class EnumValue:
    """One allowed value; ``value`` is canonical, ``zh``/``en``/``aliases`` also match."""

    value: str
    zh: str | None = None
    en: str | None = None
    aliases: tuple[str, ...] = ()
    courier: bool | None = None
    rank: int | None = None
    #: for the 状态 column: the key of the order stage this word means (schema ``stages``)
    stage: str | None = None

    def names(self) -> tuple[str, ...]:
        out = [self.value]
        for extra in (self.zh, self.en):
            if extra:
                out.append(extra)
        if self.zh and self.en:
            out.append(f"{self.zh} {self.en}")
        elif self.en:
            out.append(f"{self.value} {self.en}")
        return tuple(out) + self.aliases

    def label(self, lang: str = "zh") -> str:
        if lang == "en" and self.en:
            return self.en
        return self.value


@dataclass(frozen=True)
class Condition:
    """When a conditionally required value is required: by payment method, by another
    value being present, or by documents going by courier."""

    terms: tuple[str, ...] = ()
    present: str | None = None
    courier: bool = False
    #: the order stage (a key of the schema's ``stages``) from which the rule applies;
    #: None: from the start.  Written ``from: docs_sent`` in the YAML.
    stage: str | None = None

    def describe(self, lang: str) -> str:
        if self.terms:
            from gendan.model.terms import LABELS

            names = []
            for m in self.terms:
                zh, en = LABELS[m]
                name = zh if lang == "zh" else en
                if name not in names:
                    names.append(name)
            if set(self.terms) == {"LC_SIGHT", "LC_USANCE"}:
                names = ["信用证"] if lang == "zh" else ["L/C"]
            joined = "、".join(names) if lang == "zh" else " or ".join(names)
            return f"付款方式为{joined}" if lang == "zh" else f"the terms are {joined}"
        if self.present:
            return f"已有 {self.present}" if lang == "zh" else f"{self.present} is filled in"
        if self.courier:
            return "快递寄单" if lang == "zh" else "documents go by courier"
        return ""


@dataclass(frozen=True)
class ColumnSpec:
    key: str
    zh: str
    en: str
    type: str = "text"
    aliases: tuple[str, ...] = ()
    required: bool = False
    required_when: tuple[Condition, ...] = ()
    unique: bool = False
    min: float | None = None
    gt: float | None = None
    max: float | None = None
    enum: tuple[EnumValue, ...] = ()
    enum_source: str | None = None
    dropdown: tuple[str, ...] = ()
    pattern: str | None = None
    pattern_when: Mapping[str, str] = field(default_factory=dict)
    pattern_label: str | None = None
    format: str | None = None
    width: float | None = None
    references: str | None = None

    def headers(self) -> tuple[str, ...]:
        """Every text that names this column in a header row."""
        return (self.zh, self.en, self.key) + self.aliases

    def label(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en

    @property
    def compiled_pattern(self) -> re.Pattern[str] | None:
        return _compile(self.pattern) if self.pattern else None

    def enum_lookup(self) -> dict[str, str]:
        """normalised name → canonical value, for enum columns (see :func:`enum_key`);
        built on first use and kept on this spec (it dies with it)."""
        return self._enum_table

    @cached_property
    def _enum_table(self) -> dict[str, str]:
        # cached_property writes the instance __dict__ directly, so it works on a frozen
        # dataclass; before, a module dict keyed by id(spec) never shrank, and a spec
        # allocated at a dead one's address got the dead one's table
        return _enum_lookup(self)

    def enum_match(self, text: object) -> str | None:
        """The canonical value ``text`` names, or None: compared as :func:`enum_key` says."""
        return self.enum_lookup().get(enum_key(text))

    def enum_values(self) -> tuple[str, ...]:
        """The canonical allowed values (the dropdown list when none is given)."""
        if self.enum:
            return tuple(e.value for e in self.enum)
        return self.dropdown


@lru_cache(maxsize=256)
def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


#: a count before the value ("1X40'RH", "2×20RF": the count has its own column)
_COUNT_PREFIX = re.compile(r"^\d{1,3}[x×*]")
#: marks people put in or leave out of the same word: feet (40'RH, 40’RH, 40″), 英尺/尺
_FOOT_MARKS = re.compile(r"['’‘′\"”“″]")
_FOOT_WORDS = re.compile(r"(?<=\d)(?:英尺|尺|feet|foot|ft)")


@lru_cache(maxsize=4096)
def enum_key(text: object) -> str:
    """The comparison form of an enum cell or name: :func:`norm`, then without a leading
    count and without foot marks, so that "1 x 40' RH", "40’RH" and "40RH" are one key.
    Only marks that never tell two allowed values apart are dropped."""
    return _FOOT_WORDS.sub("", _FOOT_MARKS.sub("", _COUNT_PREFIX.sub("", norm(text))))


def _enum_lookup(col: ColumnSpec) -> dict[str, str]:
    table: dict[str, str] = {}
    if col.enum_source == "iso4217":
        import pycountry

        for c in pycountry.currencies:
            table[norm(c.alpha_3)] = c.alpha_3
        # the customary Chinese names merchandisers type
        for alias, code in (
            ("美元", "USD"),
            ("欧元", "EUR"),
            ("人民币", "CNY"),
            ("RMB", "CNY"),
            ("英镑", "GBP"),
            ("日元", "JPY"),
            ("港币", "HKD"),
            ("US$", "USD"),
        ):
            table[norm(alias)] = code
    elif col.enum_source == "iso3166":
        import pycountry

        for c in pycountry.countries:
            table[norm(c.alpha_2)] = c.alpha_2
    for e in col.enum:
        for name in e.names():
            table[enum_key(name)] = e.value
    if col.enum_source:
        table = {enum_key(k): v for k, v in table.items()}
    return table


@dataclass(frozen=True)
class FieldSpec:
    """One key/value field of a key_value sheet (公司)."""

    key: str
    zh: str
    en: str
    aliases: tuple[str, ...] = ()

    def headers(self) -> tuple[str, ...]:
        return (self.zh, self.en, self.key) + self.aliases


@dataclass(frozen=True)
class SheetSpec:
    role: str
    names: tuple[str, ...]
    columns: tuple[ColumnSpec, ...] = ()
    layout: str = "table"
    fields: tuple[FieldSpec, ...] = ()

    def column(self, key: str) -> ColumnSpec:
        for c in self.columns:
            if c.key == key:
                return c
        raise KeyError(key)

    def has(self, key: str) -> bool:
        return any(c.key == key for c in self.columns)


@dataclass(frozen=True)
class StageSpec:
    """One stage of an order's life (schema ``stages``), in order: signed … closed."""

    key: str
    zh: str
    en: str
    #: what in a row proves the order has reached this stage (documentation; the
    #: evidence itself is read by gendan.rules.stages)
    evidence: str = ""

    def label(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


#: The stages gendan.rules.stages knows the evidence of; a schema may rename them (zh/en) but
#: not add or drop one.
STAGE_KEYS = ("signed", "production", "booked", "shipped", "docs_sent", "paid", "closed")
DEFAULT_STAGES = (
    StageSpec("signed", "已签约", "Signed"),
    StageSpec("production", "生产中", "In production"),
    StageSpec("booked", "已订舱", "Booked"),
    StageSpec("shipped", "已装船", "Shipped"),
    StageSpec("docs_sent", "已寄单", "Documents sent"),
    StageSpec("paid", "已收款", "Paid"),
    StageSpec("closed", "已结案", "Closed"),
)


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


@dataclass(frozen=True)
class Schema:
    version: int
    settings: Settings
    sheets: Mapping[str, SheetSpec]
    source: str = "<default>"
    stages: tuple[StageSpec, ...] = DEFAULT_STAGES

    @property
    def master(self) -> SheetSpec:
        return self.sheets["master"]

    @property
    def customers(self) -> SheetSpec:
        return self.sheets["customers"]

    @property
    def products(self) -> SheetSpec:
        return self.sheets["products"]

    @property
    def company(self) -> SheetSpec:
        return self.sheets["company"]

    def severity(self, code: str, default: str = "error") -> str:
        return self.settings.severity.get(code, default)

    def enabled(self, code: str) -> bool:
        return code not in self.settings.disabled


# ----------------------------------------------------------------------------- loading


def default_schema_path() -> Path:
    """The bundled master.yaml (package data gendan.schemas; schemas/ in a checkout)."""
    from gendan.model.resources import SCHEMAS, data_file

    return data_file(SCHEMAS, "master.yaml")


@lru_cache(maxsize=8)
def _load_cached(path: str, mtime: float) -> Schema:
    return _load(Path(path))


def load_schema(path: str | Path | None = None) -> Schema:
    """Load and validate a schema file (the bundled default when ``path`` is None)."""
    p = Path(path) if path is not None else default_schema_path()
    try:
        mtime = p.stat().st_mtime
    except OSError as exc:
        raise SchemaError(
            f"Schema file {p} cannot be read: {exc.strerror or exc}.",
            f"无法读取规则文件 {p}：{exc.strerror or exc}。",
        ) from None
    return _load_cached(str(p), mtime)


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


def _load(path: Path) -> Schema:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SchemaError(
            f"Schema file {path} cannot be read as UTF-8 text: {exc}.",
            f"无法以 UTF-8 读取规则文件 {path}：{exc}。",
        ) from None
    try:
        data = yamldata.load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise SchemaError(
            f"Schema file {path}{line} is not valid YAML: {problem}.",
            f"规则文件 {path}{line} 不是有效的 YAML：{problem}。",
        ) from None
    ctx = _Ctx(path, text)
    return parse_schema(data, ctx)


def parse_schema(data: Any, ctx: _Ctx) -> Schema:
    if not isinstance(data, dict):
        raise ctx.fail(
            [],
            "the file must be a mapping with 'sheets' and 'settings'",
            "文件顶层必须是包含 sheets 和 settings 的映射",
        )
    _no_unknown(ctx, [], data, _TOP_FIELDS)
    settings = _settings(ctx, data.get("settings") or {})
    sheets_raw = data.get("sheets")
    if not isinstance(sheets_raw, dict):
        raise ctx.fail(
            ["sheets"],
            "'sheets' must be a mapping of master/customers/products/company",
            "'sheets' 必须是 master/customers/products/company 的映射",
        )
    sheets: dict[str, SheetSpec] = {}
    for role in _ROLES:
        if role not in sheets_raw:
            raise ctx.fail(["sheets"], f"sheet '{role}' is missing", f"缺少工作表定义 '{role}'")
    for role, raw in sheets_raw.items():
        if role not in _ROLES:
            raise ctx.fail(
                ["sheets", role],
                f"unknown sheet role '{role}' (allowed: {', '.join(_ROLES)})",
                f"未知的工作表角色 '{role}'（允许：{', '.join(_ROLES)}）",
            )
        sheets[role] = _sheet(ctx, role, raw)
    version = data.get("version", 1)
    if not isinstance(version, int):
        raise ctx.fail(["version"], "'version' must be a whole number", "'version' 必须是整数")
    stages = _stages(ctx, data.get("stages"))
    _check_stage_refs(ctx, sheets, {st.key for st in stages})
    return Schema(
        version=version, settings=settings, sheets=sheets, source=str(ctx.path), stages=stages
    )


def _stages(ctx: _Ctx, raw: Any) -> tuple[StageSpec, ...]:
    """The ``stages`` list: every key of STAGE_KEYS once, in that order (labels are free)."""
    if raw is None:
        return DEFAULT_STAGES
    if not isinstance(raw, list):
        raise ctx.fail(
            ["stages"],
            "'stages' must be a list of {key, zh, en}",
            "'stages' 必须是 {key, zh, en} 的列表",
        )
    out = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict) or "key" not in item:
            raise ctx.fail(["stages", i], "each stage needs a 'key'", "每个阶段都需要 key")
        _no_unknown(ctx, ["stages", i], item, _STAGE_FIELDS)
        out.append(
            StageSpec(
                str(item["key"]),
                str(item.get("zh", item["key"])),
                str(item.get("en", item["key"])),
                str(item.get("evidence", "")),
            )
        )
    if tuple(st.key for st in out) != STAGE_KEYS:
        raise ctx.fail(
            ["stages"],
            f"the stages are {', '.join(STAGE_KEYS)}, in this order",
            f"阶段必须依次为 {', '.join(STAGE_KEYS)}",
        )
    return tuple(out)


def _check_stage_refs(ctx: _Ctx, sheets: Mapping[str, SheetSpec], keys: set[str]) -> None:
    """Every ``stage`` of a status word and every ``from`` of a required rule names a stage."""
    for role, sheet in sheets.items():
        for i, col in enumerate(sheet.columns):
            named = [(["enum"], e.stage) for e in col.enum] + [
                (["required"], c.stage) for c in col.required_when
            ]
            for where, st in named:
                if st is not None and st not in keys:
                    raise ctx.fail(
                        ["sheets", role, "columns", i, *where],
                        f"unknown stage '{st}' (allowed: {', '.join(STAGE_KEYS)})",
                        f"未知的阶段 '{st}'（允许：{', '.join(STAGE_KEYS)}）",
                    )


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


def _sheet(ctx: _Ctx, role: str, raw: Any) -> SheetSpec:
    where: list[str | int] = ["sheets", role]
    if not isinstance(raw, dict):
        raise ctx.fail(
            where,
            "a sheet must be a mapping with 'names' and 'columns'",
            "工作表定义必须包含 names 和 columns",
        )
    _no_unknown(ctx, where, raw, _SHEET_FIELDS)
    names = _strs(ctx, where + ["names"], raw.get("names"))
    if not names:
        raise ctx.fail(
            where + ["names"], "at least one sheet name is needed", "至少需要一个工作表名"
        )
    layout = raw.get("layout", "table")
    if layout not in ("table", "key_value"):
        raise ctx.fail(
            where + ["layout"],
            f"unknown layout '{layout}' (table or key_value)",
            f"未知的布局 '{layout}'（table 或 key_value）",
        )
    if layout == "key_value":
        fields_raw = raw.get("fields") or []
        fields: list[FieldSpec] = []
        for i, f in enumerate(fields_raw):
            fw = where + ["fields", i]
            if not isinstance(f, dict) or "key" not in f:
                raise ctx.fail(fw, "each field needs a 'key'", "每个字段都需要 key")
            _no_unknown(ctx, fw, f, _FIELD_FIELDS)
            fields.append(
                FieldSpec(
                    key=str(f["key"]),
                    zh=str(f.get("zh", f["key"])),
                    en=str(f.get("en", f["key"])),
                    aliases=_strs(ctx, fw + ["aliases"], f.get("aliases")),
                )
            )
        return SheetSpec(role=role, names=names, layout=layout, fields=tuple(fields))
    cols_raw = raw.get("columns")
    if not isinstance(cols_raw, list) or not cols_raw:
        raise ctx.fail(
            where + ["columns"], "'columns' must be a non-empty list", "'columns' 必须是非空列表"
        )
    cols: list[ColumnSpec] = []
    seen: set[str] = set()
    for i, c in enumerate(cols_raw):
        col = _column(ctx, where + ["columns", i], c)
        if col.key in seen:
            raise ctx.fail(
                where + ["columns", i, "key"],
                f"column key '{col.key}' appears twice",
                f"列键 '{col.key}' 重复",
            )
        seen.add(col.key)
        cols.append(col)
    for i, col in enumerate(cols):
        for cond in col.required_when:
            if cond.present and cond.present not in seen:
                raise ctx.fail(
                    where + ["columns", i, "required"],
                    f"'present' names an unknown column '{cond.present}'",
                    f"'present' 指向未知的列 '{cond.present}'",
                )
    return SheetSpec(role=role, names=names, columns=tuple(cols), layout=layout)


def _number(ctx: _Ctx, where: list[str | int], value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ctx.fail(where, "expected a number", "应为数字")
    return float(value)


def _column(ctx: _Ctx, where: list[str | int], raw: Any) -> ColumnSpec:
    if not isinstance(raw, dict) or "key" not in raw:
        raise ctx.fail(where, "each column needs at least a 'key'", "每一列都至少需要 key")
    _no_unknown(ctx, where, raw, _COLUMN_FIELDS)
    key = str(raw["key"])
    ctype = raw.get("type", "text")
    if ctype not in COLUMN_TYPES:
        raise ctx.fail(
            where + ["type"],
            f"unknown type '{ctype}' (allowed: {', '.join(COLUMN_TYPES)})",
            f"未知类型 '{ctype}'（允许：{', '.join(COLUMN_TYPES)}）",
        )
    required = raw.get("required", False)
    req_flag = False
    conds: list[Condition] = []
    if isinstance(required, bool):
        req_flag = required
    else:
        items = required if isinstance(required, list) else [required]
        for j, item in enumerate(items):
            cw = where + ["required"] + ([j] if isinstance(required, list) else [])
            if not isinstance(item, dict):
                raise ctx.fail(
                    cw,
                    "'required' is true/false or a condition {terms|present|courier}",
                    "'required' 应为 true/false 或条件 {terms|present|courier}",
                )
            _no_unknown(ctx, cw, item, _CONDITION_FIELDS)
            terms = _strs(ctx, cw + ["terms"], item.get("terms"))
            for t in terms:
                if t not in TERMS_METHODS:
                    raise ctx.fail(
                        cw + ["terms"],
                        f"unknown payment method '{t}' (allowed: {', '.join(TERMS_METHODS)})",
                        f"未知付款方式 '{t}'（允许：{', '.join(TERMS_METHODS)}）",
                    )
            stage = item.get("from")
            conds.append(
                Condition(
                    terms=terms,
                    present=item.get("present"),
                    courier=bool(item.get("courier", False)),
                    stage=None if stage is None else str(stage),
                )
            )
    enum: list[EnumValue] = []
    for j, e in enumerate(raw.get("enum") or []):
        ew = where + ["enum", j]
        if isinstance(e, (str, int, float)) and not isinstance(e, bool):
            enum.append(EnumValue(value=str(e)))
        elif isinstance(e, dict) and "value" in e:
            _no_unknown(ctx, ew, e, _ENUM_FIELDS)
            enum.append(
                EnumValue(
                    value=str(e["value"]),
                    zh=e.get("zh"),
                    en=e.get("en"),
                    aliases=_strs(ctx, ew + ["aliases"], e.get("aliases")),
                    courier=e.get("courier"),
                    rank=e.get("rank"),
                    stage=None if e.get("stage") is None else str(e["stage"]),
                )
            )
        else:
            raise ctx.fail(
                ew, "an enum value is a text or {value: …}", "枚举值应为文本或 {value: …}"
            )
    source = raw.get("enum_source")
    if source is not None and source not in _ENUM_SOURCES:
        raise ctx.fail(
            where + ["enum_source"],
            f"unknown enum_source '{source}' (allowed: {', '.join(_ENUM_SOURCES)})",
            f"未知的 enum_source '{source}'（允许：{', '.join(_ENUM_SOURCES)}）",
        )
    if ctype == "enum" and not enum and source is None:
        raise ctx.fail(
            where, "an enum column needs 'enum' or 'enum_source'", "枚举列需要 enum 或 enum_source"
        )
    pattern = raw.get("pattern")
    if pattern is not None:
        try:
            re.compile(str(pattern))
        except re.error as exc:
            raise ctx.fail(
                where + ["pattern"], f"invalid regular expression: {exc}", f"正则表达式无效：{exc}"
            ) from None
    pw = raw.get("pattern_when") or {}
    if not isinstance(pw, dict):
        raise ctx.fail(
            where + ["pattern_when"],
            "expected a mapping like {dispatch: DHL}",
            "应为形如 {dispatch: DHL} 的映射",
        )
    _no_unknown(ctx, where + ["pattern_when"], pw, _PATTERN_WHEN_FIELDS)
    refs = raw.get("references")
    if refs is not None and refs not in ("customers", "products"):
        raise ctx.fail(
            where + ["references"],
            "'references' is customers or products",
            "'references' 只能是 customers 或 products",
        )
    return ColumnSpec(
        key=key,
        zh=str(raw.get("zh", key)),
        en=str(raw.get("en", key)),
        type=ctype,
        aliases=_strs(ctx, where + ["aliases"], raw.get("aliases")),
        required=req_flag,
        required_when=tuple(conds),
        unique=bool(raw.get("unique", False)),
        min=_number(ctx, where + ["min"], raw.get("min")),
        gt=_number(ctx, where + ["gt"], raw.get("gt")),
        max=_number(ctx, where + ["max"], raw.get("max")),
        enum=tuple(enum),
        enum_source=source,
        dropdown=_strs(ctx, where + ["dropdown"], raw.get("dropdown")),
        pattern=str(pattern) if pattern is not None else None,
        pattern_when={str(k): str(v) for k, v in pw.items()},
        pattern_label=raw.get("pattern_label"),
        format=raw.get("format"),
        width=_number(ctx, where + ["width"], raw.get("width")),
        references=refs,
    )


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
