"""Worksheet formulas for the merchandiser's everyday sums, as xlwings UDFs (Windows Excel).

Names carry a ``GD_`` prefix: xlwings writes a VBA wrapper per UDF and a VBA name cannot
hold a dot, so ``GD.DUE_DATE`` is impossible; ``GD_DUE_DATE`` groups them just as well in
Excel's formula autocomplete.

Each formula takes what Excel hands over — a single cell or a range, dates as real dates
or as serial numbers (floats), blanks as ``None`` — and is array-aware: give a column of
cells and it returns a column of answers (spills in Excel 365).  A problem inside a
formula comes back as a short readable text starting with ``#VALUE!``, never a Python
traceback.

On Linux the ``@xw.func`` decorators do nothing, so the tests call these as plain
functions with the value forms Excel passes.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Sequence
from typing import Any

import xlwings as xw

from gendan.model import iso6346
from gendan.model.terms import parse_terms
from gendan.model.values import parse_date, parse_number
from gendan.rules.receivables import aging_bucket, days_overdue, due_date

__all__ = [
    "GD_AGING",
    "GD_CHECK_DIGIT",
    "GD_CONTAINER_OK",
    "GD_DAYS_OVERDUE",
    "GD_DUE_DATE",
    "GD_OUTSTANDING",
    "GD_ROW_CHECK",
    "GD_TERMS",
    "GD_WORDS_EN",
    "GD_WORDS_ZH",
]


class UdfError(ValueError):
    """A value a formula cannot use; shown in the cell as ``#VALUE! <message>``."""


def _error(msg: str) -> str:
    return f"#VALUE! {msg}"


# ----------------------------------------------------------------------------- arrays


def _is_grid(v: Any) -> bool:
    return isinstance(v, list | tuple)


def _as_grid(v: Any) -> list[list[Any]]:
    """Scalar → [[v]]; 1-D list → one column; 2-D list as is."""
    if not _is_grid(v):
        return [[v]]
    if v and all(_is_grid(r) for r in v):
        return [list(r) for r in v]
    return [[x] for x in v]


def elementwise(*array_args: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Make a scalar formula array-aware over the named arguments.

    Ranges of the same shape are walked cell by cell; a single cell is used for every
    cell.  One result per cell; a lone scalar in gives a scalar out.  Each cell's error
    stays in its own cell."""

    def deco(fn: Callable[..., Any]) -> Callable[..., Any]:
        names = fn.__code__.co_varnames[: fn.__code__.co_argcount]

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            bound = dict(zip(names, args, strict=False)) | kwargs
            grids = {k: _as_grid(bound[k]) for k in array_args if k in bound and _is_grid(bound[k])}
            if not grids:
                return _safe(fn, bound)
            shapes = {(len(g), len(g[0]) if g else 0) for g in grids.values()}
            big = [s for s in shapes if s != (1, 1)]
            if len(set(big)) > 1:
                return _error("ranges of different sizes")
            rows, cols = big[0] if big else (1, 1)
            out: list[list[Any]] = []
            for i in range(rows):
                line = []
                for j in range(cols):
                    one = dict(bound)
                    for k, g in grids.items():
                        one[k] = g[0][0] if (len(g), len(g[0])) == (1, 1) else g[i][j]
                    line.append(_safe(fn, one))
                out.append(line)
            return out[0][0] if (rows, cols) == (1, 1) else out

        return wrapper

    return deco


def _safe(fn: Callable[..., Any], kwargs: dict[str, Any]) -> Any:
    try:
        return fn(**kwargs)
    except UdfError as exc:
        return _error(str(exc))
    except Exception as exc:  # a formula must never show a traceback
        return _error(f"{type(exc).__name__}: {exc}")


# ----------------------------------------------------------------------------- values


def _date(v: Any, what: str) -> dt.date | None:
    p = parse_date(v)
    if not p.ok:
        raise UdfError(f"{what} is not a date: {v!r}")
    value: dt.date | None = p.value  # parse_date: a date, or None for a blank
    return value


def _number(v: Any, what: str, default: float | None = None) -> float | None:
    if v is None or (isinstance(v, str) and not v.strip()):
        return default
    p = parse_number(v)
    if not p.ok or p.value is None:
        raise UdfError(f"{what} is not a number: {v!r}")
    return float(p.value)


def _text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


# ----------------------------------------------------------------------------- formulas


@xw.func
@xw.arg("terms", ndim=2)
@xw.arg("contract_date", ndim=2)
@xw.arg("etd", ndim=2)
@xw.arg("bl_date", ndim=2)
@xw.arg("docs_sent_date", ndim=2)
@elementwise("terms", "contract_date", "etd", "bl_date", "docs_sent_date")
def GD_DUE_DATE(
    terms: Any,
    contract_date: Any = None,
    etd: Any = None,
    bl_date: Any = None,
    docs_sent_date: Any = None,
    part: Any = "last",
) -> Any:
    """Due date from the payment terms and the order's dates (blank until the date it
    counts from is known).  part: "last" (balance, default), "first", "deposit", "balance"."""
    if _blank(terms):
        return None
    t = parse_terms(_text(terms))
    if t is None:
        raise UdfError(f"payment terms not recognised: {_text(terms)!r}")
    return due_date(
        t,
        contract_date=_date(contract_date, "contract date"),
        etd=_date(etd, "ETD"),
        bl_date=_date(bl_date, "B/L date"),
        docs_sent_date=_date(docs_sent_date, "docs sent date"),
        part=_text(part) or "last",
    )


@xw.func
@xw.arg("due", ndim=2)
@xw.arg("outstanding", ndim=2)
@elementwise("due", "outstanding", "as_of")
def GD_DAYS_OVERDUE(due: Any, as_of: Any = None, outstanding: Any = None) -> Any:
    """Days past the due date on as_of (default today); 0 when not yet due or when the
    outstanding amount (if given) is paid down to 0.01; blank without a due date."""
    d = _date(due, "due date")
    if d is None:
        return None
    if outstanding is not None and (_number(outstanding, "outstanding", 0.0) or 0.0) <= 0.01:
        return 0
    day = _date(as_of, "as-of date") or dt.date.today()
    n = days_overdue(d, day)
    return max(n or 0, 0)


@xw.func
@xw.arg("days", ndim=2)
@elementwise("days")
def GD_AGING(days: Any) -> Any:
    """Aging bucket of a number of days overdue: current, 1-30, 31-60, 61-90, >90."""
    if _blank(days):
        return None
    n = _number(days, "days overdue")
    return aging_bucket(int(n or 0))


@xw.func
@xw.arg("amount", ndim=2)
@xw.arg("received", ndim=2)
@elementwise("amount", "received")
def GD_OUTSTANDING(amount: Any, received: Any = None) -> Any:
    """Amount − received, to the cent (blank received counts as 0)."""
    a = _number(amount, "amount")
    if a is None:
        return None
    return round(a - (_number(received, "received", 0.0) or 0.0), 2)


@xw.func
@xw.arg("amount", ndim=2)
@elementwise("amount", "currency_code")
def GD_WORDS_EN(amount: Any, currency_code: Any = "USD") -> Any:
    """Amount in English words for invoices: SAY US DOLLARS … ONLY."""
    from gendan.model.words import amount_in_words_en

    a = _number(amount, "amount")
    return None if a is None else amount_in_words_en(a, _text(currency_code) or "USD")


@xw.func
@xw.arg("amount", ndim=2)
@elementwise("amount", "currency_code")
def GD_WORDS_ZH(amount: Any, currency_code: Any = "CNY") -> Any:
    """Amount in Chinese capital numerals (大写), with the currency: 美元叁万…元整."""
    from gendan.model.words import amount_in_words_zh

    a = _number(amount, "amount")
    return None if a is None else amount_in_words_zh(a, _text(currency_code) or "CNY")


@xw.func
@xw.arg("code", ndim=2)
@elementwise("code")
def GD_CONTAINER_OK(code: Any) -> Any:
    """TRUE when every container number in the cell is ISO 6346 valid (check digit too);
    a cell may hold several, separated as on the master sheet."""
    if _blank(code):
        return None
    numbers = iso6346.split_numbers(_text(code))
    return bool(numbers) and all(iso6346.is_valid(n) for n in numbers)


@xw.func
@xw.arg("code", ndim=2)
@elementwise("code")
def GD_CHECK_DIGIT(code: Any) -> Any:
    """The ISO 6346 check digit of a container number (its first 10 characters)."""
    if _blank(code):
        return None
    try:
        return iso6346.check_digit(_text(code))
    except ValueError:
        raise UdfError(f"not a container number: {_text(code)!r}") from None


@xw.func
@xw.arg("text", ndim=2)
@elementwise("text", "field")
def GD_TERMS(text: Any, field: Any = "method") -> Any:
    """Parse payment terms.  field: "method" (TT_ADVANCE, TT_BALANCE, DP, DA, LC_SIGHT,
    LC_USANCE, OA), "days", "deposit" (percent) or "label" (Chinese name)."""
    if _blank(text):
        return None
    t = parse_terms(_text(text))
    if t is None:
        raise UdfError(f"payment terms not recognised: {_text(text)!r}")
    f = _text(field).lower() or "method"
    if f == "method":
        return t.method
    if f == "days":
        return t.days
    if f in ("deposit", "deposit_pct"):
        return t.deposit_pct
    if f == "label":
        return t.label("zh")
    raise UdfError(f"field must be method, days, deposit or label, not {f!r}")


@xw.func
@xw.arg("header", ndim=2)
@xw.arg("row", ndim=2)
@xw.arg("customers", ndim=2)
@xw.arg("products", ndim=2)
def GD_ROW_CHECK(
    header: Any, row: Any, customers: Any = None, products: Any = None, as_of: Any = None
) -> Any:
    """The finding codes for one master row, e.g. "amount-mismatch, container-check-digit"
    ("" when the row is clean).  header: the master's header row; row: the order's row;
    customers/products (optional): the whole 客户 / 产品 tables with their headers — without
    them the checks that need them are skipped."""
    try:
        return _row_check(header, row, customers, products, as_of)
    except UdfError as exc:
        return _error(str(exc))
    except Exception as exc:
        message = getattr(exc, "message_en", None) or f"{type(exc).__name__}: {exc}"
        return _error(message)


def _row_check(header: Any, row: Any, customers: Any, products: Any, as_of: Any) -> str:
    from gendan.model.grid import SheetGrid, WorkbookData
    from gendan.model.schema import load_schema
    from gendan.rules.engine import check_data
    from macros_py.ribbon import schema_path

    schema = load_schema(schema_path())  # the settings the ribbon uses (GENDAN_SCHEMA, ~/.gendan)
    head = _flat(header)
    rows = _as_grid(row)
    if len(rows) != 1 and all(len(r) == 1 for r in rows):
        rows = [[r[0] for r in rows]]  # a column given for a row: take it across
    if len(rows) != 1:
        raise UdfError("give one row")
    values = rows[0] + [None] * max(0, len(head) - len(rows[0]))
    sheets = [SheetGrid(name=schema.master.names[0], rows=[head, values[: len(head)]])]
    if customers is not None:
        sheets.append(SheetGrid(name=schema.customers.names[0], rows=_as_grid(customers)))
    if products is not None:
        sheets.append(SheetGrid(name=schema.products.names[0], rows=_as_grid(products)))
    report = check_data(
        WorkbookData(sheets=sheets), schema=schema, as_of=_date(as_of, "as-of date")
    )
    codes: list[str] = []
    for f in report.findings:
        if f.row == 2 and f.code not in codes:
            codes.append(f.code)
    return ", ".join(codes)


def _flat(v: Any) -> list[Any]:
    g = _as_grid(v)
    if len(g) == 1:
        return list(g[0])
    return [r[0] for r in g]


def all_udfs() -> Sequence[Callable[..., Any]]:
    """Every formula this module offers (the xlwings "UDF Modules" setting imports them)."""
    return [globals()[n] for n in __all__]
