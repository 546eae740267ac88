"""The data validations the template puts on its data rows, derived from the schema, as
plain data (:class:`ValidationSpec`): written into the template by
:mod:`gendan.book.template` and turned into native-rule type checks by
:func:`gendan.native.patch.typed_checks` (one derivation for both)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from openpyxl.utils import get_column_letter, quote_sheetname

from gendan.book.schemadoc import rule_text
from gendan.model.schema import ColumnSpec, Schema, SheetSpec

REF_ROWS = 300  # rows prepared on 客户 and 产品
_DATE_MIN = date(2000, 1, 1)
_DATE_MAX = date(2099, 12, 31)

#: The Excel validation types and comparison operators the template uses (openpyxl's names).
ValidationKind = Literal["list", "date", "whole", "decimal"]
Operator = Literal["between", "greaterThan", "greaterThanOrEqual", "lessThanOrEqual"]


@dataclass(frozen=True)
class ValidationSpec:
    """One Excel data validation on one column, as plain data.

    ``kind`` is list | date | whole | decimal; ``values`` the dropdown (for list),
    ``source`` a range formula when the list lives on another sheet."""

    sheet: str
    key: str
    kind: ValidationKind
    values: tuple[str, ...] = ()
    source: str | None = None
    operator: Operator | None = None
    formula1: str | None = None
    formula2: str | None = None
    strict: bool = True  # stop (True) or warning (False) when a value is outside
    error_title: str = ""
    error: str = ""


def _serial(d: date) -> int:
    return (d - date(1899, 12, 30)).days


def _bound(col: ColumnSpec) -> tuple[Operator, str] | None:
    """(operator, formula) for a numeric column's lower/upper bound, None when unbounded."""
    lo = col.gt if col.gt is not None else col.min
    if lo is not None and col.max is not None:
        return ("between", f"{_fmt(lo)}")
    if col.gt is not None:
        return ("greaterThan", _fmt(col.gt))
    if col.min is not None:
        return ("greaterThanOrEqual", _fmt(col.min))
    if col.max is not None:
        return ("lessThanOrEqual", _fmt(col.max))
    return None


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(x)


def template_validations(schema: Schema, sheet: SheetSpec) -> list[ValidationSpec]:
    """The validations the template puts on ``sheet``'s data rows, derived from the schema."""
    out: list[ValidationSpec] = []
    name = sheet.names[0]
    for col in sheet.columns:
        values = col.enum_values()
        if values:
            strict = bool(col.enum) and col.enum_source is None  # a closed list
            out.append(
                ValidationSpec(
                    name,
                    col.key,
                    "list",
                    values=values,
                    strict=strict,
                    error_title=f"{col.zh} / {col.en}",
                    error=(
                        f"请从下拉列表中选择{col.zh}。"
                        if strict
                        else f"{col.zh}通常应从下拉列表中选择。"
                    )
                    + f"\nChoose a {col.en} from the list"
                    + ("." if strict else " (other values are allowed)."),
                )
            )
        elif col.references and col.references in schema.sheets:
            ref = schema.sheets[col.references]
            if col.references == "customers" and ref.has(col.key):
                j = [c.key for c in ref.columns].index(col.key) + 1
                letter = get_column_letter(j)
                src = f"{quote_sheetname(ref.names[0])}!${letter}$2:${letter}${REF_ROWS + 1}"
                out.append(
                    ValidationSpec(
                        name,
                        col.key,
                        "list",
                        source=src,
                        strict=False,
                        error_title=f"{col.zh} / {col.en}",
                        error=f"{col.zh}不在「{ref.names[0]}」表中，请先添加。\n"
                        f"{col.en} is not in the {ref.names[0]} sheet yet; add it there first.",
                    )
                )
        if col.type == "date":
            out.append(
                ValidationSpec(
                    name,
                    col.key,
                    "date",
                    operator="between",
                    formula1=str(_serial(_DATE_MIN)),
                    formula2=str(_serial(_DATE_MAX)),
                    error_title=f"{col.zh} / {col.en}",
                    error="请输入日期，例如 2026-05-01（不要输入文字）。\n"
                    "Enter a date such as 2026-05-01, not text.",
                )
            )
        elif col.type in ("integer", "number"):
            bound = _bound(col)
            if bound is None:
                continue
            op, f1 = bound
            f2 = _fmt(col.max) if op == "between" and col.max is not None else None
            what_zh = "整数" if col.type == "integer" else "数字"
            what_en = "whole number" if col.type == "integer" else "number"
            rule = rule_text(col).split("; ")
            cond = " ".join(p for p in rule if p[:1] in "<>≤≥")
            out.append(
                ValidationSpec(
                    name,
                    col.key,
                    "whole" if col.type == "integer" else "decimal",
                    operator=op,
                    formula1=f1,
                    formula2=f2,
                    error_title=f"{col.zh} / {col.en}",
                    error=f"「{col.zh}」应为{what_zh}（{cond}），不要带单位或文字。\n"
                    f"{col.en} must be a {what_en} ({cond}), without units or text.",
                )
            )
    return out
