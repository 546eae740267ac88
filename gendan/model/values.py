"""Lenient parsing of cell values: real dates, Excel serials, text dates, text numbers.

Readers hand over what the file holds (calamine: ``str``, ``float``, ``int``, ``bool``,
``date``, ``datetime``); people type ``USD 12,345.60``, ``１２３`` or ``2020年5月1日``.
Each parser returns a :class:`Parsed` so the caller can tell "blank", "parsed",
"parsed but typed as text" (a warning) and "does not parse" (an error) apart.

Text parsing is cached per distinct string: a column of 100,000 cells usually holds a few
hundred distinct texts.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

EXCEL_ERRORS = frozenset(
    {
        "#N/A",
        "#VALUE!",
        "#REF!",
        "#DIV/0!",
        "#NUM!",
        "#NAME?",
        "#NULL!",
        "#SPILL!",
        "#CALC!",
        "#GETTING_DATA",
    }
)

_EPOCH_1900 = dt.date(1899, 12, 30)
_EPOCH_1904 = dt.date(1904, 1, 1)
MAX_SERIAL = 2958465  # 9999-12-31


@dataclass(frozen=True, slots=True)
class Parsed:
    """``ok``: the value parsed; ``as_text``: it parsed from text where a real value was
    expected (dates: a warning); ``reason``: why it did not parse (``excel-error``, …)."""

    value: Any
    ok: bool
    as_text: bool = False
    reason: str | None = None
    #: for a value that does not parse: what it could mean (an ambiguous date's readings)
    expected: str | None = None


BLANK = Parsed(None, True)


def is_blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def excel_error(v: Any) -> str | None:
    if isinstance(v, str) and v.strip().upper() in EXCEL_ERRORS:
        return v.strip().upper()
    return None


# ----------------------------------------------------------------------------- numbers

_CURRENCY_WORDS = re.compile(
    r"^(?:USD|US\$|EUR|CNY|RMB|GBP|JPY|HKD|AUD|CAD|SGD|AED|[A-Z]{3}(?=[\s\d]))\s*|"
    r"\s*(?:USD|EUR|CNY|RMB|GBP|JPY|HKD|元|美元|欧元)$"
)
_SYMBOLS = re.compile(r"^[\$¥￥€£]\s*|\s*[\$¥￥€£]$")
_PLAIN = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$")
_GROUPED = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?$")


@lru_cache(maxsize=65536)
def _number_from_text(text: str) -> Parsed:
    s = unicodedata.normalize("NFKC", text).strip()
    if excel_error(s):
        return Parsed(None, False, reason="excel-error")
    negative = False
    if s.startswith("(") and s.endswith(")"):
        negative, s = True, s[1:-1].strip()
    s = _CURRENCY_WORDS.sub("", s.upper()).strip()
    s = _SYMBOLS.sub("", s).strip()
    s = s.replace(" ", "").replace("\u00a0", "")
    if s.startswith("-") and negative:
        return Parsed(None, False)
    if _PLAIN.match(s):
        v = float(s)
    elif _GROUPED.match(s):
        v = float(s.replace(",", ""))
    else:
        return Parsed(None, False)
    return Parsed(-v if negative else v, True, as_text=True)


def parse_number(v: Any) -> Parsed:
    """A number from a number or from text such as ``USD 12,345.60`` or ``１２３``."""
    if v is None:
        return BLANK
    t = type(v)
    if t is float or t is int:
        if v != v or v in (float("inf"), float("-inf")):  # NaN/inf
            return Parsed(None, False)
        return Parsed(v, True)
    if t is str:
        if not v.strip():
            return BLANK
        return _number_from_text(v)
    if t is bool:
        return Parsed(None, False)
    return Parsed(None, False)


def parse_integer(v: Any) -> Parsed:
    """A whole number (``1200``, ``1,200``, ``1200.0``); ``1200.5`` does not parse."""
    p = parse_number(v)
    if not p.ok or p.value is None:
        return p
    x = float(p.value)
    if abs(x - round(x)) > 1e-9:
        return Parsed(None, False)
    return Parsed(int(round(x)), True, as_text=p.as_text)


# ----------------------------------------------------------------------------- dates

_MONTHS = {
    m.upper(): i
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"],
        start=1,
    )
}
_MONTHS.update({"SEPT": 9})
_YMD = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
)
_YMD_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_DMY_NAME = re.compile(r"^(\d{1,2})[\s\-./]*([A-Za-z]{3,9})\.?[\s\-./,]*(\d{4})$")
_MDY_NAME = re.compile(r"^([A-Za-z]{3,9})\.?\s*(\d{1,2})(?:st|nd|rd|th)?,?\s*(\d{4})$")
#: day and month in either order before a four-digit year: 2/22/2026 (US), 22.2.2026 (Europe)
_XY_YEAR = re.compile(r"^(\d{1,2})\s*([-/.])\s*(\d{1,2})\s*\2\s*(\d{4})$")


def serial_to_date(serial: float, date1904: bool = False) -> dt.date | None:
    """An Excel serial number as a date, or None when out of Excel's range (or NaN)."""
    if serial != serial:
        return None
    if date1904:
        if serial < 0 or serial > MAX_SERIAL - 1462:
            return None
        return _EPOCH_1904 + dt.timedelta(days=int(serial))
    if serial < 1 or serial > MAX_SERIAL:
        return None
    n = int(serial)
    if n < 61:  # Excel's fictitious 1900-02-29 (serial 60) shifts the first two months by one
        return dt.date(1899, 12, 31) + dt.timedelta(days=n)
    return _EPOCH_1900 + dt.timedelta(days=n)


def date_to_serial(d: dt.date) -> int:
    return (d - _EPOCH_1900).days


def _mk(y: int, m: int, d: int) -> dt.date | None:
    try:
        return dt.date(y, m, d)
    except ValueError:
        return None


@lru_cache(maxsize=65536)
def _date_from_text(text: str) -> Parsed:
    s = unicodedata.normalize("NFKC", text).strip()
    if excel_error(s):
        return Parsed(None, False, reason="excel-error")
    d: dt.date | None = None
    if m := _YMD.match(s):
        d = _mk(int(m[1]), int(m[2]), int(m[3]))
    elif m := _YMD_COMPACT.match(s):
        d = _mk(int(m[1]), int(m[2]), int(m[3]))
    elif m := _DMY_NAME.match(s):
        mon = _MONTHS.get(m[2][:4].upper()) or _MONTHS.get(m[2][:3].upper())
        d = _mk(int(m[3]), mon, int(m[1])) if mon else None
    elif m := _MDY_NAME.match(s):
        mon = _MONTHS.get(m[1][:4].upper()) or _MONTHS.get(m[1][:3].upper())
        d = _mk(int(m[3]), mon, int(m[2])) if mon else None
    elif m := _XY_YEAR.match(s):
        return _day_month_or_month_day(int(m[1]), int(m[3]), int(m[4]))
    if d is None:
        return Parsed(None, False)
    return Parsed(d, True, as_text=True)


def _day_month_or_month_day(a: int, b: int, year: int) -> Parsed:
    """``a/b/year`` read as month/day (US) and as day/month (most of the world): one
    possible reading is taken (a text date, a warning); two different ones are an error
    that names both, for no rule can tell which the merchandiser meant."""
    readings = sorted({d for d in (_mk(year, a, b), _mk(year, b, a)) if d is not None})
    if len(readings) == 1:
        return Parsed(readings[0], True, as_text=True)
    if not readings:
        return Parsed(None, False)
    return Parsed(
        None, False, reason="ambiguous-date", expected=" / ".join(d.isoformat() for d in readings)
    )


def parse_date(v: Any, date1904: bool = False) -> Parsed:
    """A date from a real date, an Excel serial, or text (``2020-05-01``, ``2020/5/1``,
    ``2020.5.1``, ``2020年5月1日``, ``01-May-2020``, ``May 1, 2020``, and day and month
    before the year when only one order makes a date: ``2/22/2026``, ``22.2.2026``;
    ``3/5/2026`` does not parse, reason ``ambiguous-date``, both readings in ``expected``)."""
    if v is None:
        return BLANK
    t = type(v)
    if t is dt.date:
        return Parsed(v, True)
    if t is dt.datetime:
        return Parsed(v.date(), True)
    if t is float or t is int:
        d = serial_to_date(float(v), date1904)
        return Parsed(d, True) if d else Parsed(None, False, reason="serial-range")
    if t is str:
        if not v.strip():
            return BLANK
        return _date_from_text(v)
    return Parsed(None, False)


def parse_text(v: Any) -> Parsed:
    """Text as typed; numbers that are whole become ``'1200'``, not ``'1200.0'``."""
    if v is None:
        return BLANK
    t = type(v)
    if t is str:
        s = v.strip()
        if not s:
            return BLANK
        if excel_error(s):
            return Parsed(None, False, reason="excel-error")
        return Parsed(s, True)
    if t is float:
        return Parsed(str(int(v)) if v.is_integer() else repr(v), True)
    if t is dt.datetime or t is dt.date:
        return Parsed(v.isoformat()[:10], True)
    return Parsed(str(v), True)


def display(v: Any) -> str:
    """A value as a person reads it in a message: dates ISO, whole floats without '.0'."""
    if v is None:
        return ""
    if isinstance(v, float):
        if v != v or abs(v) == float("inf") or abs(v) >= 1e15:
            return repr(v)  # NaN, infinities and huge numbers: as Python prints them
        if v.is_integer():
            return str(int(v))
        return f"{v:.2f}" if abs(v * 100 - round(v * 100)) < 1e-6 else repr(v)
    if isinstance(v, dt.datetime):
        return v.date().isoformat() if v.time() == dt.time() else v.isoformat(sep=" ")
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v)


def money(v: float | None) -> str:
    return "" if v is None else f"{v:,.2f}"
