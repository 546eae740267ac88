"""gendan.write.patch_marks / gendan.write.xlsx_patch: marks are written by editing the few parts they
need; a mark's format is the cell's own with another fill; clearing gives back exactly
what was there; the user's notes, fills and formats stay the user's."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from factory import clean_order, make_data, write_xlsx
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, PatternFill, Side
from openpyxl.styles import Font as XFont

from gendan.model.findings import Finding, Report, Severity
from gendan.read.reader import read_workbook
from gendan.write.annotate import annotate_file, clear_file
from gendan.write.marks import (
    LEDGER_SHEET,
    NOTE_PREFIX,
    RESULTS_SHEET,
    SEVERITY_FILL,
    plan_marks,
)
from gendan.write.patch_marks import annotate_package, clear_package, ledger_styles
from gendan.write.xlsx_patch import SheetCells, Styles, xstring

AS_OF = dt.date(2026, 5, 1)
MASTER = "工作序列表"
RED = SEVERITY_FILL["error"]


def _finding(
    cell: str, sheet: str = MASTER, code: str = "amount-mismatch", severity: Severity = "error"
) -> Finding:
    return Finding(
        code=code,
        severity=severity,
        sheet=sheet,
        cell=cell,
        row=int(re.sub(r"\D", "", cell)),
        key="amount",
        value="1",
        expected="2",
    )


def _part(path: Path, sheet: str) -> bytes:
    with zipfile.ZipFile(path) as z:
        wb = z.read("xl/workbook.xml").decode()
        rels = z.read("xl/_rels/workbook.xml.rels").decode()
        rid = re.search(rf'<sheet [^>]*name="{sheet}"[^>]*r:id="([^"]+)"', wb) or re.search(
            rf'<sheet [^>]*r:id="([^"]+)"[^>]*name="{sheet}"', wb
        )
        assert rid
        target = re.search(rf'Id="{rid.group(1)}"[^>]*Target="([^"]+)"', rels) or re.search(
            rf'Target="([^"]+)"[^>]*Id="{rid.group(1)}"', rels
        )
        assert target
        t = target.group(1).lstrip("/")
        return z.read(t if t.startswith("xl/") else "xl/" + t)


@pytest.fixture
def book(tmp_path: Path) -> Path:
    data = make_data([clean_order(1), clean_order(2)])
    path = write_xlsx(data, tmp_path / "master.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb[MASTER]
    ws["B4"].number_format = "0.000"
    ws["B4"].font = XFont(name="Arial", bold=True, size=14)
    ws["B4"].border = Border(left=Side(style="thick"))
    ws["B4"].alignment = Alignment(horizontal="center", wrap_text=True)
    ws["C4"].fill = PatternFill(fill_type="solid", fgColor="FF00B0F0")  # the user's blue
    ws["D4"].comment = Comment("user's own note", "Zhang San")
    wb.save(path)
    return path


def _annotate(src: Path, out: Path, *findings: Finding) -> None:
    annotate_package(src, out, Report(list(findings)), read_workbook(src), "en", AS_OF)


def test_a_mark_keeps_the_cells_number_format_font_border_and_alignment(
    book: Path, tmp_path: Path
) -> None:
    out = tmp_path / "a.xlsx"
    _annotate(book, out, _finding("B4"))
    c = openpyxl.load_workbook(out)[MASTER]["B4"]
    assert c.fill.fgColor.rgb == "FF" + RED
    assert c.number_format == "0.000" and c.font.name == "Arial" and c.font.b and c.font.sz == 14
    assert (
        c.border.left.style == "thick"
        and c.alignment.horizontal == "center"
        and c.alignment.wrap_text
    )


def test_clear_gives_back_the_exact_format_index_and_the_sheet_bytes(
    book: Path, tmp_path: Path
) -> None:
    a, c = tmp_path / "a.xlsx", tmp_path / "c.xlsx"
    _annotate(book, a, _finding("B4"), _finding("C4"), _finding("D4"))
    assert _part(a, MASTER) != _part(book, MASTER)
    clear_package(a, c, read_workbook(a))
    assert _part(c, MASTER) == _part(book, MASTER)
    ws = openpyxl.load_workbook(c)[MASTER]
    assert ws["C4"].fill.fgColor.rgb == "FF00B0F0"  # the user's blue is back
    assert ws["D4"].comment.text == "user's own note"


def test_the_users_note_is_never_replaced_and_the_finding_stays_listed(
    book: Path, tmp_path: Path
) -> None:
    out = tmp_path / "a.xlsx"
    _annotate(book, out, _finding("D4"), _finding("E4"))
    wb = openpyxl.load_workbook(out)
    ws = wb[MASTER]
    assert ws["D4"].comment.text == "user's own note"
    assert ws["D4"].fill.fgColor.rgb == "FF" + RED
    assert ws["E4"].comment.text.startswith(NOTE_PREFIX)
    assert wb[RESULTS_SHEET]["C3"].value == f"{MASTER}!D4"


def test_a_cell_the_user_recoloured_after_the_mark_is_left_alone(
    book: Path, tmp_path: Path
) -> None:
    a, b, c = tmp_path / "a.xlsx", tmp_path / "b.xlsx", tmp_path / "c.xlsx"
    _annotate(book, a, _finding("E4"), _finding("F4"))
    wb = openpyxl.load_workbook(a)
    wb[MASTER]["E4"].fill = PatternFill(
        fill_type="solid", fgColor="FF92D050"
    )  # the user's green now
    wb.save(b)
    clear_package(b, c, read_workbook(b))
    ws = openpyxl.load_workbook(c)[MASTER]
    assert ws["E4"].fill.fgColor.rgb == "FF92D050"
    assert ws["F4"].fill.fill_type is None


def test_annotating_twice_replaces_marks_and_does_not_grow_styles(
    book: Path, tmp_path: Path
) -> None:
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    _annotate(book, a, _finding("B4"), _finding("C4"))
    _annotate(a, b, _finding("B4"), _finding("C4"))
    with zipfile.ZipFile(a) as za, zipfile.ZipFile(b) as zb:
        assert za.read("xl/styles.xml") == zb.read("xl/styles.xml")
        comments = [n for n in zb.namelist() if re.search(r"comments?\d*\.xml$", n)]
        text = b"".join(zb.read(n) for n in comments)
    assert text.count(NOTE_PREFIX.encode()) == 2
    ledger = list(openpyxl.load_workbook(b)[LEDGER_SHEET].iter_rows(values_only=True))
    assert len(ledger) == 3
    blue = next(r for r in ledger if r[1] == "C4")
    assert blue[3] == "00B0F0"  # what lies under the mark is still the user's blue


def test_a_missing_cell_and_a_missing_row_are_added_in_order_and_cleared_away(
    book: Path, tmp_path: Path
) -> None:
    a, c = tmp_path / "a.xlsx", tmp_path / "c.xlsx"
    _annotate(
        book,
        a,
        _finding("AZ4"),
        _finding("C40"),
        _finding("B2", sheet="客户"),
        _finding("A30", sheet="客户"),
    )
    sheet = _part(a, MASTER)
    refs = re.findall(rb'<c r="([A-Z]+)(\d+)"', sheet)
    rows = [int(r) for _c, r in refs]
    assert rows == sorted(rows), "rows out of order"
    assert (b"AZ", b"4") in refs and (b"C", b"40") in refs
    ws = openpyxl.load_workbook(a)[MASTER]
    assert ws["C40"].fill.fgColor.rgb == "FF" + RED and ws["C40"].value is None
    clear_package(a, c, read_workbook(a))
    assert _part(c, MASTER) == _part(book, MASTER)
    assert _part(c, "客户") == _part(book, "客户")


def test_merged_cells_are_marked_on_their_anchor(book: Path, tmp_path: Path) -> None:
    src = tmp_path / "m.xlsx"
    wb = openpyxl.load_workbook(book)
    wb[MASTER].merge_cells("F4:H4")
    wb.save(src)
    out = tmp_path / "a.xlsx"
    _annotate(src, out, _finding("G4"))
    ws = openpyxl.load_workbook(out)[MASTER]
    assert ws["F4"].comment is not None and ws["F4"].fill.fgColor.rgb == "FF" + RED


def test_plan_marks_maps_merged_cells_to_their_anchor() -> None:
    data = make_data([clean_order(1)])
    plan = plan_marks(Report([_finding("G4")]), data, anchors={(MASTER, "G4"): "F4"})
    from gendan.model.plan import Fill, Note

    assert [a.ref for a in plan.of_type(Fill) if a.sheet == MASTER] == ["F4"]
    assert [a.cell for a in plan.of_type(Note)] == ["F4"]


def test_ledger_styles_reads_only_well_formed_rows() -> None:
    rows = [
        ("sheet", "cell", "mark", "prior", "s_before", "s_mark"),
        (MASTER, "b4", RED, None, "3", "12"),
        (MASTER, "C4", RED, None, None, "13.0"),
        (MASTER, "D4", RED, None, "+", "x"),
        (MASTER, "E4", RED),
    ]
    assert ledger_styles(rows) == {(MASTER, "B4"): ("3", "12"), (MASTER, "C4"): ("", "13")}


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("a\x0bb", "a_x000B_b"),
        ("_x000B_", "_x005F_x000B_"),
        ("<&>", "&lt;&amp;&gt;"),
        ("\ud800", "_xD800_"),
        ("plain 中文", "plain 中文"),
    ],
)
def test_xstring_escapes_as_excel_does(text: str, want: str) -> None:
    assert xstring(text) == want


def test_styles_reuse_identical_items_and_count_them() -> None:
    xml = (
        '<styleSheet xmlns="m"><fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/>'
        '</fill></fills><cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        '<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1">'
        '<alignment horizontal="center"/></xf></cellXfs></styleSheet>'
    )
    st = Styles(xml)
    red = st.solid_fill(RED)
    s = st.with_fill(1, red)
    assert st.with_fill(1, st.solid_fill(RED)) == s and red == 2 and s == 2
    out = st.to_xml()
    assert 'cellXfs count="3"' in out and 'fills count="3"' in out
    assert (
        '<xf numFmtId="14" fontId="0" fillId="2" borderId="0" xfId="0" applyNumberFormat="1" applyFill="1">'
        '<alignment horizontal="center"/></xf>' in out
    )
    assert st.solid_rgb(s) == RED and st.solid_rgb(1) is None


def test_sheet_cells_find_rows_and_cells_with_and_without_references() -> None:
    xml = (
        b'<worksheet><sheetData><row r="2"><c r="A2" s="3"><v>1</v></c><c r="C2"/></row>'
        b'<row><c><v>1</v></c><c s="5"><v>2</v></c></row></sheetData></worksheet>'
    )
    sc = SheetCells(xml)
    a2, c2, b3 = sc.cell(2, 1), sc.cell(2, 3), sc.cell(3, 2)  # row 3, column B: implied by order
    assert a2 is not None and c2 is not None and b3 is not None and sc.cell(2, 2) is None
    assert a2.s == 3 and c2.s is None and b3.s == 5


def test_in_place_keeps_a_byte_identical_backup(book: Path, tmp_path: Path) -> None:
    before = book.read_bytes()
    annotate_file(book, None, as_of=AS_OF, in_place=True)
    backups = list(book.parent.glob("master.backup-*.xlsx"))
    assert len(backups) == 1 and backups[0].read_bytes() == before
    assert book.read_bytes() != before


def test_clear_in_place_through_the_cli(book: Path) -> None:
    import subprocess
    import sys

    annotate_file(book, None, as_of=AS_OF, in_place=True)
    cp = subprocess.run(
        [sys.executable, "-m", "gendan.cli", "annotate", str(book), "--in-place", "--clear"],
        capture_output=True,
        text=True,
    )
    assert cp.returncode == 0, cp.stderr
    assert len(list(book.parent.glob("master.backup-*.xlsx"))) == 2
    ws = openpyxl.load_workbook(book)[MASTER]
    assert not any(
        c.comment and c.comment.text.startswith(NOTE_PREFIX) for row in ws.iter_rows() for c in row
    )


def test_clear_file_on_a_copy(book: Path, tmp_path: Path) -> None:
    a, c = tmp_path / "a.xlsx", tmp_path / "c.xlsx"
    annotate_file(book, a, as_of=AS_OF)
    clear_file(a, c)
    assert _part(c, MASTER) == _part(book, MASTER)


def test_a_threaded_comment_without_its_note_still_keeps_the_tool_note_off(
    book: Path, tmp_path: Path
) -> None:
    """Some writers keep a thread without the legacy note Excel adds: the cell is still the
    user's conversation, so no second (tool) note goes on it."""
    src = tmp_path / "tc.xlsx"
    sheet_rels = "xl/worksheets/_rels/sheet1.xml.rels"
    thread = (
        b'<ThreadedComments xmlns="http://schemas.microsoft.com/office/spreadsheetml/2018/threadedcomments">'
        b'<threadedComment ref="E4" personId="{1}" id="{2}"><text>check</text></threadedComment></ThreadedComments>'
    )
    with zipfile.ZipFile(book) as zin, zipfile.ZipFile(src, "w") as zout:
        names = zin.namelist()
        for n in names:
            d = zin.read(n)
            if n == sheet_rels:
                d = d.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rIdT" Type="http://schemas.microsoft.com/office/'
                    b'2017/10/relationships/threadedComment" Target="../threadedComments/t1.xml"/></Relationships>',
                )
            zout.writestr(n, d)
        assert sheet_rels in names
        zout.writestr("xl/threadedComments/t1.xml", thread)
    out = tmp_path / "a.xlsx"
    _annotate(src, out, _finding("E4"), _finding("F4"))
    ws = openpyxl.load_workbook(out)[MASTER]
    assert ws["E4"].comment is None and ws["F4"].comment is not None
    assert ws["E4"].fill.fgColor.rgb == "FF" + RED


def test_text_that_starts_with_equals_keeps_a_quote_prefix_on_the_results_sheet(
    book: Path, tmp_path: Path
) -> None:
    """A value typed as ``=HYPERLINK(…)`` is listed on 检查结果 as text; without the
    quotePrefix cell format (which the openpyxl writer sets) F2+Enter made it a formula."""
    out = tmp_path / "a.xlsx"
    typed = '=HYPERLINK("http://evil.example","click")'
    f = _finding("B4")
    _annotate(book, out, Finding(**{**f.__dict__, "value": typed}))
    ws = openpyxl.load_workbook(out)[RESULTS_SHEET]
    hits = [c for row in ws.iter_rows() for c in row if c.value == typed]
    assert hits and all(c.data_type == "s" and c.quotePrefix for c in hits)
    plain = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str) and c.value]
    assert any(not c.quotePrefix for c in plain)  # ordinary text keeps its format
