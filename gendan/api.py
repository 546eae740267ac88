"""The use cases, each returning a result object that a surface only renders.

The command line (:mod:`gendan.cli`) and the ribbon (:mod:`macros_py.ribbon`) used to
assemble engine steps on their own (read, type the tables, compute the receivables, build
the documents and join their plans), and drifted: the ribbon showed the overdue lines of
the first master sheet only, the command line of every one.  Here each use case is one
function of (input, :class:`~gendan.model.options.RunOptions`); the input is a workbook path or a
workbook already read into plain values (the ribbon reads the open book through xlwings).

This module imports neither openpyxl nor xlwings at import time; the use cases that write
a file (annotate, rules) import their writers when called.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gendan.model.findings import Report
from gendan.model.grid import WorkbookData
from gendan.model.options import RunOptions
from gendan.model.plan import Plan

if TYPE_CHECKING:
    from gendan.documents.build import DocumentSheet
    from gendan.model.schema import Schema
    from gendan.read.tables import Tables
    from gendan.report.dashboard import Dashboard
    from gendan.report.mail import Draft
    from gendan.report.todo import TodoItem
    from gendan.rules.receivables import Receivable, ReceivablesBook

__all__ = [
    "Book",
    "CheckResult",
    "DashboardResult",
    "DocumentsResult",
    "MailResult",
    "OverdueResult",
    "TodoResult",
    "annotate",
    "check",
    "documents",
    "load",
    "mail",
    "overdue",
    "report",
    "rules",
    "todo",
]

Source = str | Path | WorkbookData
#: the options of a call that names none (frozen, so one shared instance is safe)
DEFAULTS = RunOptions()


@dataclass(frozen=True)
class Book:
    """A workbook read and typed: what every use case starts from."""

    tables: Tables
    schema: Schema

    @property
    def notes(self) -> list[str]:
        return list(self.tables.notes)

    def contracts_in_rows(self, sheet: str | None, rows: Sequence[int]) -> list[str]:
        """The contract numbers of the master rows among ``rows`` (a selection on ``sheet``)."""
        m = self.tables.master
        wanted = set(rows)
        return [
            str(m.get("contract_no", i))
            for i, r in enumerate(m.rows)
            if r in wanted and m.get("contract_no", i) and sheet in (None, m.sheet)
        ]

    def customer_languages(self) -> dict[str, str]:
        """customer → the language its letters are written in (客户's language column)."""
        c = self.tables.customers
        if c is None or not c.has("language"):
            return {}
        names, langs = c.column("customer"), c.column("language")
        return {str(n): str(lg).lower() for n, lg in zip(names, langs, strict=False) if n and lg}


def load(source: Source, options: RunOptions = DEFAULTS) -> Book:
    """Read (a path) and type (both) the workbook: InputError subclasses for bad input."""
    from gendan.read.tables import load_tables

    schema = options.load_schema()
    with options.scope():
        if isinstance(source, WorkbookData):
            return Book(load_tables(source, schema, sheets=options.sheets), schema)
        from gendan.rules.engine import load_book

        tables, schema = load_book(source, schema, options.sheets)
        return Book(tables, schema)


# ----------------------------------------------------------------------------- check


@dataclass(frozen=True)
class CheckResult:
    report: Report

    @property
    def has_errors(self) -> bool:
        return self.report.has_errors


def check(source: Source, options: RunOptions = DEFAULTS) -> CheckResult:
    """Every finding of the workbook (``gendan check``, the 检查 button)."""
    from gendan.rules.engine import check_data, check_workbook

    schema = options.load_schema()
    with options.scope():
        if isinstance(source, WorkbookData):
            return CheckResult(check_data(source, schema, options.as_of, options.sheets))
        return CheckResult(check_workbook(source, schema, options.as_of, options.sheets))


def annotate(
    source: Source,
    out: str | Path | None = None,
    options: RunOptions = DEFAULTS,
    *,
    in_place: bool = False,
    fills: Any = None,
) -> tuple[CheckResult, Plan | None]:
    """Findings as cell marks and a 检查结果 sheet.  A path: the marked copy is written to
    ``out`` (``gendan annotate``), plan None.  Plain values (the ribbon): the plan to apply
    to the open book, ``fills`` being the user's fills of the cells to be marked."""
    if isinstance(source, WorkbookData):
        from gendan.write.marks import plan_marks

        result = check(source, options)
        return result, plan_marks(result.report, source, options.lang, fills, as_of=options.as_of)
    from gendan.write.annotate import annotate_file

    with options.scope():
        report = annotate_file(
            source,
            out,
            schema=options.load_schema(),
            as_of=options.as_of,
            in_place=in_place,
            lang=options.lang,
        )
    return CheckResult(report), None


# ----------------------------------------------------------------------------- receivables


@dataclass(frozen=True)
class OverdueResult:
    """The receivables of every master sheet, each in its parts (gendan.rules.receivables)."""

    books: tuple[ReceivablesBook, ...]
    as_of: dt.date
    notes: tuple[str, ...] = ()
    customer_languages: dict[str, str] = field(default_factory=dict)

    def part(self, name: str) -> list[Receivable]:
        return [r for b in self.books for r in getattr(b, name)]

    def all(self) -> list[Receivable]:
        return [r for b in self.books for r in b.all()]

    def dunned(self) -> list[Receivable]:
        """What is chased (open lines and advances), sheet by sheet in sheet order."""
        return [r for b in self.books for r in b.dunned()]


def overdue(source: Source | Book, options: RunOptions = DEFAULTS) -> OverdueResult:
    """Receivables, aging and dunning (``gendan overdue``, the 逾期催款 button)."""
    from gendan.rules.receivables import receivables_book

    book = source if isinstance(source, Book) else load(source, options)
    as_of = options.day
    return OverdueResult(
        tuple(receivables_book(t, book.schema, as_of) for t in book.tables.each()),
        as_of,
        tuple(book.notes),
        book.customer_languages(),
    )


@dataclass(frozen=True)
class TodoResult:
    items: list[TodoItem]
    as_of: dt.date
    #: the days ahead the list looks (settings.todo.days unless asked)
    window: int
    #: the reader's notes (blank formulas, error values …): the list is built on them too
    notes: tuple[str, ...] = ()


def todo(
    source: Source | Book, options: RunOptions = DEFAULTS, days: int | None = None
) -> TodoResult:
    """What is due soon or late (``gendan todo``, the 今日待办 button)."""
    from gendan.report.todo import todo_items

    book = source if isinstance(source, Book) else load(source, options)
    as_of = options.day
    window = book.schema.settings.todo.get("days", 7) if days is None else days
    items = todo_items(book.tables, book.schema, as_of, days)
    return TodoResult(items, as_of, window, tuple(book.notes))


# ----------------------------------------------------------------------------- report


@dataclass(frozen=True)
class DashboardResult:
    """The sales manager's 看板: the numbers, and the sheet they go to.  ``plan`` draws it
    in an open workbook (the ribbon in Excel); ``gendan report`` writes the same sheet
    into a file through the package (gendan.report.dashboard_run.write_dashboard)."""

    dashboard: Dashboard
    #: the sheet: 看板, or 看板 gendan when the user has a 看板 of their own
    sheet: str

    @property
    def charts(self) -> int:
        return sum(1 for b in self.dashboard.blocks if b.chart)

    @property
    def plan(self) -> Plan:
        from gendan.report.dashboard_plan import dashboard_plan

        return dashboard_plan(self.dashboard, self.sheet)

    def summary(self, lang: str) -> str:
        if lang == "en":
            return f"Dashboard written: sheet {self.sheet}, {self.charts} charts, as of {self.dashboard.as_of}."
        return (
            f"看板已写入：工作表 {self.sheet}，{self.charts} 个图表，截至 {self.dashboard.as_of}。"
        )


def _first_cells(data: WorkbookData) -> dict[str, str]:
    """Each sheet's name → the text of its first rows (where gendan's 看板 has its mark)."""
    return {
        g.name: " ".join(str(v) for row in list(g.rows)[:3] for v in row if v not in (None, ""))
        for g in data.sheets
    }


def report(source: Source | Book, options: RunOptions = DEFAULTS) -> DashboardResult:
    """The 看板 dashboard on ``options.day`` (``gendan report``, the 看板 button).  Given an
    open book's values, the sheet name is chosen so that a user's own 看板 is kept."""
    from gendan.report.dashboard import build_dashboard
    from gendan.report.dashboard_plan import dashboard_sheet_name
    from gendan.report.dashboard_sheet import SHEET

    book = source if isinstance(source, Book) else load(source, options)
    sheet = (
        dashboard_sheet_name(_first_cells(source)) if isinstance(source, WorkbookData) else SHEET
    )
    with options.scope():
        dash = build_dashboard(book.tables, book.schema, options.day)
    return DashboardResult(dash, sheet)


# ----------------------------------------------------------------------------- documents, mail


@dataclass(frozen=True)
class DocumentsResult:
    """The document sheets built for the orders asked for, and their writes as one plan."""

    sheets: list[DocumentSheet]
    skipped: list[tuple[str, str]]
    contracts: list[str]

    @property
    def plan(self) -> Plan:
        plan = Plan()
        for s in self.sheets:
            plan.add(*s.plan.actions)
        return plan


def documents(
    source: Source | Book,
    contracts: Sequence[str],
    options: RunOptions = DEFAULTS,
    status: str | None = None,
) -> DocumentsResult:
    """Draft (or issued) document sheets for ``contracts``, as plans (the 生成单据 button;
    ``gendan docs`` writes a file through gendan.documents.generate)."""
    from gendan.documents import DRAFT, load_layout
    from gendan.documents.gendocs import build_all

    book = source if isinstance(source, Book) else load(source, options)
    m = book.tables.master
    indexes = [i for i in (m.find("contract_no", c) for c in contracts) if i is not None]
    built, skipped = build_all(book.tables, indexes, load_layout(), status or DRAFT)
    return DocumentsResult(built, skipped, list(contracts))


@dataclass(frozen=True)
class MailResult:
    drafts: list[Draft]
    #: the reader's notes (blank formulas, error values …), then why a draft has no PDF
    #: attached (no LibreOffice, no Chinese font, goods unknown …)
    notes: list[str] = field(default_factory=list)


def mail(
    source: Source | Book,
    kind: str,
    options: RunOptions = DEFAULTS,
    *,
    orders: Sequence[str] = (),
    customer: str | None = None,
    due: bool = False,
    pdf: bool = False,
) -> MailResult:
    """E-mail drafts (never sent): ``gendan mail``, the 邮件草稿 buttons.  With ``pdf`` the
    documents a letter speaks of are attached as PDFs (LibreOffice; where they cannot be
    made the draft goes without them and ``notes`` says why)."""
    from gendan.report.mail import make_drafts

    book = source if isinstance(source, Book) else load(source, options)
    drafts = make_drafts(
        book.tables, book.schema, options.day, kind, orders=orders, customer=customer, due=due
    )
    if not pdf:
        return MailResult(drafts, book.notes)
    from gendan.report.mail_pdf import attach_pdfs

    attached = attach_pdfs(drafts, book.tables)
    return MailResult(attached.drafts, book.notes + list(attached.notes))


def rules(
    book: str | Path,
    out: str | Path | None,
    options: RunOptions = DEFAULTS,
    *,
    in_place: bool = False,
    ahead: int | None = None,
) -> Any:
    """A copy of the workbook that checks itself in Excel (``gendan rules``, 本表自查)."""
    from gendan.native.patch import write_rules

    kw: dict[str, Any] = {
        "in_place": in_place,
        "schema": options.load_schema(),
        "sheets": options.sheets,
    }
    if ahead is not None:
        kw["ahead"] = ahead
    return write_rules(book, out, **kw)
