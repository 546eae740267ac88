"""Load and validate the YAML schema (schemas/master.yaml): sheets, columns, rules, settings.

The YAML is the single source of truth for the validator, the blank template and the docs.
It is parsed with PyYAML's SafeLoader only (no tags, no object construction).  Mistakes in
it stop the run with a SchemaError that names the file, the line and the key.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import yaml

from gendan.model import yamldata
from gendan.model.errors import SchemaError
from gendan.model.normalize import norm

# the settings block lives in schema_settings; its names are re-exported from here
from gendan.model.schema_settings import TODO_DEFAULTS as TODO_DEFAULTS
from gendan.model.schema_settings import BankCharge as BankCharge
from gendan.model.schema_settings import DunningLevel as DunningLevel
from gendan.model.schema_settings import PriceOutlier as PriceOutlier
from gendan.model.schema_settings import Settings as Settings
from gendan.model.schema_settings import _Ctx, _no_unknown, _number, _settings, _strs

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
