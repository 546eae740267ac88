"""gendan.write.marks: the check marks are planned as data, replace themselves on re-run, and
never touch the user's own fills or notes."""

from __future__ import annotations

import datetime as dt
import hashlib
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from factory import clean_order, make_data, write_xlsx
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from gendan.model.errors import OutputError
from gendan.model.findings import Finding, Report, Severity
from gendan.model.grid import SheetGrid, WorkbookData
from gendan.model.plan import ClearMarks, Fill, Hyperlink, NewSheet, Note, SetValues
from gendan.rules.engine import check_data
from gendan.write.annotate import annotate_file, apply_marks_openpyxl
from gendan.write.marks import (
    LEDGER_HEADER,
    LEDGER_SHEET,
    NOTE_PREFIX,
    RESULTS_SHEET,
    SEVERITY_FILL,
    LedgerEntry,
    is_tool_note,
    ledger_from_rows,
    norm_color,
    plan_clear,
    plan_marks,
    restore_color,
)

AS_OF = dt.date(2026, 5, 1)
MASTER = "工作序列表"
RED, YELLOW = SEVERITY_FILL["error"], SEVERITY_FILL["warning"]


def _finding(
    code: str, cell: str, severity: Severity = "error", sheet: str = MASTER, row: int = 4
) -> Finding:
    return Finding(
        code=code,
        severity=severity,
        sheet=sheet,
        cell=cell,
        row=row,
        key="amount",
        value="1",
        expected="2",
    )


def _data(*extra: SheetGrid) -> WorkbookData:
    return WorkbookData(sheets=(SheetGrid(MASTER, [["x"]]), SheetGrid("客户", [["y"]]), *extra))


# ----------------------------------------------------------------------------- plan


def test_plan_order_clears_first_then_ledger_then_marks_then_results() -> None:
    report = Report([_finding("amount-mismatch", "Y4")])
    kinds = [type(a).__name__ for a in plan_marks(report, _data())]
    assert kinds[:2] == ["ClearMarks", "ClearMarks"]
    assert kinds[2:6] == ["NewSheet", "SetValues", "Fill", "Note"]
    assert kinds[6] == "NewSheet"  # 检查结果 comes after the marks


def test_one_fill_and_note_per_cell_error_colour_wins() -> None:
    report = Report(
        [
            _finding("overdue", "K4", "warning"),
            _finding("amount-mismatch", "K4", "error"),
            _finding("overdue", "K5", "warning", row=5),
        ]
    )
    plan = plan_marks(report, _data(), lang="en")
    fills = [a for a in plan.of_type(Fill) if a.sheet == MASTER]
    assert fills == [Fill(MASTER, "K4", RED), Fill(MASTER, "K5", YELLOW)]
    notes = plan.of_type(Note)
    assert [n.cell for n in notes] == ["K4", "K5"]
    assert notes[0].text.startswith(NOTE_PREFIX)
    assert notes[0].text.index("amount-mismatch") < notes[0].text.index("overdue")  # errors first
    assert all(n.author == "gendan" for n in notes)


def test_ledger_records_mark_and_users_prior_fill() -> None:
    report = Report([_finding("amount-mismatch", "Y4"), _finding("overdue", "K4", "warning")])
    plan = plan_marks(
        report, _data(), prior_fills={(MASTER, "Y4"): (255, 255, 0), (MASTER, "K4"): None}
    )
    ledger = [a for a in plan.of_type(SetValues) if a.sheet == LEDGER_SHEET][0]
    assert [list(r) for r in ledger.values] == [
        list(LEDGER_HEADER),
        [MASTER, "Y4", RED, "FFFF00"],
        [MASTER, "K4", YELLOW, ""],
    ]
    new = [a for a in plan.of_type(NewSheet) if a.name == LEDGER_SHEET][0]
    assert new.hidden and new.replace


def test_rerun_keeps_the_users_colour_under_an_old_mark() -> None:
    """A cell still showing last run's mark has the *old* prior under it, not the mark."""
    old = SheetGrid(LEDGER_SHEET, [list(LEDGER_HEADER), [MASTER, "Y4", RED, "00B0F0"]])
    plan = plan_marks(
        Report([_finding("amount-mismatch", "Y4")]),
        _data(old),
        prior_fills={(MASTER, "Y4"): "FFC7CE"},
    )
    ledger = [a for a in plan.of_type(SetValues) if a.sheet == LEDGER_SHEET][0]
    assert list(ledger.values[1]) == [MASTER, "Y4", RED, "00B0F0"]
    assert ClearMarks(MASTER) in plan.actions


def test_results_sheet_lists_every_finding_with_a_link() -> None:
    report = Report(
        [_finding("amount-mismatch", "Y4"), _finding("overdue", "K7", "warning", row=7)]
    )
    plan = plan_marks(report, _data(), lang="zh", as_of=AS_OF)
    rows = [a for a in plan.of_type(SetValues) if a.sheet == RESULTS_SHEET and a.cell == "A2"][
        0
    ].values
    assert len(rows) == 3 and rows[0][0] == "严重程度"
    assert [r[1] for r in rows[1:]] == ["amount-mismatch", "overdue"]
    links = plan.of_type(Hyperlink)
    assert links == [
        Hyperlink(RESULTS_SHEET, "C3", f"'{MASTER}'!Y4", f"{MASTER}!Y4"),
        Hyperlink(RESULTS_SHEET, "C4", f"'{MASTER}'!K7", f"{MASTER}!K7"),
    ]
    title = [a for a in plan.of_type(SetValues) if a.sheet == RESULTS_SHEET and a.cell == "A1"][0]
    assert "1 个错误" in title.values[0][0] and "2026-05-01" in title.values[0][0]


def test_no_marks_on_the_tools_own_sheets_or_unknown_sheets() -> None:
    report = Report([_finding("x", "A1", sheet=RESULTS_SHEET), _finding("y", "A1", sheet="gone")])
    plan = plan_marks(report, _data())
    assert not plan.of_type(Note)
    assert {a.sheet for a in plan.of_type(ClearMarks)} == {MASTER, "客户"}


def test_plan_clear_empties_ledger_and_replaces_stale_results() -> None:
    old = SheetGrid(LEDGER_SHEET, [list(LEDGER_HEADER), ["gone-sheet", "B2", RED, ""]])
    plan = plan_clear(_data(old, SheetGrid(RESULTS_SHEET, [["old"]])))
    assert {a.sheet for a in plan.of_type(ClearMarks)} == {MASTER, "客户", "gone-sheet"}
    ledger = [a for a in plan.of_type(SetValues) if a.sheet == LEDGER_SHEET][0]
    assert [list(r) for r in ledger.values] == [list(LEDGER_HEADER)]
    assert any(a.sheet == RESULTS_SHEET for a in plan.of_type(SetValues))


# ----------------------------------------------------------------------------- helpers


@pytest.mark.parametrize(
    ("given", "want"),
    [
        ("ffc7ce", "FFC7CE"),
        ("FFFFC7CE", "FFC7CE"),
        ((255, 199, 206), "FFC7CE"),
        ("#FFC7CE", "FFC7CE"),
        (None, None),
        ("", None),
        ("theme", None),
    ],
)
def test_norm_color(given: object, want: str | None) -> None:
    assert norm_color(given) == want


def test_restore_only_where_the_mark_is_still_there() -> None:
    e = LedgerEntry(MASTER, "A1", RED, "FFFF00")
    assert restore_color((255, 199, 206), e) == (True, "FFFF00")
    assert restore_color("FF00B050", e) == (False, None)  # the user re-coloured it since
    assert restore_color(RED, LedgerEntry(MASTER, "A1", RED, None)) == (True, None)


def test_ledger_rows_skip_nonsense() -> None:
    rows: list[list[object]] = [
        list(LEDGER_HEADER),
        [MASTER, "a1", RED, None],
        ["", "B1", RED, ""],
        [MASTER, "C1", "notacolour", ""],
    ]
    assert ledger_from_rows(rows) == [LedgerEntry(MASTER, "A1", RED, None)]


def test_tool_notes_are_recognised_by_author_or_prefix() -> None:
    assert is_tool_note("anything", "gendan")
    assert is_tool_note(f"{NOTE_PREFIX}\nerror", "Zhang San")
    assert not is_tool_note("please call the buyer", "Zhang San")


def test_marks_module_does_not_import_openpyxl() -> None:
    code = (
        "import sys, gendan.write.marks; print('openpyxl' in sys.modules, 'xlwings' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


# ----------------------------------------------------------------------------- files


def _fill(ws: Worksheet, ref: str) -> str | None:
    f = ws[ref].fill
    return norm_color(f.fgColor.rgb) if f.fill_type == "solid" else None


@pytest.fixture
def book(tmp_path: Path) -> Path:
    data = make_data(
        [
            clean_order(1, received_amount=25850.0),
            clean_order(2, amount=1.0, received_amount=1.0, container_nos="CSQU3054384"),
        ]
    )
    path = write_xlsx(data, tmp_path / "master.xlsx")
    report = check_data(data, as_of=AS_OF)
    amount_cell = next(f.cell for f in report.findings if f.code == "amount-mismatch")
    wb = openpyxl.load_workbook(path)
    ws = wb[MASTER]
    ws[amount_cell].fill = PatternFill(
        fill_type="solid", fgColor="FF00B0F0"
    )  # user's blue, on a finding
    ws["A1"].fill = PatternFill(fill_type="solid", fgColor="FF92D050")  # user's green, elsewhere
    ws["A2"].comment = Comment("user's own note", "Zhang San")
    wb.save(path)
    return path


def test_annotate_file_marks_keeps_source_and_rerun_replaces(book: Path, tmp_path: Path) -> None:
    before = hashlib.sha256(book.read_bytes()).hexdigest()
    out = tmp_path / "out" / "checked.xlsx"
    report = annotate_file(book, out, as_of=AS_OF)
    assert hashlib.sha256(book.read_bytes()).hexdigest() == before
    assert report.codes() >= {"amount-mismatch", "container-check-digit"}
    amount = next(f.cell for f in report.findings if f.code == "amount-mismatch")
    digit = next(f.cell for f in report.findings if f.code == "container-check-digit")

    wb = openpyxl.load_workbook(out)
    ws = wb[MASTER]
    assert _fill(ws, amount) == RED and _fill(ws, digit) == RED
    assert ws[amount].comment is not None and ws[amount].comment.text.startswith(NOTE_PREFIX)
    assert _fill(ws, "A1") == "92D050"
    assert wb[LEDGER_SHEET].sheet_state == "hidden"
    results = wb[RESULTS_SHEET]
    assert results.max_row == 2 + len(report)
    first = report.findings[0]
    assert results["C3"].value == f"{first.sheet}!{first.cell}"
    link = results["C3"].hyperlink
    assert (link.location or (link.target or "").lstrip("#")) == f"'{first.sheet}'!{first.cell}"

    # again, on its own output: same marks, no second ledger row per cell
    with pytest.raises(OutputError):
        annotate_file(out, out, as_of=AS_OF)  # onto its own input: only with in_place
    again = annotate_file(out, None, as_of=AS_OF, in_place=True)
    assert again.flatten(["cell", "code"]) == report.flatten(["cell", "code"])
    wb2 = openpyxl.load_workbook(out)
    ledger = list(wb2[LEDGER_SHEET].iter_rows(values_only=True))
    assert len(ledger) == 1 + len({f.cell for f in report.findings})
    row = next(r for r in ledger if r[1] == amount)
    assert row[3] == "00B0F0"  # the user's blue is still what lies under the mark


def test_clear_gives_the_users_fill_back_and_keeps_user_notes(book: Path, tmp_path: Path) -> None:
    out = tmp_path / "checked.xlsx"
    report = annotate_file(book, out, as_of=AS_OF)
    amount = next(f.cell for f in report.findings if f.code == "amount-mismatch")
    digit = next(f.cell for f in report.findings if f.code == "container-check-digit")

    from gendan.read.reader import read_workbook

    wb = openpyxl.load_workbook(out)
    apply_marks_openpyxl(plan_clear(read_workbook(out)), wb)
    ws = wb[MASTER]
    assert _fill(ws, amount) == "00B0F0"  # the user's blue back
    assert _fill(ws, digit) is None  # it had no fill
    assert _fill(ws, "A1") == "92D050"
    assert ws[amount].comment is None and ws[digit].comment is None
    assert ws["A2"].comment is not None and ws["A2"].comment.text == "user's own note"


def test_a_users_note_is_never_replaced(book: Path, tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(book)
    report = Report([_finding("amount-mismatch", "A2")])
    from gendan.read.reader import read_workbook

    apply_marks_openpyxl(plan_marks(report, read_workbook(book)), wb)
    assert wb[MASTER]["A2"].comment.text == "user's own note"
    assert _fill(wb[MASTER], "A2") == RED
