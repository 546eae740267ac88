"""The ``calc:`` mini-language of documents.yaml: one expression, two evaluations.

A draft document sheet must recompute in Excel and LibreOffice with no Python running, so a
computed field is an Excel formula; an issued sheet and ``gendan check`` need the same value
from Python.  Writing each computation twice (formula + Python) invites the two to drift, so
a field is written once, in a small expression language that parses as Python (``ast``) and
is *translated* to a formula or *evaluated* in Python by the two walkers below — the same
tree, the same operators, Excel's semantics (a blank is 0 in arithmetic and equals ``""``;
text compares case-insensitively; ROUND rounds half away from zero; MOD takes the divisor's
sign; any error — a division by zero, text in arithmetic — blanks the cell, as
``IFERROR(…,"")`` does in the sheet).

Names: ``m.KEY`` (master), ``c.KEY`` (customer), ``p.KEY`` (product), ``co.KEY``
(company), ``doc.NAME`` (another field of the sheet), ``i`` and ``n`` (row number and row
count of a repeat).  Functions: ROUND INT MOD MIN MAX ABS IF AND OR NOT COALESCE CONTAINS,
and for text: ``a & b`` (joins as Excel's ``&`` does: a number in general format, a date as
its serial — use DATETEXT), DATETEXT(d) (yyyy-mm-dd), ITEM(list, k) (the k-th item of a
list typed in one cell, split at , ， / ; ； 、 spaces and line breaks: container, seal and
per-container carton numbers), VALUE(text) (its number; blank stays blank) and DAYS(terms)
(the number written just before "day"/"天" in payment terms: the tenor of a draft);
NEED(x) is x, or the layout's missing marker when x is blank (``ref("layout", "missing")``).
"""

from __future__ import annotations

import ast
import datetime as dt
import math
import re
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any

from gendan.model.errors import SchemaError

SCOPES = ("m", "c", "p", "co", "doc")
FUNCTIONS = (
    "ROUND",
    "INT",
    "MOD",
    "MIN",
    "MAX",
    "ABS",
    "IF",
    "AND",
    "OR",
    "NOT",
    "COALESCE",
    "CONTAINS",
    "DATETEXT",
    "ITEM",
    "VALUE",
    "DAYS",
    "NEED",
)
_BINOPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.BitAnd: "&"}
#: ITEM's separators (as build._SPLIT_CONTAINERS), each turned into a space by the formula
_LIST_SEPARATORS = ("CHAR(10)", "CHAR(13)", '"，"', '","', '"/"', '";"', '"；"', '"、"')
_LIST_SPLIT = re.compile(r"[,，/;；、\s]+")
_NUMBER_TEXT = re.compile(r"\s*[+-]?(\d+(\.\d*)?|\.\d+)\s*")
_CMPOPS = {ast.Eq: "=", ast.NotEq: "<>", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">="}


class ExprError(Exception):
    """An evaluation error (the sheet would show an error value; the cell is blanked)."""


@lru_cache(maxsize=1024)
def parse(text: str) -> ast.expr:
    """Parse and validate ``text``; SchemaError names what is not allowed."""
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError as exc:
        raise SchemaError(
            f"documents.yaml: cannot parse calc {text!r}: {exc.msg}",
            f"documents.yaml：无法解析计算式 {text!r}：{exc.msg}",
        ) from None
    for node in ast.walk(tree):
        ok = isinstance(node, ast.expr | ast.operator | ast.cmpop | ast.unaryop | ast.expr_context)
        if isinstance(node, ast.Attribute) and not (
            isinstance(node.value, ast.Name) and node.value.id in SCOPES
        ):
            ok = False
        if isinstance(node, ast.Call) and not (
            isinstance(node.func, ast.Name) and node.func.id in FUNCTIONS
        ):
            ok = False
        if isinstance(node, ast.Name) and node.id not in SCOPES + ("i", "n") + FUNCTIONS:
            ok = False
        if isinstance(node, ast.BinOp) and type(node.op) not in _BINOPS:
            ok = False
        if isinstance(node, ast.Compare) and (
            len(node.ops) != 1 or type(node.ops[0]) not in _CMPOPS
        ):
            ok = False
        if isinstance(node, ast.Constant) and not isinstance(node.value, int | float | str):
            ok = False
        if isinstance(node, ast.UnaryOp) and not isinstance(node.op, ast.USub):
            ok = False
        if not ok and not isinstance(node, ast.Load):
            raise SchemaError(
                f"documents.yaml: calc {text!r} uses {ast.unparse(node)!r}, which is not allowed",
                f"documents.yaml：计算式 {text!r} 中的 {ast.unparse(node)!r} 不被支持",
            )
    return tree


def names(text: str) -> list[tuple[str, str]]:
    """The ``(scope, key)`` pairs an expression reads, in order of appearance."""
    out: list[tuple[str, str]] = []
    for node in ast.walk(parse(text)):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            pair = (node.value.id, node.attr)
            if pair not in out:
                out.append(pair)
    return out


# ----------------------------------------------------------------------------- to a formula


def quote(s: str) -> str:
    """A formula's text literal (a line break as CHAR(10), never inside the literal)."""
    parts = ['"' + p.replace('"', '""') + '"' for p in s.split("\n")]
    return parts[0] if len(parts) == 1 else "(" + "&CHAR(10)&".join(parts) + ")"


def to_formula(text: str, ref: Callable[[str, str], str], i: int = 1, n: int = 1) -> str:
    """The expression as formula text (no ``=``); ``ref(scope, key)`` gives the reference
    expression of a name (an INDEX(...) or a cell)."""

    def walk(node: ast.expr) -> str:
        if isinstance(node, ast.Constant):
            v = node.value
            if isinstance(v, str):
                return quote(v)
            assert isinstance(v, int | float)  # parse() admits only numbers and text
            return repr(int(v)) if float(v).is_integer() else repr(v)
        if isinstance(node, ast.Name):
            return str(i if node.id == "i" else n)
        if isinstance(node, ast.Attribute):
            assert isinstance(node.value, ast.Name)
            return ref(node.value.id, node.attr)
        if isinstance(node, ast.UnaryOp):
            return f"(-{walk(node.operand)})"
        if isinstance(node, ast.BinOp):
            return f"({walk(node.left)}{_BINOPS[type(node.op)]}{walk(node.right)})"
        if isinstance(node, ast.Compare):
            return f"({walk(node.left)}{_CMPOPS[type(node.ops[0])]}{walk(node.comparators[0])})"
        if isinstance(node, ast.Call):
            assert isinstance(node.func, ast.Name)
            fn = node.func.id
            args = [walk(a) for a in node.args]
            if fn == "COALESCE":
                a, b = args
                return f'IF({a}="",{b},{a})'
            if fn == "CONTAINS":
                t, part = args
                return f"ISNUMBER(SEARCH({part},{t}))"
            if fn == "DATETEXT":
                return f'TEXT({args[0]},"yyyy-mm-dd")'
            if fn == "VALUE":
                return f'IF({args[0]}="","",VALUE({args[0]}))'
            if fn == "ITEM":
                return item_formula(args[0], args[1])
            if fn == "DAYS":
                return days_formula(args[0])
            if fn == "NEED":
                return f'IF({args[0]}="",{ref("layout", "missing")},{args[0]})'
            return f"{fn}({','.join(args)})"
        raise SchemaError(
            f"calc: unsupported {ast.unparse(node)}"
        )  # pragma: no cover (parse refuses it)

    return walk(parse(text))


def item_formula(text: str, k: str) -> str:
    """The k-th item of a list in one cell: separators become spaces, every space 99 of
    them, and MID takes the k-th block of 99 (no helper cells, no array formula)."""
    x = text
    for sep in _LIST_SEPARATORS:
        x = f'SUBSTITUTE({x},{sep}," ")'
    spaced = f'SUBSTITUTE(TRIM({x})," ",REPT(" ",99))'
    return f"TRIM(MID({spaced},(({k})-1)*99+1,99))"


def days_formula(text: str) -> str:
    """The number just before the first "day"/"天": the longest of the last 4, 3, 2, 1
    characters of the trimmed text before it that VALUE reads ("D/A 60 days" → 60,
    "承兑交单60天" → 60); "" when there is none."""
    before = f'TRIM(LEFT({text},IFERROR(SEARCH("day",{text}),SEARCH("天",{text}))-1))'
    out = '""'
    for k in (1, 2, 3, 4):
        out = f"IFERROR(VALUE(RIGHT({before},{k})),{out})"
    return out


def list_items(text: Any) -> list[str]:
    """The items of a list typed in one cell (what ITEM indexes)."""
    if _blank(text):
        return []
    return [x for x in _LIST_SPLIT.split(join_text(text)) if x]


def tenor_days(text: Any) -> float | None:
    """DAYS in Python: see :func:`days_formula`."""
    if _blank(text):
        return None
    t = join_text(text)
    low = t.casefold()
    pos = low.find("day")
    if pos < 0:
        pos = t.find("天")
    if pos < 0:
        return None
    before = re.sub(" +", " ", t[:pos]).strip(" ")  # Excel's TRIM
    for k in (4, 3, 2, 1):
        piece = before[-k:] if before else ""
        if piece and _NUMBER_TEXT.fullmatch(piece):
            return float(piece)
    return None


def join_text(v: Any) -> str:
    """A value as Excel's ``&`` shows it: numbers in general format, a date as its serial."""
    if _blank(v):
        return ""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, dt.date):
        v = excel_serial(v)
    if isinstance(v, float):
        return format(v, ".15g")
    return str(v)


def date_text(v: Any) -> Any:
    """DATETEXT in Python: TEXT(v,"yyyy-mm-dd")."""
    if _blank(v):
        return ""
    if isinstance(v, dt.datetime):
        return v.date().isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, int | float) and not isinstance(v, bool):
        return (dt.datetime(1899, 12, 30) + dt.timedelta(days=math.floor(v))).date().isoformat()
    return str(v)


# ----------------------------------------------------------------------------- in Python


def _blank(v: Any) -> bool:
    return v is None or v == ""


def _num(v: Any) -> float:
    if v is None or v == "":
        return 0.0
    if isinstance(v, bool):
        return float(v)
    if isinstance(v, int | float):
        return float(v)
    if isinstance(v, dt.date):
        return float(excel_serial(v))
    try:
        return float(str(v).replace(",", ""))
    except ValueError:
        raise ExprError(f"{v!r} is not a number") from None


def excel_serial(d: dt.date) -> float:
    base = dt.datetime(1899, 12, 30)
    if not isinstance(d, dt.datetime):
        d = dt.datetime(d.year, d.month, d.day)
    return (d - base).total_seconds() / 86400


def round_half_up(x: float, digits: int = 0) -> float:
    """Excel's ROUND: half away from zero, on the shortest decimal form of the float."""
    d = Decimal(repr(float(x)))
    q = Decimal(1).scaleb(-int(digits))
    r = abs(d).quantize(q, rounding=ROUND_HALF_UP)
    return float(-r if d < 0 else r)


def _cmp(a: Any, b: Any, op: type) -> bool:
    # Excel: blank = "" and blank = 0; text compares without case; text > numbers
    if _blank(a) and _blank(b):
        a = b = 0
    elif _blank(a):
        a = "" if isinstance(b, str) else 0
    elif _blank(b):
        b = "" if isinstance(a, str) else 0
    if isinstance(a, dt.date):
        a = excel_serial(a)
    if isinstance(b, dt.date):
        b = excel_serial(b)
    if isinstance(a, str) and isinstance(b, str):
        a, b = a.casefold(), b.casefold()
    elif isinstance(a, str) != isinstance(b, str):
        a, b = (1, 0) if isinstance(a, str) else (0, 1)
    ops: dict[type, Callable[[Any, Any], bool]] = {
        ast.Eq: lambda x, y: x == y,
        ast.NotEq: lambda x, y: x != y,
        ast.Lt: lambda x, y: x < y,
        ast.LtE: lambda x, y: x <= y,
        ast.Gt: lambda x, y: x > y,
        ast.GtE: lambda x, y: x >= y,
    }
    return ops[op](a, b)


def _truth(v: Any) -> bool:
    if isinstance(v, str):
        if v.upper() in ("TRUE", "FALSE"):
            return v.upper() == "TRUE"
        if v == "":
            return False
        raise ExprError("text used as a condition")
    return bool(_num(v))


def evaluate(text: str, lookup: Callable[[str, str], Any], i: int = 1, n: int = 1) -> Any:
    """The value of the expression; ``lookup(scope, key)`` gives a name's value.  Returns
    None where the sheet would show a blank (any error, as IFERROR does)."""

    def walk(node: ast.expr) -> Any:
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            return i if node.id == "i" else n
        if isinstance(node, ast.Attribute):
            assert isinstance(node.value, ast.Name)
            return lookup(node.value.id, node.attr)
        if isinstance(node, ast.UnaryOp):
            return -_num(walk(node.operand))
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitAnd):
            return join_text(walk(node.left)) + join_text(walk(node.right))
        if isinstance(node, ast.BinOp):
            a, b = _num(walk(node.left)), _num(walk(node.right))
            op = type(node.op)
            if op is ast.Add:
                return a + b
            if op is ast.Sub:
                return a - b
            if op is ast.Mult:
                return a * b
            if b == 0:
                raise ExprError("division by zero")
            return a / b
        if isinstance(node, ast.Compare):
            return _cmp(walk(node.left), walk(node.comparators[0]), type(node.ops[0]))
        if isinstance(node, ast.Call):
            assert isinstance(node.func, ast.Name)
            fn, args = node.func.id, node.args
            if fn == "IF":
                cond = _truth(walk(args[0]))
                if cond:
                    return walk(args[1])
                return walk(args[2]) if len(args) > 2 else False
            vals = [walk(a) for a in args]
            if fn == "COALESCE":
                return vals[1] if _blank(vals[0]) else vals[0]
            if fn == "CONTAINS":
                return str(vals[1] or "").casefold() in str(vals[0] or "").casefold()
            if fn == "DATETEXT":
                return date_text(vals[0])
            if fn == "VALUE":
                if _blank(vals[0]):
                    return ""
                return _num(vals[0])
            if fn == "ITEM":
                items = list_items(vals[0])
                k = int(_num(vals[1]))
                return items[k - 1] if 0 < k <= len(items) else ""
            if fn == "DAYS":
                days = tenor_days(vals[0])
                return "" if days is None else days
            if fn == "NEED":
                return lookup("layout", "missing") if _blank(vals[0]) else vals[0]
            if fn == "ROUND":
                return round_half_up(_num(vals[0]), int(_num(vals[1])) if len(vals) > 1 else 0)
            if fn == "INT":
                return float(math.floor(_num(vals[0])))
            if fn == "MOD":
                a, b = _num(vals[0]), _num(vals[1])
                if b == 0:
                    raise ExprError("MOD by zero")
                return a - b * math.floor(a / b)
            if fn == "MIN":
                return min(_num(v) for v in vals)
            if fn == "MAX":
                return max(_num(v) for v in vals)
            if fn == "ABS":
                return abs(_num(vals[0]))
            if fn == "AND":
                return all(_truth(v) for v in vals)
            if fn == "OR":
                return any(_truth(v) for v in vals)
            if fn == "NOT":
                return not _truth(vals[0])
        raise ExprError(f"cannot evaluate {ast.unparse(node)}")  # pragma: no cover

    try:
        return walk(parse(text))
    except (ExprError, TypeError, ValueError, ArithmeticError):
        return None
