"""Build one document sheet for one order as a Plan — linked (draft) or frozen (issued).

Every field is resolved twice from the same layout entry: as a formula that finds the
order's row in the master sheet (INDEX/MATCH on the contract number, so the draft follows
later corrections in Excel 2010+ and LibreOffice alike), and as a Python value computed
from the typed master row (the values an issued sheet holds, and what the check compares
with).  The two are made side by side by one function per source so they cannot drift;
tests/documents/test_recalc_libreoffice.py proves that LibreOffice computes the same.

The sheet carries a hidden *provenance block* beside the printed area (column P by
default): a marker, the document key, the contract number (the MATCH key, a constant),
helper cells (master/customer/product row, currency, digits of each amount in words),
draft/issued status, issue time, and one row per checked field — field key, source, cell,
and the master-derived value used.  ``gendan check`` reads this block back from plain
cell values (no defined names, which readers such as calamine do not expose), so it
works on any reader and survives Excel's save.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from gendan.documents import expr
from gendan.documents.layout import CellSpec, DocumentSpec, Layout, split_template
from gendan.model.grid import column_index, column_letter
from gendan.model.normalize import clean_text
from gendan.model.plan import (
    Align,
    Border,
    ColumnWidth,
    Fill,
    Font,
    HideColumns,
    Merge,
    NewSheet,
    NumberFormat,
    PageSetup,
    Plan,
    RowHeight,
    SetFormula,
    SetValues,
    quote_sheet,
)
from gendan.model.terms import parse_terms
from gendan.model.words import (
    amount_in_words_en,
    amount_in_words_zh,
    digits_formula,
    words_en_formula,
    words_zh_formula,
)
from gendan.read.lookup import customer_rows, product_rows
from gendan.read.tables import Table, Tables

_T = TypeVar("_T")

#: The text in the first cell of the provenance block; the check looks for it.
MARKER = "gendan-document"
DRAFT, ISSUED = "draft", "issued"
TAB_COLORS = {DRAFT: "FFC000", ISSUED: "70AD47"}
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")
_SPLIT_CONTAINERS = re.compile(r"[,，/;；、\s]+")
#: master columns shown as text although typed (enum canonical values are fine as typed)
_TEXT_TYPES = ("text", "terms")


def sheet_name(doc: DocumentSpec, contract_no: str) -> str:
    """``发票-GD26-001``: a valid sheet name (gendan.write.inject.valid_sheet_name);
    build_all makes the names of a run unique (Order.sheet_names)."""
    from gendan.write.inject import valid_sheet_name

    return valid_sheet_name(_SHEET_BAD.sub("_", f"{doc.sheet}-{contract_no}"), doc.sheet or "Sheet")


def contract_text(value: Any) -> str:
    return clean_text(value)


# ----------------------------------------------------------------------------- one order


@dataclass
class Order:
    """One master row and the reference rows it points at, with Python values."""

    tables: Tables
    index: int
    customer_index: int | None = None
    product_index: int | None = None
    #: master column key → its type, or None when the master lacks it.  SheetSpec.has and
    #: .column scan the schema's column list; build_all shares one dict across its orders.
    types: dict[str, str | None] = field(default_factory=dict, repr=False, compare=False)
    #: document key → the sheet name build_all chose for this order (unique in the run)
    sheet_names: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        # one rule with the checks, worked out once for the whole master (gendan.read.lookup)
        self.customer_index = customer_rows(self.tables)[self.index]
        self.product_index = product_rows(self.tables)[self.index]

    @property
    def master(self) -> Table:
        return self.tables.master

    @property
    def contract_no(self) -> str:
        return contract_text(self.master.get("contract_no", self.index))

    @property
    def contract_raw(self) -> Any:
        raw = self.master.raw.get("contract_no")
        v = raw[self.index] if raw is not None else None
        if isinstance(v, float) and v.is_integer():
            return int(v)
        return v

    @property
    def method(self) -> str | None:
        v = self.master.get("payment_terms", self.index)
        if v is None:
            raw = self.master.raw.get("payment_terms")
            v = parse_terms(raw[self.index]) if raw is not None else None
        return getattr(v, "method", None)

    def m(self, key: str) -> Any:
        """The master value as a document shows it: typed numbers and dates, canonical
        enum values, and text as the merchandiser typed it (payment terms as text)."""
        t = self.master
        try:
            ctype = self.types[key]
        except KeyError:
            spec = t.spec.column(key) if t.spec.has(key) else None
            ctype = self.types[key] = (spec.type if spec else "text") if t.has(key) else None
        if ctype is None:
            return None
        if ctype in _TEXT_TYPES:
            raw = t.raw[key][self.index]
            return None if raw in (None, "") else clean_text(raw)
        v = t.values[key][self.index]
        return None if v == "" else v

    def c(self, key: str) -> Any:
        t = self.tables.customers
        if t is None or self.customer_index is None or not t.has(key):
            return None
        v = t.values[key][self.customer_index]
        if not isinstance(v, str | int | float | dt.date) or v == "":
            raw = t.raw[key][self.customer_index]
            return None if raw in (None, "") else clean_text(raw)
        return v

    def p(self, key: str) -> Any:
        t = self.tables.products
        if t is None or self.product_index is None or not t.has(key):
            return None
        if key == "hs_code":  # a code, even when typed as a number
            raw = t.raw[key][self.product_index]
            return None if raw in (None, "") else clean_text(raw)
        v = t.values[key][self.product_index]
        return None if v == "" else v

    def co(self, key: str) -> Any:
        v = self.tables.company.get(key)
        return v if v not in (None, "") else None


# ----------------------------------------------------------------------------- the sheet


@dataclass(frozen=True)
class FieldRecord:
    """A checked field as written: where it is, what fed it, the value it showed."""

    key: str
    cell: str
    source: str
    value: Any
    label_zh: str
    label_en: str
    master_key: str | None = None


@dataclass
class DocumentSheet:
    """What building one document for one order produced."""

    doc: DocumentSpec
    sheet: str
    contract_no: str
    status: str
    plan: Plan
    fields: list[FieldRecord] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)  # cell → python value (every cell)
    last_row: int = 1
    #: lite builds only (``Builder.build(lite=True)``, the fast path of gendocs): the plan
    #: is empty; ``writes`` holds each written cell's final ("v", value) or ("f", formula),
    #: and ``shape`` everything else the full plan depends on (see Builder.build).
    writes: dict[str, tuple[str, Any]] | None = None
    shape: tuple[Any, ...] | None = None
    order: Order | None = None
    now: dt.datetime | None = None


class _Refs:
    """Formula references for one document sheet of one order."""

    def __init__(self, order: Order, layout: Layout, helper: dict[str, str]) -> None:
        self.order = order
        self.layout = layout
        self.helper = helper  # helper name → absolute cell ($Q$3)

    def _index(self, t: Table | None, key: str, row_helper: str) -> str:
        """INDEX over column ``key`` of table ``t`` at the row its helper cell found."""
        if t is None or not t.has(key):
            return '""'
        col = t.letter(key)
        return f"INDEX({quote_sheet(t.sheet)}!${col}:${col},{self.helper[row_helper]})"

    def master(self, key: str) -> str:
        return self._index(self.order.master, key, "master_row")

    def customer(self, key: str) -> str:
        return self._index(self.order.tables.customers, key, "customer_row")

    def product(self, key: str) -> str:
        return self._index(self.order.tables.products, key, "product_row")

    def company(self, key: str) -> str:
        cell = self.order.tables.company_cells.get(key)
        if not cell:
            return '""'
        sheet, addr = cell
        m = re.match(r"([A-Z]+)(\d+)", addr)
        assert m
        return f"{quote_sheet(sheet)}!${m.group(1)}${m.group(2)}"

    def scope(self, scope: str, key: str) -> str:
        return {"m": self.master, "c": self.customer, "p": self.product, "co": self.company}[scope](
            key
        )


def _blank_if_empty(x: str, blank: str = '""') -> str:
    """``IFERROR(IF(x="","",x),"")``: a blank master cell shows blank, not 0; a missing
    order, customer or product shows blank, never #N/A.  ``blank``: what shows instead
    (the missing marker of a ``need: true`` cell)."""
    return f'IFERROR(IF({x}="",{blank},{x}),{blank})'


def _text_of(v: Any) -> str:
    """A value as Excel's ``&`` shows it (general format; dates as yyyy-mm-dd because the
    formula wraps them in TEXT)."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, dt.datetime):
        return v.date().isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, float):
        return format(v, ".15g")
    return str(v)


def _is_date_col(order: Order, scope: str, key: str) -> bool:
    t = {"m": order.master, "c": order.tables.customers, "p": order.tables.products}.get(scope)
    if t is None or not t.spec.has(key):
        return False
    return t.spec.column(key).type == "date"


def _display_width(text: str) -> int:
    return math.ceil(sum(1.8 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text))


class Builder:
    """Builds the plan of one document for one order."""

    def __init__(
        self,
        layout: Layout,
        doc: DocumentSpec,
        order: Order,
        status: str = DRAFT,
        now: dt.datetime | None = None,
        cache: dict[Any, Any] | None = None,
    ) -> None:
        #: results that depend only on the layout, the workbook's tables and the document's
        #: shape (formulas, row heights, style actions, labels), shared by build_all across
        #: orders: most of a sheet's cost when 5,000 sheets are built.  Keys name every input.
        self._cache: dict[Any, Any] = cache if cache is not None else {}
        self.layout = layout
        self.doc = doc
        self.order = order
        self.status = status
        self.issued = status == ISSUED
        self.now = now
        self.name = order.sheet_names.get(doc.key) or sheet_name(doc, order.contract_no)
        self.n = self._repeat_count()
        # the same for every order with as many containers (read-only)
        placed = self._memo(("placed", doc.key, self.n), self._placed_and_named)
        self.cells: list[tuple[CellSpec, int]] = placed[0]
        self._by_name: dict[str, CellSpec] = placed[1]
        self.pcol = column_index(layout.provenance_column)
        self.helper: dict[str, str] = {}
        self._values: dict[str, Any] = {}
        self.refs = _Refs(order, layout, self.helper)

    def _memo(self, key: tuple[Any, ...], make: Callable[[], _T]) -> _T:
        """``make()`` once per key for every order of a run (see ``_cache``)."""
        try:
            return self._cache[key]  # type: ignore[no-any-return]
        except KeyError:
            got = self._cache[key] = make()
            return got

    # -- layout placement ---------------------------------------------------------------

    def _placed_and_named(self) -> tuple[list[tuple[CellSpec, int]], dict[str, CellSpec]]:
        """The placed cells, and the first placement of each named cell."""
        cells = self._placed_cells()
        by_name: dict[str, CellSpec] = {}
        for c, i in cells:
            if c.name and i == 0:
                by_name.setdefault(c.name, c)
        return cells, by_name

    def _repeat_count(self) -> int:
        if self.doc.repeat is None:
            return 0
        given = self.order.m("containers")
        try:
            count = int(given) if given not in (None, "") else 0
        except (TypeError, ValueError):
            count = 0
        nos = self.order.m("container_nos")
        listed = len([x for x in _SPLIT_CONTAINERS.split(str(nos or "")) if x])
        return max(count, listed, 1)

    def _placed_cells(self) -> list[tuple[CellSpec, int]]:
        """Every cell with its final position and its repeat index (0 = not repeated)."""
        out: list[tuple[CellSpec, int]] = []
        rep = self.doc.repeat
        shift = (self.n - 1) if rep else 0
        for c in self.doc.cells:
            out.append((c.moved(shift) if rep and c.row > rep.row else c, 0))
        if rep:
            for k in range(self.n):
                out += [(c.moved(k), k + 1) for c in rep.cells]
        return out

    def cell_of(self, name: str, i: int = 0) -> CellSpec:
        if i:
            for c, k in self.cells:
                if k == i and c.name == name:
                    return c
        found = self._by_name.get(name)
        if found is None:
            from gendan.model.errors import SchemaError

            raise SchemaError(
                f"documents.yaml: {self.doc.key} refers to doc.{name}, which no cell names",
                f"documents.yaml：{self.doc.key} 引用了不存在的 doc.{name}",
            )
        return found

    # -- values ---------------------------------------------------------------------------

    def _lookup(self, i: int) -> Callable[[str, str], Any]:
        o = self.order

        def look(scope: str, key: str) -> Any:
            if scope == "doc":
                return self.value(self.cell_of(key, i), i)
            if scope == "layout":
                return self.layout.missing_text
            return {"m": o.m, "c": o.c, "p": o.p, "co": o.co}[scope](key)

        return look

    def value(self, c: CellSpec, i: int = 0) -> Any:
        """The Python value of a cell (what an issued sheet shows)."""
        memo = f"{c.addr()}#{i}"
        if memo in self._values:
            return self._values[memo]
        o = self.order
        s, a = c.source, c.arg
        v: Any
        if s == "text":
            v = a
        elif s == "master":
            v = o.m(a)
        elif s == "customer":
            v = o.c(a)
        elif s == "product":
            v = o.p(a)
        elif s == "company":
            v = o.co(a)
        elif s == "template":
            look = self._lookup(i)
            v = "".join(p if isinstance(p, str) else _text_of(look(*p)) for p in split_template(a))
        elif s == "calc":
            v = expr.evaluate(a, self._lookup(i), i=i or 1, n=self.n or 1)
            if isinstance(v, bool):
                v = "TRUE" if v else "FALSE"
            if v == "":
                v = None
        elif s in ("words_en", "words_zh"):
            amount = self.value(self.cell_of(a, i), i)
            if (
                isinstance(amount, int | float)
                and not isinstance(amount, bool)
                and math.isfinite(amount)
            ):
                fn = amount_in_words_en if s == "words_en" else amount_in_words_zh
                try:
                    v = fn(amount, o.m("currency"))
                except ValueError:
                    v = None
            else:
                v = None
        elif s == "container_no":
            nos = [x for x in _SPLIT_CONTAINERS.split(str(o.m("container_nos") or "")) if x]
            v = nos[i - 1] if 0 < i <= len(nos) else None
        else:  # pragma: no cover - layout validation refuses other sources
            raise ValueError(s)
        if c.need and v in (None, ""):
            v = self.layout.missing_text
        self._values[memo] = v
        return v

    # -- formulas -------------------------------------------------------------------------

    def _doc_ref(self, name: str, i: int) -> str:
        c = self.cell_of(name, i)
        return f"${column_letter(c.col)}${c.row}"

    def _scope_ref(self, i: int) -> Callable[[str, str], str]:
        def ref(scope: str, key: str) -> str:
            if scope == "doc":
                return self._doc_ref(key, i)
            if scope == "layout":
                return expr.quote(self.layout.missing_text)
            return self.refs.scope(scope, key)

        return ref

    def formula(self, c: CellSpec, i: int = 0) -> str | None:
        """The draft formula of a cell (with ``=``), or None for constant text.  Depends on
        the order only through the tables (same for every order) and the container count."""
        return self._memo(("formula", self.doc.key, c, i, self.n), lambda: self._formula(c, i))

    def _formula(self, c: CellSpec, i: int = 0) -> str | None:
        s, a = c.source, c.arg
        r = self.refs
        blank = expr.quote(self.layout.missing_text) if c.need else '""'
        if s == "text":
            return None
        if s == "master":
            return "=" + _blank_if_empty(r.master(a), blank)
        if s == "customer":
            return "=" + _blank_if_empty(r.customer(a), blank)
        if s == "product":
            return "=" + _blank_if_empty(r.product(a), blank)
        if s == "company":
            return "=" + _blank_if_empty(r.company(a), blank)
        if s == "template":
            parts: list[str] = []
            for p in split_template(a):
                if isinstance(p, str):
                    lines = p.split("\n")
                    for k, line in enumerate(lines):
                        if k:
                            parts.append("CHAR(10)")
                        if line:
                            parts.append('"' + line.replace('"', '""') + '"')
                else:
                    scope, key = p
                    x = self._doc_ref(key, i) if scope == "doc" else r.scope(scope, key)
                    if _is_date_col(self.order, scope, key):
                        parts.append(f'IF({x}="","",TEXT({x},"yyyy-mm-dd"))')
                    else:
                        parts.append(x)
            return "=IFERROR(" + ("&".join(parts) or '""') + ',"")'
        if s == "calc":
            e = expr.to_formula(a, self._scope_ref(i), i=i or 1, n=self.n or 1)
            return "=" + _blank_if_empty(e, blank)
        if s in ("words_en", "words_zh"):
            amount = self._doc_ref(a, i)
            digits = self.helper[f"digits:{a}"]
            cur = self.helper["currency"]
            fn = words_en_formula if s == "words_en" else words_zh_formula
            return "=IFERROR(" + fn(amount, cur, digits=digits)[1:] + ',"")'
        if s == "container_no":
            x = r.master("container_nos")
            norm_list = x
            for sep in ("CHAR(10)", "CHAR(13)", '"，"', '","', '"/"', '";"', '"；"', '"、"'):
                norm_list = f'SUBSTITUTE({norm_list},{sep}," ")'
            spaced = f'SUBSTITUTE(TRIM({norm_list})," ",REPT(" ",99))'
            return f'=IFERROR(TRIM(MID({spaced},{(i - 1) * 99 + 1},99)),"")'
        raise ValueError(s)  # pragma: no cover

    # -- the plan -------------------------------------------------------------------------

    def _provenance_rows(self) -> list[tuple[str, Any, bool]]:
        """(label, value or formula, is_formula) rows of the block's head, in order; fills
        ``self.helper`` with the absolute cells later formulas use."""
        o = self.order
        t = o.tables
        rows: list[tuple[str, Any, bool]] = [
            (MARKER, self.doc.key, False),
            ("contract_no", o.contract_raw, False),
        ]
        msheet = quote_sheet(t.master.sheet)
        ccol = t.master.letter("contract_no")
        key_cell = self._prov_cell(2)
        rows.append(
            ("master_row", f'=IFERROR(MATCH({key_cell},{msheet}!${ccol}:${ccol},0),"")', True)
        )
        self.helper["master_row"] = self._prov_cell(3)
        cust_f = '=""'
        if t.customers is not None and t.customers.has("customer") and t.master.has("customer"):
            cc = t.customers.letter("customer")
            cust_f = (
                f"=IFERROR(MATCH({self.refs.master('customer')},"
                f'{quote_sheet(t.customers.sheet)}!${cc}:${cc},0),"")'
            )
        rows.append(("customer_row", cust_f, True))
        self.helper["customer_row"] = self._prov_cell(4)
        prod_f = '=""'
        if t.products is not None and t.products.has("product") and t.master.has("product"):
            ps = quote_sheet(t.products.sheet)
            first = t.products.header_row + 1
            last = max(t.products.rows or [first]) + 500
            pc = t.products.letter("product")
            cond = f"({ps}!${pc}${first}:${pc}${last}={self.refs.master('product')})"
            if t.products.has("spec") and t.master.has("spec"):
                # gendan.read.lookup's rule: the same spec, or no spec typed and the product has
                # a single 产品 row
                sc = t.products.letter("spec")
                mp, ms = self.refs.master("product"), self.refs.master("spec")
                cond += (
                    f"*(({ps}!${sc}${first}:${sc}${last}={ms})"
                    f'+({ms}="")*(COUNTIF({ps}!${pc}${first}:${pc}${last},{mp})=1))'
                )
            prod_f = f'=IFERROR(LOOKUP(2,1/({cond}),ROW({ps}!${pc}${first}:${pc}${last})),"")'
        rows.append(("product_row", prod_f, True))
        self.helper["product_row"] = self._prov_cell(5)
        rows.append(("currency", "=" + _blank_if_empty(self.refs.master("currency")), True))
        self.helper["currency"] = self._prov_cell(6)
        words = sorted({c.arg for c, _ in self.cells if c.source in ("words_en", "words_zh")})
        for name in words:
            r = len(rows) + 1
            self.helper[f"digits:{name}"] = self._prov_cell(r)
            amount = self._doc_ref(name, 0)
            rows.append(
                (
                    f"digits:{name}",
                    f'=IFERROR({digits_formula(amount, self.helper["currency"])},"")',
                    True,
                )
            )
        rows.append(("status", self.status, False))
        rows.append(
            (
                "issued_at",
                self.now.isoformat(timespec="seconds") if self.issued and self.now else "",
                False,
            )
        )
        rows.append(("master_sheet", t.master.sheet, False))
        rows.append(("layout_version", self.layout.version, False))
        return rows

    def _prov_cell(self, row: int) -> str:
        return f"${column_letter(self.pcol + 1)}${row}"

    def _helper_value(self, label: str) -> Any:
        o = self.order
        t = o.tables
        if label == "master_row":
            return t.master.rows[o.index]
        if label == "customer_row":
            return (
                t.customers.rows[o.customer_index]
                if t.customers is not None and o.customer_index is not None
                else None
            )
        if label == "product_row":
            return (
                t.products.rows[o.product_index]
                if t.products is not None and o.product_index is not None
                else None
            )
        if label == "currency":
            return o.m("currency")
        if label.startswith("digits:"):
            amount = self.value(self.cell_of(label.split(":", 1)[1]))
            if not isinstance(amount, int | float):
                return None
            from gendan.model.words import currency_info

            dec = currency_info(o.m("currency")).decimals
            return f"{expr.round_half_up(abs(amount), dec):015.2f}"
        return None

    def build(self, lite: bool = False) -> DocumentSheet:
        """The sheet's plan and records.  ``lite``: no plan; instead ``writes`` and a
        ``shape`` — document key, container count, status, row heights and which checked
        fields hold dates.  Every other action of the full plan (merges, formats, styles,
        widths, print settings, the provenance block's layout) is a function of the layout,
        the tables, the document and the container count alone, so two lite sheets with the
        same shape and the same kinds of values have full plans that differ only in the
        written values (gendan.documents.fastsheets relies on this; its test proves it)."""
        L, name = self.layout, self.name
        full = not lite
        plan = Plan()
        writes: dict[str, tuple[str, Any]] = {}
        if full:
            plan.add(NewSheet(name, replace=True, tab_color=TAB_COLORS[self.status]))
        last_row = max([(c.to_row or c.row) for c, _ in self.cells] + [1])
        last_col = L.last_column
        area = f"A1:{last_col}{last_row}"
        if full:
            for col, width in L.columns.items():
                plan.add(ColumnWidth(name, col, width))
            plan.add(Font(name, area, name=L.font, size=L.font_size))
        # provenance block (head)
        prov = self._provenance_rows()
        pl, pv = column_letter(self.pcol), column_letter(self.pcol + 1)
        for r, (label, val, is_formula) in enumerate(prov, start=1):
            if is_formula and not self.issued:
                if full:
                    plan.add(
                        SetValues(name, f"{pl}{r}", [[label]]), SetFormula(name, f"{pv}{r}", val)
                    )
                else:
                    writes[f"{pl}{r}"] = ("v", label)
                    writes[f"{pv}{r}"] = ("f", val)
            else:
                hv = self._helper_value(label) if is_formula else val
                if full:
                    plan.add(
                        SetValues(name, f"{pl}{r}", [[label]]), SetValues(name, f"{pv}{r}", [[hv]])
                    )
                else:
                    writes[f"{pl}{r}"] = ("v", label)
                    writes[f"{pv}{r}"] = ("v", hv)
        # the document's cells
        doc_sheet = DocumentSheet(
            self.doc, name, self.order.contract_no, self.status, plan, last_row=last_row
        )
        heights: dict[int, float] = {}
        seen: set[str] = set()
        for c, i in self.cells:
            v = self.value(c, i)
            addr = c.addr()
            doc_sheet.values[addr] = v
            f = None if self.issued else self.formula(c, i)
            if full:
                if f is None:
                    plan.add(SetValues(name, addr, [[v]]))
                else:
                    plan.add(SetFormula(name, addr, f))
                if c.merged:
                    plan.add(Merge(name, c.ref()))
                fmt = c.format or self._default_format(c)
                if fmt:
                    plan.add(NumberFormat(name, addr, fmt))
                self._style(plan, c)
            else:
                writes[addr] = ("v", v) if f is None else ("f", f)
            h = self._height(c, v)
            if h:
                if not c.merged or c.to_row == c.row:
                    heights[c.row] = max(heights.get(c.row, 0), h)
            if c.checked:
                key = c.field_key + (f"[{i}]" if i else "")
                if key not in seen:
                    seen.add(key)
                    lz, le = self._labels(c)
                    doc_sheet.fields.append(
                        FieldRecord(
                            key, addr, f"{c.source}:{c.arg}", v, lz, le, self._master_key(c, i)
                        )
                    )
        rows = sorted({**heights, **self.doc.row_heights}.items())
        # provenance block (fields)
        head = len(prov) + 2
        dates = tuple(
            fr.value is not None and isinstance(fr.value, dt.date) for fr in doc_sheet.fields
        )
        if lite:
            for k, word in enumerate(("field", "source", "cell", "value")):
                writes[f"{column_letter(self.pcol + k)}{head}"] = ("v", word)
            for k, fr in enumerate(doc_sheet.fields, start=head + 1):
                for j, x in enumerate(
                    (fr.key, fr.source, fr.cell, fr.value if self.issued else None)
                ):
                    writes[f"{column_letter(self.pcol + j)}{k}"] = ("v", x)
            doc_sheet.writes = writes
            doc_sheet.shape = (self.doc.key, self.n, self.status, tuple(rows), dates)
            doc_sheet.order = self.order
            doc_sheet.now = self.now
            return doc_sheet
        for r, h in rows:
            plan.add(RowHeight(name, r, h))
        plan.add(SetValues(name, f"{pl}{head}", [["field", "source", "cell", "value"]]))
        for k, fr in enumerate(doc_sheet.fields, start=head + 1):
            plan.add(
                SetValues(
                    name,
                    f"{pl}{k}",
                    [[fr.key, fr.source, fr.cell, fr.value if self.issued else None]],
                )
            )
            if dates[k - head - 1]:
                plan.add(NumberFormat(name, f"{column_letter(self.pcol + 3)}{k}", "yyyy-mm-dd"))
        plan.add(
            Font(
                name,
                f"{pl}1:{column_letter(self.pcol + 3)}{head + len(doc_sheet.fields)}",
                size=8,
                color="808080",
            )
        )
        plan.add(HideColumns(name, f"{pl}:{column_letter(self.pcol + 3)}"))
        plan.add(
            PageSetup(
                name,
                print_area=area,
                orientation=L.orientation,
                paper=L.paper,
                fit_width=1,
                fit_height=1,
                margins_cm=L.margins_cm,
                center_horizontally=True,
            )
        )
        return doc_sheet

    def _default_format(self, c: CellSpec) -> str | None:
        return self._memo(("format", c.source, c.arg), lambda: self._default_format_of(c))

    def _default_format_of(self, c: CellSpec) -> str | None:
        t = self.order.master
        if c.source == "master" and t.spec.has(c.arg):
            spec = t.spec.column(c.arg)
            if spec.format:
                return spec.format
            if spec.type == "date":
                return "yyyy-mm-dd"
        return None

    def _labels(self, c: CellSpec) -> tuple[str, str]:
        return self._memo(("labels", c), lambda: self._labels_of(c))

    def _labels_of(self, c: CellSpec) -> tuple[str, str]:
        if c.label:
            return c.label
        t = self.order.master
        key = c.arg if c.source == "master" else None
        if key and t.spec.has(key):
            spec = t.spec.column(key)
            return spec.zh, spec.en
        return c.field_key, c.field_key

    def _master_key(self, c: CellSpec, i: int = 0) -> str | None:
        """The master column a field comes from (for the finding's second address)."""
        return self._memo(
            ("master_key", self.doc.key, c, i, self.n), lambda: self._master_key_of(c, i)
        )

    def _master_key_of(self, c: CellSpec, i: int = 0) -> str | None:
        if c.source == "master":
            return c.arg
        if c.source == "container_no":
            return "container_nos"
        if c.source == "customer":
            return "customer"
        if c.source == "product":
            return "product"
        if c.source == "calc":
            if c.key and self.order.master.has(c.key):
                return c.key  # the field is itself a master column (amount)
            for scope, key in expr.names(c.arg):
                if scope == "m":
                    return key
                if scope == "doc":
                    return self._master_key(self.cell_of(key, i), i)
        if c.source in ("words_en", "words_zh"):
            return self._master_key(self.cell_of(c.arg, i), i)
        return None

    def _style(self, plan: Plan, c: CellSpec) -> None:
        name, ref = self.name, c.ref()
        made = self._memo(("style", c.styles), lambda: self._style_actions(c.styles))
        plan.actions.extend(kind(name, ref, **kw) for kind, kw in made)

    def _style_actions(self, styles: tuple[str, ...]) -> list[tuple[type, dict[str, Any]]]:
        """The style actions of a cell's styles, as (action type, arguments) without the
        sheet and range."""
        out: list[tuple[type, dict[str, Any]]] = []
        for sname in styles:
            st = self.layout.styles[sname]
            if any(x is not None for x in (st.bold, st.italic, st.size, st.color, st.font)):
                out.append(
                    (
                        Font,
                        {
                            "bold": st.bold,
                            "italic": st.italic,
                            "size": st.size,
                            "color": st.color,
                            "name": st.font,
                        },
                    )
                )
            if any(x is not None for x in (st.horizontal, st.vertical, st.wrap)):
                out.append(
                    (Align, {"horizontal": st.horizontal, "vertical": st.vertical, "wrap": st.wrap})
                )
            if st.fill:
                out.append((Fill, {"color": st.fill}))
            if st.border:
                out.append((Border, {"edges": tuple(st.border), "style": st.border_style}))
        return out

    def _height(self, c: CellSpec, v: Any) -> float | None:
        """A row height that shows the whole text: Excel never grows a merged cell's row
        by itself, so wrapped text is measured here (CJK characters count double)."""
        return self._memo(
            ("height", c.styles, c.col, c.to_col, c.row, c.to_row, _text_of(v)),
            lambda: self._height_of(c, v),
        )

    def _height_of(self, c: CellSpec, v: Any) -> float | None:
        size = self.layout.font_size
        wrap = False
        for sname in c.styles:
            st = self.layout.styles[sname]
            size = st.size or size
            wrap = wrap or bool(st.wrap)
        line_h = size * 1.45
        text = _text_of(v)
        if not wrap:
            return round(line_h + 2, 1) if size > self.layout.font_size else None
        width = sum(
            self.layout.columns.get(column_letter(k), 8.43)
            for k in range(c.col, (c.to_col or c.col) + 1)
        )
        cap = max(width * 1.3 * (self.layout.font_size / size) - 1, 4)
        lines = sum(max(1, math.ceil(_display_width(part) / cap)) for part in text.split("\n"))
        rows = (c.to_row or c.row) - c.row + 1
        need = lines * line_h + 3
        if rows > 1 or need <= line_h + 4:
            return None
        return round(need, 1)


def build_document(
    layout: Layout,
    doc: DocumentSpec,
    order: Order,
    status: str = DRAFT,
    now: dt.datetime | None = None,
    cache: dict[Any, Any] | None = None,
    lite: bool = False,
) -> DocumentSheet:
    """The plan and records of ``doc`` for ``order`` (see the module docstring).  ``cache``:
    one dict shared by the calls of one run over the same tables and layout (build_all);
    ``lite``: writes and shape instead of a plan (Builder.build)."""
    return Builder(layout, doc, order, status, now, cache).build(lite)
