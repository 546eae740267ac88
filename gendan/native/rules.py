"""Native rules: the checks a workbook can run by itself, as conditional formats and data
validation, made from the schema.

Why: the ribbon and the GD_ formulas need desktop Excel with Python and xlwings.  Many
teams keep the 工作序列表 in WPS, pass it to a colleague on a Mac or open it in Excel on
the web, and the person who types a wrong amount is rarely the one who runs the check.
Conditional formats and data validation travel inside the file and work on every one of
those platforms, with no code: so the row-local rules of the engine are also written as
Excel 2010 formulas, which colour a wrong cell the moment it is typed.

How it stays one set of rules:

* every formula is built here from the schema (columns, conditions, tolerances, settings,
  enum lists) and from the engine's own constants (the date pairs of
  :mod:`gendan.rules.checks.orders`, the payment-terms words of :mod:`gendan.model.terms`), never typed
  twice;
* column letters come from the header detection of each book (:class:`Layout`, filled from
  the engine's :class:`~gendan.read.tables.Table` or from the template's column order), so a
  book with its own column order gets formulas that point at its own columns;
* a test (tests/native/test_native_rules_libreoffice.py) writes every rule's formula into helper
  cells, has LibreOffice compute them and compares the flagged cells with ``gendan check``.

Formula rules: Excel 2010 functions only, no volatile function but TODAY(), no array
constant inside a conditional format (Excel refuses them there: they live in defined
names), every conditional-format and validation formula at most 255 characters (a longer
one is moved into a defined name), references to other sheets only through defined names
(Excel 2007 refused them in conditional formats; a name works everywhere).  Every name is
``gd_…``; every rule starts with ``AND(gd_on,`` (a validation with ``OR(NOT(gd_on),``), which
is how a later run recognises and replaces its own rules and leaves the user's alone.

Names that depend on the row read it with ``INDEX('工作序列表'!$V$1:$V$2003,ROW())``: every
reference in a name is absolute, so nothing rests on how an application anchors a relative
reference in a defined name, and sorting or inserting rows cannot shift them.

Where a formula cannot agree with the engine exactly, the reason is in docs/native-rules.md
(dates typed as text, numbers typed as text, payment terms outside the common forms,
per-customer setting overrides, a 合计 line).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from gendan.model.grid import column_letter
from gendan.model.plan import quote_sheet
from gendan.model.schema import ColumnSpec, Condition, Schema, SheetSpec
from gendan.model.terms import LC_METHODS
from gendan.native.terms import _MCODE, PREFIX, TermsFormulas, _num, _slug, _strlist
from gendan.read.gate import NATIVE_HELPER_SHEET
from gendan.rules.checks.orders import _DATE_ORDER
from gendan.write.marks import SEVERITY_FILL

if TYPE_CHECKING:  # the engine's tables are read, never imported at run time here
    from gendan.read.tables import Table, Tables

__all__ = [
    "ON",
    "BookLayout",
    "Layout",
    "LegendRow",
    "Rule",
    "RuleSet",
    "Validation",
    "build_rules",
    "MAX_FORMULA",
    "Typed",
    "layout_from_tables",
    "template_layout",
]

ON = "gd_on"  # the switch every rule starts with; also how gendan knows its own rules
MAX_FORMULA = 255  # Excel's limit for a validation formula (and the CF dialog's)


# ----------------------------------------------------------------------------- layout


@dataclass(frozen=True)
class Layout:
    """Where one table is: sheet, header row, the rows the rules cover, the column of each
    key (1-based) and the span of the header (for "is this row in use")."""

    role: str
    sheet: str
    header_row: int
    first: int
    last: int
    cols: dict[str, int]
    span: tuple[int, int]

    def letter(self, key: str) -> str:
        return column_letter(self.cols[key])

    def has(self, key: str) -> bool:
        return key in self.cols

    def column_range(self, key: str, qualify: bool = True) -> str:
        """The column's cells over the covered rows, absolute: '产品'!$A$2:$A$301."""
        q = f"{quote_sheet(self.sheet)}!" if qualify else ""
        col = self.letter(key)
        return f"{q}${col}${self.first}:${col}${self.last}"

    def sqref(self, key: str) -> str:
        col = self.letter(key)
        return f"{col}{self.first}:{col}{self.last}"


@dataclass(frozen=True)
class BookLayout:
    master: Layout
    customers: Layout | None = None
    products: Layout | None = None

    def tables(self) -> list[Layout]:
        return [t for t in (self.master, self.customers, self.products) if t is not None]


def template_layout(schema: Schema, header_row: int, rows: int, ref_rows: int) -> BookLayout:
    """The layout of the blank template: every schema column in schema order."""

    def lay(spec: SheetSpec, hr: int, n: int) -> Layout:
        cols = {c.key: j for j, c in enumerate(spec.columns, start=1)}
        return Layout(spec.role, spec.names[0], hr, hr + 1, hr + n, cols, (1, len(spec.columns)))

    return BookLayout(
        lay(schema.master, header_row, rows),
        lay(schema.customers, 1, ref_rows),
        lay(schema.products, 1, ref_rows),
    )


def layout_from_tables(
    tables: Tables,
    ahead: int = 1000,
    ref_ahead: int = 200,
    extents: dict[str, tuple[int, int]] | None = None,
) -> BookLayout:
    """The layout of a book as the engine read it (:class:`gendan.read.tables.Tables`): its own
    header rows and column order.  The rules reach ``ahead`` rows past the last order so
    that the next orders typed are covered too; ``extents`` (sheet → first/last row of an
    Excel Table) replaces that for a sheet whose data is an Excel Table."""
    extents = extents or {}

    def lay(t: Table, more: int) -> Layout:
        rows = list(t.rows)
        hr = int(t.header_row)
        first = rows[0] if rows else hr + 1
        last = max(rows[-1] if rows else first, first) + more
        if t.sheet in extents:
            first, last = extents[t.sheet]
        cols = dict(t.col)
        every = list(cols.values()) + list(t.extra.values())
        return Layout(t.spec.role, t.sheet, hr, first, last, cols, (min(every), max(every)))

    m = tables.master
    c, p = tables.customers, tables.products
    return BookLayout(
        lay(m, ahead),
        lay(c, ref_ahead) if c is not None else None,
        lay(p, ref_ahead) if p is not None else None,
    )


# ----------------------------------------------------------------------------- model


@dataclass(frozen=True)
class Validation:
    """A custom data validation for one column: ``formula`` is TRUE when the value is fine
    (it already includes ``OR(NOT(gd_on), …)``)."""

    role: str
    key: str
    formula: str
    stop: bool
    title: str
    prompt: str
    error: str
    codes: tuple[str, ...] = ()  # the finding codes its rules stand for


@dataclass(frozen=True)
class Rule:
    """One conditional format: cells of column ``key`` of table ``role`` turn the colour of
    ``code``'s severity where ``formula`` (rendered for a row) is TRUE."""

    id: str
    code: str
    role: str
    key: str
    build: Callable[[Cells], str]
    zh: str
    en: str
    check: Callable[[Cells], str] | None = None  # the validation's own condition (TRUE = fine)
    stop: bool = False


@dataclass(frozen=True)
class Typed:
    """A column's own type check (TRUE = fine) that its validation must keep."""

    check: Callable[[Cells], str]
    zh: str
    en: str


@dataclass(frozen=True)
class LegendRow:
    code: str
    severity: str
    color: str
    column: str
    zh: str
    en: str
    how: str


HELPER_SHEET = NATIVE_HELPER_SHEET  # the gate knows its formulas come without values
#: Per-row values several rules share (the payment method, the tenor, the due date, the 产品
#: row, the container numbers…).  Each is one formula cell per master row on the hidden
#: helper sheet, and its name reads that cell (INDEX by ROW()).  As names only, they would
#: be expanded inside one another: the due date alone grew to 860,000 characters, which
#: LibreOffice refuses with #N/A and Excel would recompute in every cell of every rule.
HELPER_NAMES = ("t", "n1", "n", "pc", "m", "dep", "dd", "bs", "ad", "due", "prow", "cn", "cbad")


class Cells:
    """References to the cells of one row of a table: ``c["amount"]`` → ``$R4``."""

    def __init__(self, lay: Layout, row: int, qualify: bool = False) -> None:
        self.lay, self.row = lay, row
        self.q = f"{quote_sheet(lay.sheet)}!" if qualify else ""

    def __getitem__(self, key: str) -> str:
        return f"{self.q}${self.lay.letter(key)}{self.row}"

    def __contains__(self, key: str) -> bool:
        return self.lay.has(key)

    def span(self) -> str:
        a, b = self.lay.span
        return f"{self.q}${column_letter(a)}{self.row}:${column_letter(b)}{self.row}"

    def upto(self, key: str) -> str:
        """The column from the first covered row down to this row: $X$4:$X9."""
        col = self.lay.letter(key)
        return f"{self.q}${col}${self.lay.first}:${col}{self.row}"


class RowCells(Cells):
    """References that read the master's cell in the row of the formula's own cell:
    ``INDEX('工作序列表'!$V$1:$V$2003,ROW())`` - the same text in any row of any sheet, so
    it serves in names and in the helper sheet, and inserted or sorted rows cannot shift it."""

    def __init__(self, lay: Layout) -> None:
        super().__init__(lay, 1, qualify=True)

    def __getitem__(self, key: str) -> str:
        col = self.lay.letter(key)
        return f"INDEX({self.q}${col}$1:${col}${self.lay.last},ROW())"

    def span(self) -> str:
        a, b = (column_letter(x) for x in self.lay.span)
        return f"INDEX({self.q}${a}$1:${b}${self.lay.last},ROW(),0)"


@dataclass
class RuleSet:
    """Everything the rules need in a book: the rules, the defined names, the legend."""

    schema: Schema
    book: BookLayout
    rules: list[Rule] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)
    helper: dict[str, str] = field(default_factory=dict)  # helper column name → formula
    skipped: list[tuple[str, str, str, str]] = field(default_factory=list)  # code, what, zh, en

    def layout(self, role: str) -> Layout:
        lay = {
            "master": self.book.master,
            "customers": self.book.customers,
            "products": self.book.products,
        }[role]
        assert lay is not None
        return lay

    def layout_for(self, sheet: str) -> Layout:
        return next(t for t in self.book.tables() if t.sheet == sheet)

    def severity(self, code: str) -> str:
        from gendan.model.codes import DEFAULT_SEVERITY

        return self.schema.severity(code, DEFAULT_SEVERITY[code])

    def color(self, code: str) -> str:
        return SEVERITY_FILL.get(self.severity(code), SEVERITY_FILL["info"])

    def formula(self, rule: Rule, row: int | None = None) -> str:
        """The rule's formula for ``row`` (default: the first covered row, as a conditional
        format stores it), with the gd_on switch."""
        lay = self.layout(rule.role)
        return f"AND({ON},{rule.build(Cells(lay, lay.first if row is None else row))})"

    def cf_formula(self, rule: Rule) -> str:
        """The formula the conditional format gets: a name when the text is too long."""
        text = self.formula(rule)
        if len(text) <= MAX_FORMULA:
            return text
        name = f"{PREFIX}r_{_slug(rule.id)}"
        self.names[name] = rule.build(RowCells(self.layout(rule.role)))
        return f"AND({ON},{name})"

    def validations(
        self,
        typed: dict[tuple[str, str], Typed] | None = None,
        exclude: Iterable[tuple[str, str]] = (),
        row: int | None = None,
    ) -> list[Validation]:
        """One custom validation per column that has rules with a typing-time check.
        ``typed`` maps (role, key) to the column's own type check (the template's date and
        number bounds), which the validation then includes: a cell has one validation.
        ``exclude``: columns that keep another validation (the template's dropdowns).
        ``row``: render for that row instead of the first covered one (tests)."""
        typed, skip = typed or {}, set(exclude)
        by_col: dict[tuple[str, str], list[Rule]] = {}
        for r in self.rules:
            if r.check is not None and (r.role, r.key) not in skip:
                by_col.setdefault((r.role, r.key), []).append(r)
        out: list[Validation] = []
        for (role, key), rules in by_col.items():
            lay = self.layout(role)
            c = Cells(lay, lay.first if row is None else row)
            parts = [r.check(c) for r in rules if r.check is not None]
            zh_parts, en_parts = [r.zh for r in rules], [r.en for r in rules]
            t = typed.get((role, key))
            if t is not None:
                parts.insert(0, t.check(c))
                zh_parts.insert(0, t.zh)
                en_parts.insert(0, t.en)
            body = parts[0] if len(parts) == 1 else "AND(" + ",".join(parts) + ")"
            formula = f"OR(NOT({ON}),{body})"
            if len(formula) > MAX_FORMULA:
                name = f"{PREFIX}v_{_slug(role)}_{_slug(key)}"
                c1 = RowCells(lay)
                p1 = [r.check(c1) for r in rules if r.check is not None]
                if t is not None:
                    p1.insert(0, t.check(c1))
                self.names[name] = p1[0] if len(p1) == 1 else "AND(" + ",".join(p1) + ")"
                formula = f"OR(NOT({ON}),{name})"
            col = self.schema.sheets[role].column(key)
            out.append(
                Validation(
                    role,
                    key,
                    formula,
                    stop=all(r.stop for r in rules),
                    codes=tuple(dict.fromkeys(r.code for r in rules)),
                    title=f"{col.zh} / {col.en}"[:32],
                    prompt=("；".join(zh_parts) + "\n" + "; ".join(en_parts))[:255],
                    error=("；".join(zh_parts) + "\n" + "; ".join(en_parts))[:225],
                )
            )
        return out

    def legend(self) -> list[LegendRow]:
        cols = {(r.role, r.key) for r in self.rules if r.check is not None}
        out = []
        for r in self.rules:
            col = self.schema.sheets[r.role].column(r.key)
            sheet = self.layout(r.role).sheet
            how = (
                "条件格式+数据验证 CF+DV"
                if (r.role, r.key) in cols and r.check is not None
                else "条件格式 CF"
            )
            out.append(
                LegendRow(
                    r.code,
                    self.severity(r.code),
                    self.color(r.code),
                    f"{sheet}!{self.layout(r.role).letter(r.key)} {col.zh} / {col.en}",
                    r.zh,
                    r.en,
                    how,
                )
            )
        return out


# ----------------------------------------------------------------------------- building


class _Builder(TermsFormulas):
    def __init__(self, schema: Schema, book: BookLayout) -> None:
        self.schema, self.book = schema, book
        self.s = schema.settings
        self.out = RuleSet(schema, book)
        self.names = self.out.names
        self.names[ON] = "TRUE"

    # -- helpers
    def add(
        self,
        code: str,
        role: str,
        key: str,
        build: Callable[[Cells], str],
        zh: str,
        en: str,
        *,
        check: Callable[[Cells], str] | None = None,
        stop: bool = False,
        id: str | None = None,
    ) -> None:
        if not self.schema.enabled(code):
            return
        self.out.rules.append(
            Rule(id or f"{code}:{role}:{key}", code, role, key, build, zh, en, check, stop)
        )

    def label(self, role: str, key: str, lang: str = "zh") -> str:
        return self.schema.sheets[role].column(key).label(lang)

    def m1(self) -> Cells:
        """References to the master row of the cell a name is used in."""
        return RowCells(self.book.master)

    def use_name(self, lay: Layout) -> str:
        """A relative name: TRUE when the row holds anything (the engine's data rows)."""
        name = f"{PREFIX}use" if lay.role == "master" else f"{PREFIX}use_{lay.role[0]}"
        if name not in self.names:
            self.names[name] = f"SUMPRODUCT(LEN(TRIM({RowCells(lay).span()})))>0"
        return name

    def list_name(self, slug: str, values: Iterable[str]) -> str:
        name = f"{PREFIX}l_{slug}"
        self.names[name] = _strlist(sorted(set(values)))
        return name

    def ref_range(self, role: str, key: str) -> str:
        name = f"{PREFIX}{role[0]}_{_slug(key)}"
        lay = self.out.layout(role)
        self.names[name] = lay.column_range(key)
        return name

    # -- the rules, table by table
    def build(self) -> RuleSet:
        for lay in self.book.tables():
            self.cell_rules(lay)
        self.master_rules()
        last = self.book.master.last
        for k, short in enumerate(h for h in HELPER_NAMES if f"{PREFIX}{h}" in self.names):
            name = f"{PREFIX}{short}"
            col = column_letter(k + 2)
            self.out.helper[name] = self.names[name]
            self.names[name] = f"INDEX({quote_sheet(HELPER_SHEET)}!${col}$1:${col}${last},ROW())"
        return self.out

    def cell_rules(self, lay: Layout) -> None:
        """required, range, enum and duplicate: from the columns' own schema fields."""
        spec = self.schema.sheets[lay.role]
        role = lay.role
        for col in spec.columns:
            if not lay.has(col.key):
                continue
            k = col.key
            zh, en = col.zh, col.en
            if col.required:
                use = self.use_name(lay)
                self.add(
                    "required",
                    role,
                    k,
                    lambda c, k=k, use=use: f"{use},LEN(TRIM({c[k]}))=0",  # type: ignore[misc]
                    f"「{zh}」必填",
                    f"{en} is required",
                )
            elif col.required_when and role == "master":
                conds = [self.condition(cond) for cond in col.required_when]
                when_zh = "或".join(cnd.describe("zh") for cnd in col.required_when)
                when_en = " or ".join(cnd.describe("en") for cnd in col.required_when)
                if any(x is None for x in conds):  # a column the condition needs is missing
                    self.out.skipped.append(
                        (
                            "required",
                            f"{lay.sheet}!{lay.letter(k)} {zh}",
                            f"{when_zh}时「{zh}」必填",
                            f"{en} is required when {when_en}",
                        )
                    )
                else:
                    fs = [f for f in conds if f is not None]
                    self.add(
                        "required",
                        role,
                        k,
                        lambda c, k=k, fs=fs: (  # type: ignore[misc]
                            f"LEN(TRIM({c[k]}))=0,"
                            + (
                                fs[0](c)
                                if len(fs) == 1
                                else "OR(" + ",".join(f(c) for f in fs) + ")"
                            )
                        ),
                        f"{when_zh}时「{zh}」必填",
                        f"{en} is required when {when_en}",
                    )
            bound = _bound_test(col)
            if bound is not None:
                self.add(
                    "range",
                    role,
                    k,
                    lambda c, k=k, b=bound: b(c[k]),  # type: ignore[misc]
                    f"「{zh}」{_bound_text(col, 'zh')}",
                    f"{en} {_bound_text(col, 'en')}",
                    check=lambda c, k=k, b=bound: f"NOT({b(c[k])})",  # type: ignore[misc]
                    stop=True,
                )
            if col.type == "enum":
                name = self.list_name(f"{role[0]}_{_slug(k)}", col.enum_lookup())
                test = lambda c, k=k, n=name: (  # noqa: E731
                    f'LEN(TRIM({c[k]}))>0,ISNA(MATCH(SUBSTITUTE(TRIM({c[k]})," ",""),{n},0))'
                )
                self.add(
                    "enum",
                    role,
                    k,
                    test,
                    f"「{zh}」不在允许的值中",
                    f"{en} is not one of the allowed values",
                )
            if col.unique:
                self.add(
                    "duplicate",
                    role,
                    k,
                    lambda c, k=k: f"LEN(TRIM({c[k]}))>0,COUNTIF({c.upto(k)},{c[k]})>1",  # type: ignore[misc]
                    f"「{zh}」重复",
                    f"{en} used twice",
                    check=lambda c, k=k, lay=lay: (  # type: ignore[misc]
                        f"COUNTIF({lay.column_range(k, qualify=False)},{c[k]})<=1"
                    ),
                    stop=True,
                )

    def condition(self, cond: Condition) -> Callable[[Cells], str] | None:
        """A required-when condition as a formula, or None when it cannot be one."""
        m = self.book.master
        if cond.terms:
            if not m.has("payment_terms"):
                return None
            self.terms_names()
            test = self.method_in(cond.terms)
            return lambda c: test
        if cond.present:
            if not m.has(cond.present):
                return None
            return lambda c, k=cond.present: f"LEN(TRIM({c[k]}))>0"  # type: ignore[misc]
        if cond.courier:
            if not (m.has("dispatch_method") and m.has("docs_sent_date")):
                return None
            cour, sent = self.courier_name(), self.status_sent_name()

            def courier(c: Cells) -> str:
                gone = f"ISNUMBER({c['docs_sent_date']})"
                if sent is not None and m.has("status"):
                    gone = f'OR({gone},ISNUMBER(MATCH(SUBSTITUTE(TRIM({c["status"]})," ",""),{sent},0)))'
                return f'AND(ISNUMBER(MATCH(SUBSTITUTE(TRIM({c["dispatch_method"]})," ",""),{cour},0)),{gone})'

            return courier
        return None

    def method_in(self, methods: Iterable[str]) -> str:
        """TRUE when the order's terms are one of ``methods``.  One reference to gd_m: LibreOffice
        gives #N/A for OR(gd_m=5,gd_m=6) inside AND in a conditional format's array context."""
        codes = sorted(_MCODE[x] for x in methods)
        if len(codes) == 1:
            return f"{PREFIX}m={codes[0]}"
        name = f"{PREFIX}ms_" + "_".join(str(k) for k in codes)
        self.names[name] = "{" + ",".join(str(k) for k in codes) + "}"
        return f"ISNUMBER(MATCH({PREFIX}m,{name},0))"

    def courier_name(self) -> str:
        col = self.schema.master.column("dispatch_method")
        couriers = {e.value for e in col.enum if e.courier}
        return self.list_name("courier", [k for k, v in col.enum_lookup().items() if v in couriers])

    def status_sent_name(self) -> str | None:
        """Status values from 已寄单 (rank 5) on: the engine's 'documents have gone'."""
        if not self.schema.master.has("status"):
            return None
        col = self.schema.master.column("status")
        late = {e.value for e in col.enum if (e.rank or 0) >= 5}
        return self.list_name("sent", [k for k, v in col.enum_lookup().items() if v in late])

    # -- payment terms as formulas (names on the master's row)
    # -- product lookups
    def product_row(self) -> str | None:
        """gd_prow: the 产品 row (1-based within the range) of this order, 0 when none."""
        if f"{PREFIX}prow" in self.names:
            return f"{PREFIX}prow"
        p, m = self.book.products, self.book.master
        if p is None or not p.has("product") or not m.has("product"):
            return None
        c = self.m1()
        pk = f"{PREFIX}pk"
        self.names[pk] = f'SUBSTITUTE({self.ref_range("products", "product")}," ","")'
        ps = f"{PREFIX}ps"
        self.names[ps] = (
            f'SUBSTITUTE({self.ref_range("products", "spec")}," ","")' if p.has("spec") else '""'
        )
        name = f'SUBSTITUTE({c["product"]}," ","")'
        spec = f'SUBSTITUTE({c["spec"]}," ","")' if m.has("spec") else '""'
        exact = f"MATCH(1,INDEX(({pk}={name})*({ps}={spec}),0),0)"
        alone = f'IF(AND({spec}="",SUMPRODUCT(--({pk}={name}))=1),MATCH({name},{pk},0),0)'
        self.names[f"{PREFIX}prow"] = f"IF(LEN({name})=0,0,IFERROR({exact},{alone}))"
        return f"{PREFIX}prow"

    def product_fact(self, key: str) -> str | None:
        """The 产品 value of ``key`` for this order (a name), None when not available."""
        prow = self.product_row()
        if prow is None or self.book.products is None or not self.book.products.has(key):
            return None
        name = f"{PREFIX}pf_{_slug(key)}"
        self.names[name] = f"INDEX({self.ref_range('products', key)},{prow})"
        return name

    # -- the master's row rules
    def master_rules(self) -> None:
        m = self.book.master
        s = self.s
        L = self.label
        if m.has("cartons") and m.has("unit_price") and m.has("amount"):
            tol = _num(s.amount_tolerance)

            def amount_ok(c: Cells) -> str:
                return f"ABS({c['amount']}-ROUND({c['cartons']}*{c['unit_price']},2))<={tol}+1E-9"

            def amount_bad(c: Cells) -> str:
                return (
                    f"ISNUMBER({c['cartons']}),INT({c['cartons']})={c['cartons']},ISNUMBER({c['unit_price']}),"
                    f"ISNUMBER({c['amount']}),NOT({amount_ok(c)})"
                )

            self.add(
                "amount-mismatch",
                "master",
                "amount",
                amount_bad,
                f"{L('master', 'amount')} ≠ {L('master', 'cartons')} × {L('master', 'unit_price')}（±{tol}）",
                f"Amount ≠ cartons × unit price (±{tol})",
                check=lambda c: (
                    f"OR(NOT(ISNUMBER({c['cartons']})),NOT(ISNUMBER({c['unit_price']})),{amount_ok(c)})"
                ),
            )
        if m.has("cartons") and m.has("kg_per_carton") and m.has("net_weight_kg"):
            pct = _num(s.weight_tolerance_pct)

            def net_ok(c: Cells) -> str:
                want = f"{c['cartons']}*{c['kg_per_carton']}"
                return f"ABS({c['net_weight_kg']}-{want})<=ABS({want})*{pct}/100+1E-9"

            self.add(
                "weight-mismatch",
                "master",
                "net_weight_kg",
                lambda c: (
                    f"ISNUMBER({c['cartons']}),INT({c['cartons']})={c['cartons']},ISNUMBER({c['kg_per_carton']}),"
                    f"ISNUMBER({c['net_weight_kg']}),NOT({net_ok(c)})"
                ),
                f"{L('master', 'net_weight_kg')} ≠ {L('master', 'cartons')} × {L('master', 'kg_per_carton')}（±{pct}%）",
                f"Net weight ≠ cartons × kg per carton (±{pct} %)",
                check=lambda c: (
                    f"OR(NOT(ISNUMBER({c['cartons']})),NOT(ISNUMBER({c['kg_per_carton']})),{net_ok(c)})"
                ),
            )
        kg = self.product_fact("kg_per_carton") if m.has("kg_per_carton") else None
        if kg is not None:
            tol = _num(s.kg_per_carton_tolerance)
            self.add(
                "weight-mismatch",
                "master",
                "kg_per_carton",
                lambda c: (
                    f"ISNUMBER({c['kg_per_carton']}),{PREFIX}prow>0,ISNUMBER({kg}),ABS({c['kg_per_carton']}-{kg})>{tol}"
                ),
                f"{L('master', 'kg_per_carton')}与「{self.book.products.sheet}」表不符",
                "Net kg per carton differs from the Products sheet",
                id="weight-mismatch:kg",
            )
        if m.has("net_weight_kg") and m.has("gross_weight_kg"):
            self.add(
                "gross-not-above-net",
                "master",
                "gross_weight_kg",
                lambda c: (
                    f"ISNUMBER({c['net_weight_kg']}),ISNUMBER({c['gross_weight_kg']}),{c['gross_weight_kg']}<={c['net_weight_kg']}"
                ),
                f"{L('master', 'gross_weight_kg')} ≤ {L('master', 'net_weight_kg')}",
                "Gross weight not above net weight",
                check=lambda c: (
                    f"OR(NOT(ISNUMBER({c['net_weight_kg']})),{c['gross_weight_kg']}>{c['net_weight_kg']})"
                ),
            )
        if m.has("received_amount") and m.has("amount"):
            tol = _num(s.amount_tolerance)
            self.add(
                "over-received",
                "master",
                "received_amount",
                lambda c: (
                    f"ISNUMBER({c['received_amount']}),ISNUMBER({c['amount']}),{c['received_amount']}>{c['amount']}+{tol}"
                ),
                f"{L('master', 'received_amount')} > {L('master', 'amount')}",
                "Received more than the amount",
            )
        self.container_rules()
        self.date_rules()
        self.reference_rules()
        self.overdue_rule()

    def container_rules(self) -> None:
        m = self.book.master
        if not m.has("container_nos"):
            return
        c1, n = self.m1(), self.names
        # separators go before ASC: it turns 、 into the half-width ､, which is no separator
        x = c1["container_nos"]
        for sep in (
            " ",
            ",",
            "/",
            ";",
            "，",
            "；",
            "、",
            "､",
            "-",
            "CHAR(10)",
            "CHAR(13)",
            "CHAR(9)",
            "　",
        ):
            arg = sep if sep.startswith("CHAR") else f'"{sep}"'
            x = f'SUBSTITUTE({x},{arg},"")'
        x = f"UPPER(ASC({x}))"
        # each number's 11 characters as ISO 6346 values: 0-9 digits, A=10, B=12 … (11, 22,
        # 33 skipped); one row per number (up to 12 numbers in a cell), one column per place
        n[f"{PREFIX}i"] = "{" + ",".join(str(i) for i in range(1, 12)) + "}"
        n[f"{PREFIX}j"] = "{" + ";".join(str(11 * k) for k in range(12)) + "}"
        n[f"{PREFIX}w"] = "{" + ";".join([str(2**i) for i in range(10)] + ["0"]) + "}"
        n[f"{PREFIX}e"] = "{" + ";".join(["0"] * 10 + ["1"]) + "}"
        # twice: gd_cn/gd_cbad are helper cells for the conditional formats; the validation
        # gets its own names (gd_vcn…), read straight from the cell being typed - a helper
        # cell is recalculated only after the validation has looked at it
        for cn, cv, bad in (
            (f"{PREFIX}cn", f"{PREFIX}cv", f"{PREFIX}cbad"),
            (f"{PREFIX}vcn", f"{PREFIX}vcv", f"{PREFIX}vcbad"),
        ):
            n[cn] = x
            n[cv] = (
                f'IFERROR(FIND(MID({cn}&REPT("0",132),{PREFIX}j+{PREFIX}i,1),"{ISO6346_VALUES}")-1,99)'
            )
            live = f"({PREFIX}j<LEN({cn}))"
            n[bad] = (
                f"MOD(LEN({cn}),11)+SUMPRODUCT({live}*(MOD(MOD(MMULT({cv},{PREFIX}w),11),10)"
                f"<>MMULT({cv},{PREFIX}e)))+SUMPRODUCT({live}*((({PREFIX}i<5)<>({cv}>9))"
                f"+({cv}>38)+({cv}=11)+({cv}=22)+({cv}=33)>0))"
            )
        cn = f"{PREFIX}cn"
        L = self.label
        self.add(
            "container-check-digit",
            "master",
            "container_nos",
            lambda c: f"LEN({cn})>0,{PREFIX}cbad>0",
            f"{L('master', 'container_nos')} ISO 6346 校验位或格式不对",
            "Container number: ISO 6346 check digit or form",
            check=lambda c: f"{PREFIX}vcbad=0",
            stop=True,
        )
        if m.has("containers"):
            self.add(
                "container-count",
                "master",
                "container_nos",
                lambda c: (
                    f"LEN({cn})>0,ISNUMBER({c['containers']}),INT({c['containers']})={c['containers']},"
                    f"ROUNDUP(LEN({cn})/11,0)<>{c['containers']}"
                ),
                f"{L('master', 'container_nos')} 个数 ≠ {L('master', 'containers')}",
                "Number of container numbers ≠ containers",
                id="container-count",
            )

    def date_rules(self) -> None:
        m, L = self.book.master, self.label
        for later, earlier in _DATE_ORDER:
            if m.has(later) and m.has(earlier):
                self.add(
                    "date-order",
                    "master",
                    later,
                    lambda c, a=later, b=earlier: (  # type: ignore[misc]
                        f"ISNUMBER({c[a]}),ISNUMBER({c[b]}),INT({c[a]})<INT({c[b]})"
                    ),
                    f"{L('master', later)} 早于 {L('master', earlier)}",
                    f"{L('master', later, 'en')} before {L('master', earlier, 'en')}",
                    check=lambda c, a=later, b=earlier: (  # type: ignore[misc]
                        f"OR(NOT(ISNUMBER({c[b]})),INT({c[a]})>=INT({c[b]}))"
                    ),
                )
        if m.has("bl_date") and m.has("latest_shipment"):
            self.add(
                "late-shipment",
                "master",
                "bl_date",
                lambda c: (
                    f"ISNUMBER({c['bl_date']}),ISNUMBER({c['latest_shipment']}),INT({c['bl_date']})>INT({c['latest_shipment']})"
                ),
                f"{L('master', 'bl_date')} 晚于 {L('master', 'latest_shipment')}",
                "B/L date after the latest shipment date",
            )
        if m.has("lc_expiry") and m.has("latest_shipment"):
            self.add(
                "lc-expiry-before-shipment",
                "master",
                "lc_expiry",
                lambda c: (
                    f"ISNUMBER({c['lc_expiry']}),ISNUMBER({c['latest_shipment']}),INT({c['lc_expiry']})<INT({c['latest_shipment']})"
                ),
                f"{L('master', 'lc_expiry')} 早于 {L('master', 'latest_shipment')}",
                "L/C expiry before the latest shipment date",
            )
        if m.has("docs_sent_date") and m.has("payment_terms"):
            self.terms_names()
            days = self.s.lc_presentation_days
            lc = self.method_in(LC_METHODS)

            def pres(c: Cells) -> str:
                sent = c["docs_sent_date"]
                bl = (
                    f"IF(ISNUMBER({c['bl_date']}),INT({sent})>INT({c['bl_date']})+{days},"
                    if m.has("bl_date")
                    else "IF(FALSE,FALSE,"
                )
                exp = (
                    f"AND(ISNUMBER({c['lc_expiry']}),INT({sent})>INT({c['lc_expiry']}))"
                    if m.has("lc_expiry")
                    else "FALSE"
                )
                return f"{lc},ISNUMBER({sent}),{bl}{exp})"

            self.add(
                "lc-presentation",
                "master",
                "docs_sent_date",
                pres,
                f"信用证单据晚于提单后 {days} 天或晚于有效期交单",
                f"L/C documents more than {days} days after the B/L or after expiry",
            )

    def reference_rules(self) -> None:
        m, L = self.book.master, self.label
        cust = self.book.customers
        if cust is not None and cust.has("customer") and m.has("customer"):
            rng = self.ref_range("customers", "customer")
            ck = f"{PREFIX}ck"
            self.names[ck] = f'SUBSTITUTE({rng}," ","")'

            def known(c: Cells) -> str:
                return f'SUMPRODUCT(--({ck}=SUBSTITUTE({c["customer"]}," ","")))>0'

            self.add(
                "unknown-customer",
                "master",
                "customer",
                lambda c: f"LEN(TRIM({c['customer']}))>0,NOT({known(c)})",
                f"{L('master', 'customer')}不在「{cust.sheet}」表中",
                f"Customer not in the {cust.sheet} sheet",
                check=known,
            )
        prow = self.product_row()
        if prow is not None:
            pk = f"{PREFIX}pk"
            self.add(
                "unknown-product",
                "master",
                "product",
                lambda c: f"LEN(TRIM({c['product']}))>0,{prow}=0",
                f"{L('master', 'product')}+{L('master', 'spec')}不在「{self.book.products.sheet}」表中",
                f"Product and spec not in the {self.book.products.sheet} sheet",
                check=lambda c: f'SUMPRODUCT(--({pk}=SUBSTITUTE({c["product"]}," ","")))>0',
            )
            lo, hi = self.product_fact("temp_min_c"), self.product_fact("temp_max_c")
            if m.has("temperature_c") and lo and hi:
                t = "temperature_c"

                def out_of(c: Cells) -> str:
                    return f"OR(AND(ISNUMBER({lo}),{c[t]}<{lo}),AND(ISNUMBER({hi}),{c[t]}>{hi}))"

                self.add(
                    "temperature-range",
                    "master",
                    t,
                    lambda c: f"ISNUMBER({c[t]}),{prow}>0,{out_of(c)}",
                    f"{L('master', t)}超出产品温度范围",
                    "Temperature outside the product's range",
                    check=lambda c: f"OR({prow}=0,NOT({out_of(c)}))",
                )

    def overdue_rule(self) -> None:
        m = self.book.master
        if not self.due_names():
            return
        key = "received_amount" if m.has("received_amount") else "amount"
        thr = _num(self.s.overdue_threshold)

        def late(c: Cells) -> str:
            got = f"N({c['received_amount']})" if m.has("received_amount") else "0"
            return (
                f"ISNUMBER({c['amount']}),ROUND({c['amount']}-{got},2)>{thr},"
                f"ISNUMBER({PREFIX}due),TODAY()-INT({PREFIX}due)>=1"
            )

        self.add(
            "overdue",
            "master",
            key,
            late,
            "未收款且已过到期日（到期日或由付款方式算出）",
            "Open balance past its due date (typed, or from the payment terms)",
        )


def _bound_test(col: ColumnSpec) -> Callable[[str], str] | None:
    """A formula TRUE when the number in cell ``x`` is outside the column's bounds."""
    if col.type not in ("number", "integer") or (
        col.gt is None and col.min is None and col.max is None
    ):
        return None
    whole = col.type == "integer"

    def test(x: str) -> str:
        bad = []
        if col.gt is not None:
            bad.append(f"{x}<={_num(col.gt)}")
        if col.min is not None:
            bad.append(f"{x}<{_num(col.min)}")
        if col.max is not None:
            bad.append(f"{x}>{_num(col.max)}")
        cond = bad[0] if len(bad) == 1 else "OR(" + ",".join(bad) + ")"
        return f"ISNUMBER({x}),{f'INT({x})={x},' if whole else ''}{cond}"

    return lambda x: "AND(" + test(x) + ")"


def _bound_text(col: ColumnSpec, lang: str) -> str:
    parts = []
    if col.gt is not None:
        parts.append(f"> {_num(col.gt)}")
    if col.min is not None:
        parts.append(f"≥ {_num(col.min)}")
    if col.max is not None:
        parts.append(f"≤ {_num(col.max)}")
    return ("应" if lang == "zh" else "must be ") + (" 且 " if lang == "zh" else " and ").join(
        parts
    )


#: ISO 6346 character values by position: FIND(ch, …)-1 gives 0-9 for digits, A=10, B=12 …
#: Z=38 (11, 22 and 33 are skipped, held by "?").
ISO6346_VALUES = "0123456789A?BCDEFGHIJK?LMNOPQRSTU?VWXYZ"


def check_digit_formula(cell: str) -> str:
    """The ISO 6346 check digit of the container number in ``cell`` as one worksheet formula
    (under 200 characters; the value :func:`gendan.model.iso6346.check_digit` gives): the number
    is valid when it equals the 11th character.  The 柜号 rule itself also checks the form and
    reads several numbers per cell (names gd_cn, gd_cv, gd_cbad)."""
    pos = "{" + ",".join(str(i) for i in range(1, 11)) + "}"
    pow2 = "{" + ",".join(str(i) for i in range(10)) + "}"
    return f'MOD(MOD(SUMPRODUCT((FIND(MID(UPPER({cell}),{pos},1),"{ISO6346_VALUES}")-1)*2^{pow2}),11),10)'


def build_rules(schema: Schema, book: BookLayout) -> RuleSet:
    """Every native rule the schema gives for the tables of ``book``."""
    return _Builder(schema, book).build()
