"""A ribbon button pressed again (今日待办 every morning, 逾期催款) through the headless file
host replaces its own earlier sheet on workbooks as people keep them (tests/corpus/
realworld.py), and never a sheet of the user's that happens to carry the same name.

Proofs: the second press succeeds (before: Unsupported "sheet exists", then the openpyxl
fallback refused the book); the tool's sheet is there once; every part but the workbook's
lists, the styles and the two sheet parts (old out, new in) is byte for byte the first
press's (gendan.write.write_guard.package_changes); in place, the backup is the first
press's file byte for byte; LibreOffice opens the result.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent.parent / "corpus"))
sys.path.insert(0, str(Path(__file__).parent.parent))

import realworld
from test_annotate_corpus import _named, _parts, _sheets

from gendan.write import inject, tool_sheets
from gendan.write.write_guard import package_changes

AS_OF = dt.date(2026, 11, 27)
REAL = list(realworld.BUILDERS)
TODO, OVERDUE = "今日待办", "逾期催款"
SAMPLE = Path(__file__).parents[2] / "xlsx" / "sample.xlsx"


@pytest.fixture
def open_items(monkeypatch: pytest.MonkeyPatch) -> None:
    """The real-world books' twelve orders are all shipped and paid, so their to-do and
    receivables lists are empty (a plan the marks patch can write).  A list with rows
    (dates, amounts, links: only grafting writes it) comes from the sample workbook's
    open orders, computed by the same engine functions the buttons call."""
    from gendan import api
    from gendan.read.reader import read_workbook

    sample = read_workbook(SAMPLE)
    todo, overdue = api.todo, api.overdue
    monkeypatch.setattr(api, "todo", lambda _src, options, days=None: todo(sample, options, days))
    monkeypatch.setattr(api, "overdue", lambda _src, options: overdue(sample, options))


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("rw")
    return {p.name: p for p in realworld.build_all(root / "rw")}


def _book(books: dict[str, Path], name: str, tmp_path: Path) -> Path:
    if name not in books:
        pytest.skip(f"{name} needs LibreOffice (soffice) to be built")
    src = tmp_path / name
    shutil.copy(books[name], src)
    return src


def _press(which: str) -> Callable[..., Any]:
    from macros_py import ribbon

    fn: Callable[..., Any] = getattr(ribbon, which)
    return fn


def _allowed(before: Path, after: Path) -> set[str]:
    """What pressing a sheet-adding button may change: the workbook's lists, the styles,
    and sheet parts (with their relationships) added or taken away."""
    b, a = _parts(before), _parts(after)
    return _named(b, set()) | (set(a) ^ set(b))


def _tool_count(path: Path, asked: str) -> int:
    return sum(1 for n in inject.sheet_names(path) if tool_sheets.is_variant(n, asked))


def _assert_replaced(first: Path, second: Path, asked: str) -> None:
    allowed = _allowed(first, second)
    assert package_changes(first, second, allowed) == []
    b, a = _parts(first), _parts(second)
    gone, new = set(b) - set(a), set(a) - set(b)
    assert gone == {_sheets(b)[asked]}, gone  # only the tool's old sheet part left
    assert new == {_sheets(a)[asked]}, new
    assert inject.sheet_names(first) == inject.sheet_names(second)  # same place, same name
    # the formats the first press added are reused, not added again every morning
    assert a["xl/styles.xml"] == b["xl/styles.xml"]
    assert _tool_count(second, asked) == 1
    with zipfile.ZipFile(second) as z:
        assert z.testzip() is None
        wb = z.read("xl/workbook.xml").decode()
    assert wb.count(tool_sheets.MARKER) == len(tool_sheets.marked_sheets(wb, ""))


@pytest.mark.parametrize("name", REAL)
@pytest.mark.usefixtures("open_items")
def test_pressing_todo_and_overdue_twice_replaces_the_tools_sheet(
    books: dict[str, Path], tmp_path: Path, name: str
) -> None:
    from macros_py.hosts import FileHost

    src = _book(books, name, tmp_path)
    original = src.read_bytes()
    for which, asked in (("todo", TODO), ("overdue", OVERDUE)):
        # to a copy: the first press writes the copy, the second rewrites it
        out = tmp_path / f"{which}{src.suffix}"
        host = FileHost(src, out)
        _press(which)(host, as_of=AS_OF)
        assert " 0 " not in host.messages[-1] and not host.messages[-1].startswith("0 ")
        first = tmp_path / f"{which}-first{src.suffix}"
        shutil.copy(out, first)
        _press(which)(host, as_of=AS_OF)
        assert src.read_bytes() == original, "the input was modified"
        _assert_replaced(first, out, asked)
        # the user's parts are the original's, byte for byte
        assert package_changes(src, out, _allowed(src, out)) == []

    # in place, twice: guarded, and the second backup is the first press's file
    _press("todo")(FileHost(src), as_of=AS_OF)
    first = tmp_path / f"inplace-first{src.suffix}"
    shutil.copy(src, first)
    for b in tmp_path.glob(f"{src.stem}.backup-*"):
        b.unlink()
    _press("todo")(FileHost(src), as_of=AS_OF)
    backups = sorted(tmp_path.glob(f"{src.stem}.backup-*{src.suffix}"))
    assert len(backups) == 1 and backups[0].read_bytes() == first.read_bytes()
    _assert_replaced(first, src, TODO)


@pytest.mark.usefixtures("open_items")
def test_both_tool_sheets_alternately_keep_their_places_and_markers(
    books: dict[str, Path], tmp_path: Path
) -> None:
    """todo, overdue, todo, overdue: the first replacement is not the last sheet, so the
    markers of the sheets after it must still name the right sheets."""
    from macros_py.hosts import FileHost

    src = _book(books, "rw-features.xlsx", tmp_path)
    out = tmp_path / "work.xlsx"
    host = FileHost(src, out)
    _press("todo")(host, as_of=AS_OF)
    _press("overdue")(host, as_of=AS_OF)
    names = inject.sheet_names(out)
    for which in ("todo", "overdue", "todo"):
        _press(which)(host, as_of=AS_OF)
        assert inject.sheet_names(out) == names
    with zipfile.ZipFile(out) as z:
        wb = z.read("xl/workbook.xml").decode()
    assert tool_sheets.marked_sheets(wb, "") == {
        names.index(TODO): TODO,
        names.index(OVERDUE): OVERDUE,
    }


def _with_user_sheet(src: Path, out: Path, name: str) -> None:
    """``src`` plus a sheet of the user's called ``name`` (no marker: grafted as documents
    are, which leaves the rest of the package as it was)."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = name
    ws["A1"] = "my own list"
    buf = io.BytesIO()
    wb.save(buf)
    inject.graft(src, buf.getvalue(), out)


@pytest.mark.parametrize("items", [False, True])
def test_a_users_sheet_with_the_tools_name_is_never_replaced(
    books: dict[str, Path], tmp_path: Path, items: bool, request: pytest.FixtureRequest
) -> None:
    """With an empty list too: before, the marks patch wrote that one over the user's
    sheet of the same name."""
    from macros_py.hosts import FileHost

    if items:
        request.getfixturevalue("open_items")
    src = _book(books, "rw-features.xlsx", tmp_path)
    mine = tmp_path / "mine.xlsx"
    _with_user_sheet(src, mine, TODO)
    user_part = _sheets(_parts(mine))[TODO]
    user_xml = _parts(mine)[user_part]
    for _ in range(3):  # three mornings
        _press("todo")(FileHost(mine), as_of=AS_OF)
        parts = _parts(mine)
        assert _sheets(parts)[TODO] == user_part and parts[user_part] == user_xml
        assert inject.sheet_names(mine).count(f"{TODO}~2") == 1
        assert f"{TODO}~3" not in inject.sheet_names(mine)


def test_a_sheet_marked_for_another_name_is_not_taken(tmp_path: Path) -> None:
    wb = (
        '<workbook><sheets><sheet name="今日待办" sheetId="1" r:id="rId1"/></sheets>'
        '<definedNames><definedName name="_gendan_tool" localSheetId="0" hidden="1">'
        '"逾期催款"</definedName></definedNames></workbook>'
    )
    marked = tool_sheets.marked_sheets(wb, "")
    assert marked == {0: OVERDUE}
    index = tool_sheets.by_asked(marked)
    assert tool_sheets.own_sheet(TODO, [TODO], index, set()) is None
    assert tool_sheets.own_sheet(OVERDUE, [TODO], index, set()) is None  # name differs
    assert tool_sheets.own_sheet(OVERDUE, [f"{OVERDUE}~2"], index, set()) == 0
    assert tool_sheets.own_sheet_names(wb, "", [TODO]) == set()


def test_calc_chain_loses_only_the_entries_of_the_sheet_taken_out() -> None:
    chain = (
        '<calcChain xmlns="m"><c r="A1" i="1"/><c r="A2"/><c r="B1" i="6"/><c r="B2"/>'
        '<c r="C1" i="1"/><c r="D1" i="6" l="1"/><c r="D2"/><c r="D3" i="2"/></calcChain>'
    )
    got = tool_sheets._calc_chain(chain, {"6"})
    assert got == (
        '<calcChain xmlns="m"><c r="A1" i="1"/><c r="A2"/>'
        '<c r="C1" i="1"/><c r="D3" i="2"/></calcChain>'
    )
    chain2 = (
        '<calcChain><c r="A1" i="6"/><c r="A2" i="1"/><c r="B9" i="6"/><c r="B10"/></calcChain>'
    )
    assert tool_sheets._calc_chain(chain2, {"1"}) == (
        '<calcChain><c r="A1" i="6"/><c r="B9" i="6"/><c r="B10"/></calcChain>'
    )
    # an entry without i belongs to the one before it: kept with a kept run
    chain3 = '<calcChain><c r="A1" i="1"/><c r="A2" i="6"/><c r="A3" i="1"/><c r="A4"/></calcChain>'
    assert tool_sheets._calc_chain(chain3, {"6"}) == (
        '<calcChain><c r="A1" i="1"/><c r="A3" i="1"/><c r="A4"/></calcChain>'
    )


@pytest.mark.libreoffice
@pytest.mark.usefixtures("open_items")
def test_libreoffice_opens_the_book_after_the_second_press(
    books: dict[str, Path], tmp_path: Path
) -> None:
    """The twice-pressed features book (sparklines, shapes, a table; the tool's sheet
    replaced, with its links inline) opens in LibreOffice, which reads the new to-do rows
    once, on the sheet in the same place."""
    import python_calamine

    from gendan.office.recalc import find_soffice, recalculate
    from macros_py.hosts import FileHost

    if find_soffice() is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    src = _book(books, "rw-features.xlsx", tmp_path)
    host = FileHost(src, tmp_path / "work.xlsx")
    _press("todo")(host, as_of=AS_OF)
    _press("overdue")(host, as_of=AS_OF)
    _press("todo")(host, as_of=AS_OF)
    items = host.messages[-1].split()[0]
    out = recalculate(host.out, tmp_path / "lo")
    book = python_calamine.CalamineWorkbook.from_path(str(out))
    assert book.sheet_names == inject.sheet_names(host.out)
    rows = book.get_sheet_by_name(TODO).to_python()
    assert str(rows[0][0]).startswith(("To do", TODO)) and len(rows) == int(items) + 2
    assert len(book.get_sheet_by_name(OVERDUE).to_python()) > 2


def _rewrite(path: Path, edits: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    parts.update(edits)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n, data in parts.items():
            z.writestr(n, data)


@pytest.mark.usefixtures("open_items")
@pytest.mark.parametrize("other", [True, False])
def test_parts_only_the_old_sheet_used_go_with_it(
    books: dict[str, Path], tmp_path: Path, other: bool
) -> None:
    """A note the user put on yesterday's to-do sheet (its comments and VML parts) goes
    with the sheet; a part it shared (here the theme, the workbook's) stays, as does a
    calcChain entry of another sheet (``other``; a chain left empty is taken out: Excel
    rejects an empty one)."""
    from macros_py.hosts import FileHost

    src = _book(books, "rw-features.xlsx", tmp_path)
    out = tmp_path / "work.xlsx"
    host = FileHost(src, out)
    _press("todo")(host, as_of=AS_OF)
    parts = _parts(out)
    tool = _sheets(parts)[TODO]
    rels = tool.replace("worksheets/", "worksheets/_rels/") + ".rels"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
    ct = parts["[Content_Types].xml"].decode()
    ct = ct.replace(
        "</Types>",
        '<Override PartName="/xl/comments99.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.comments+xml"/><Override PartName="/xl/calcChain.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.calcChain+xml"/>'
        "</Types>",
    )
    sheet_id = re.search(rf'name="{TODO}" sheetId="(\d+)"', parts["xl/workbook.xml"].decode())
    assert sheet_id
    wb_rels = (
        parts["xl/_rels/workbook.xml.rels"]
        .decode()
        .replace(
            "</Relationships>",
            f'<Relationship Id="rIdChain" Type="{rel}calcChain" Target="calcChain.xml"/>'
            "</Relationships>",
        )
    )
    _rewrite(
        out,
        {
            rels: (
                '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
                'openxmlformats.org/package/2006/relationships">'
                f'<Relationship Id="rId1" Type="{rel}comments" Target="../comments99.xml"/>'
                f'<Relationship Id="rId2" Type="{rel}vmlDrawing" '
                'Target="../drawings/vmlDrawing99.vml"/>'
                f'<Relationship Id="rId3" Type="{rel}theme" Target="../theme/theme1.xml"/>'
                "</Relationships>"
            ).encode(),
            "xl/comments99.xml": b"<comments/>",
            "xl/drawings/vmlDrawing99.vml": b"<xml/>",
            "xl/calcChain.xml": (
                '<calcChain xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                f'<c r="A1" i="{sheet_id.group(1)}"/><c r="A2"/>'
                + ('<c r="B2" i="1"/>' if other else "")
                + "</calcChain>"
            ).encode(),
            "[Content_Types].xml": ct.encode(),
            "xl/_rels/workbook.xml.rels": wb_rels.encode(),
        },
    )
    first = tmp_path / "first.xlsx"
    shutil.copy(out, first)
    _press("todo")(host, as_of=AS_OF)
    after = _parts(out)
    gone = set(_parts(first)) - set(after)
    chain = {"xl/calcChain.xml"}
    assert gone == {tool, rels, "xl/comments99.xml", "xl/drawings/vmlDrawing99.vml"} | (
        set() if other else chain
    )
    assert "xl/theme/theme1.xml" in after
    if other:
        assert after["xl/calcChain.xml"].endswith(b'<c r="B2" i="1"/></calcChain>')
    else:
        assert b"calcChain" not in after["[Content_Types].xml"]
        assert b"calcChain" not in after["xl/_rels/workbook.xml.rels"]
    assert b"comments99" not in after["[Content_Types].xml"]
    allowed = _allowed(first, out) | {"xl/calcChain.xml"}
    assert package_changes(first, out, allowed) == []


@pytest.mark.parametrize("name", ["rw-features.xlsx", "rw-macro-ribbon.xlsm"])
def test_docs_rerun_on_its_own_output_replaces_its_document_sheets(
    books: dict[str, Path], tmp_path: Path, name: str
) -> None:
    """``gendan docs`` on its own output (before: refused, or openpyxl losing the saved
    results): the document sheets of the first run are replaced in place, each once, and
    every other part is the first run's byte for byte."""
    from gendan.cli import docs_default_out
    from gendan.documents import generate

    src = _book(books, name, tmp_path)
    first = docs_default_out(src)
    result = generate(src, first, all=True, now=dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.UTC))
    assert result.method == "graft"
    again = tmp_path / ("again" + first.suffix)
    second = generate(first, again, all=True, now=dt.datetime(2026, 11, 28, 9, 0, tzinfo=dt.UTC))
    assert second.method == "graft" and second.sheets == result.sheets
    assert inject.sheet_names(again) == inject.sheet_names(first)
    b, a = _parts(first), _parts(again)
    gone = set(b) - set(a)
    assert gone == {_sheets(b)[n] for n in result.sheets}
    assert package_changes(first, again, _allowed(first, again)) == []
    assert package_changes(src, again, _allowed(src, again)) == []
