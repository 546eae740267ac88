"""gendan.api: the use cases the command line and the ribbon only render."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

from gendan import api
from gendan.model.options import RunOptions

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "xlsx" / "sample.xlsx"
OPTS = RunOptions(as_of=dt.date(2026, 11, 27))


def test_check_of_a_path_and_of_values_read_agree() -> None:
    from gendan.read.reader import read_workbook

    by_path = api.check(SAMPLE, OPTS).report.findings
    by_values = api.check(read_workbook(SAMPLE), OPTS).report.findings
    assert by_path == by_values and by_path


def test_overdue_todo_and_documents_results() -> None:
    book = api.load(SAMPLE, OPTS)
    ovd = api.overdue(book, OPTS)
    assert ovd.as_of == OPTS.as_of and ovd.dunned() and set(ovd.dunned()) <= set(ovd.all())
    assert ovd.part("open") == [r for b in ovd.books for r in b.open]
    td = api.todo(book, OPTS)
    assert td.window == book.schema.settings.todo.get("days", 7) and td.items
    contract = str(book.tables.master.get("contract_no", 0))
    docs = api.documents(book, [contract], OPTS)
    assert docs.sheets and len(docs.plan) == sum(len(s.plan.actions) for s in docs.sheets)


def test_the_ribbon_only_renders() -> None:
    """The ribbon calls gendan.api for every engine step; it assembles none itself."""
    tree = ast.parse((REPO / "macros_py" / "ribbon.py").read_text(encoding="utf-8"))
    imported = {
        (n.module, a.name) for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) for a in n.names
    }
    engine_steps = {
        ("gendan.rules.engine", "check_data"),
        ("gendan.read.tables", "load_tables"),
        ("gendan.rules.receivables", "receivables"),
        ("gendan.report.todo", "todo_items"),
        ("gendan.documents.gendocs", "build_all"),
        ("gendan.report.mail", "make_drafts"),
        ("gendan.native.patch", "write_rules"),
    }
    assert not imported & engine_steps
    assert ("gendan", "api") in imported
