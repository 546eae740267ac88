"""Documents and ribbon buttons keep everything: on workbooks as people keep them
(tests/corpus/realworld.py: sparklines, data bars, text boxes, form buttons, threaded
comments, WPS and rich-value images, pivots, VBA with a ribbon, a LibreOffice re-save),
proved part by part as tests/test_annotate_corpus.py proves annotate:

* ``gendan docs`` writes a copy in which every part of the original is byte for byte
  the same, except the workbook's own lists (workbook part, its relationships, content
  types) and the styles part; every relationship and content type is still there
  (gendan.write.write_guard.package_changes), every cell and formula's saved result too;
* the headless ribbon file host (macros_py.hosts.FileHost) marks and clears by patching
  the package: to a copy and in place (with a byte-identical backup), nothing but the
  parts a mark names changes;
* where only openpyxl could write, it refuses with one sentence instead of losing parts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import sys
import zipfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent.parent / "corpus"))
sys.path.insert(0, str(Path(__file__).parent.parent))

import realworld
from test_annotate_corpus import AS_OF, _named, _parts, _sheets, assert_kept

from gendan.model.errors import GendanError, OutputError
from gendan.write.write_guard import package_changes

REAL = list(realworld.BUILDERS)
NOW = dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.UTC)


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


def _lists(parts: dict[str, bytes]) -> set[str]:
    """The workbook's own lists and styles: what adding sheets may change."""
    return _named(parts, set())


# ----------------------------------------------------------------------------- docs


@pytest.mark.parametrize("name", REAL)
def test_docs_into_a_realworld_book_keeps_every_part(
    books: dict[str, Path], tmp_path: Path, name: str
) -> None:
    from gendan.cli import docs_default_out
    from gendan.documents import generate

    src = _book(books, name, tmp_path)
    digest = hashlib.sha256(src.read_bytes()).hexdigest()
    out = docs_default_out(src)  # BOOK-docs.xlsx, .xlsm for a macro book (macros kept)
    try:
        result = generate(src, out, all=True, now=NOW)
    except GendanError as exc:  # refused: one sentence each, nothing written
        assert not out.exists()
        assert exc.message_en.endswith(".") and exc.message_zh.endswith("。"), exc.user_text()
        pytest.fail(f"{name}: documents refused: {exc.user_text()}")
    assert hashlib.sha256(src.read_bytes()).hexdigest() == digest, "the input was modified"
    assert result.method == "graft" and result.sheets
    before = _parts(src)
    allowed = _lists(before)
    assert package_changes(src, out, allowed) == []
    differ = assert_kept(src, out, set())
    assert differ <= allowed
    after = _sheets(_parts(out))
    assert set(_sheets(before)) <= set(after)
    assert set(result.sheets) <= set(after)


def test_docs_rerun_through_openpyxl_refuses_when_it_would_lose_saved_results(
    books: dict[str, Path], tmp_path: Path
) -> None:
    """A re-run on a book whose document sheets gendan did not mark as its own (an older
    gendan's output; the sheets the tool marks are replaced, tests/write/test_tool_sheets.py)
    would go through openpyxl, which drops every formula's saved result: refused with one
    sentence naming why, nothing written."""
    import re

    from gendan.documents import generate

    src = _book(books, "rw-features.xlsx", tmp_path)
    first = tmp_path / "first.xlsx"
    generate(src, first, all=True, now=NOW)
    parts = _parts(first)
    parts["xl/workbook.xml"] = re.sub(
        rb'<definedName name="_gendan_tool"[^>]*>[^<]*</definedName>', b"", parts["xl/workbook.xml"]
    )
    with zipfile.ZipFile(first, "w", zipfile.ZIP_DEFLATED) as z:
        for n, data in parts.items():
            z.writestr(n, data)
    again = tmp_path / "again.xlsx"
    with pytest.raises(OutputError) as got:
        generate(first, again, all=True, now=NOW)
    assert not again.exists()
    en, zh = got.value.message_en, got.value.message_zh
    assert "saved results" in en and "document sheets" in en and en.endswith(".")
    assert "计算结果" in zh and zh.endswith("。")


# ----------------------------------------------------------------------------- ribbon host


def _marked(report) -> set[str]:  # type: ignore[no-untyped-def]
    return {f.sheet for f in report.findings if f.cell}


@pytest.mark.parametrize("name", REAL)
def test_ribbon_file_host_check_and_clear_keep_every_part(
    books: dict[str, Path], tmp_path: Path, name: str
) -> None:
    from macros_py import ribbon
    from macros_py.hosts import FileHost

    src = _book(books, name, tmp_path)
    before = src.read_bytes()
    out = tmp_path / ("marked" + src.suffix)
    host = FileHost(src, out)
    try:
        report = ribbon.check(host, as_of=AS_OF)
    except GendanError as exc:  # the patch cannot, openpyxl would lose: refused, as annotate
        assert not out.exists() and src.read_bytes() == before
        assert exc.message_en.endswith(".") and exc.message_zh.endswith("。"), exc.user_text()
        assert "saved results" in exc.message_en  # the LibreOffice re-save: VML without an idmap
        return
    assert src.read_bytes() == before, "the input was modified"
    assert_kept(src, out, _marked(report))
    ribbon.clear_marks(host)  # on the working copy: the marks go, the rest stays
    assert not list(tmp_path.glob("marked.backup-*")), "gendan's own copy is not backed up"
    assert_kept(src, out, _marked(report))

    # in place: guarded, a byte-identical backup
    host = FileHost(src)
    ribbon.check(host, as_of=AS_OF)
    backups = sorted(tmp_path.glob(f"{src.stem}.backup-*{src.suffix}"))
    assert len(backups) == 1 and backups[0].read_bytes() == before
    assert_kept(backups[0], src, _marked(report))


def test_ribbon_file_host_keeps_sparklines_and_shapes(
    books: dict[str, Path], tmp_path: Path
) -> None:
    """The features book (sparklines and data bars in the sheet's extLst, a text box and
    an image in its drawing): openpyxl drops the first and the second; the file host keeps
    both, and the receivables button (a sheet added) grafts rather than re-saves."""
    from macros_py import ribbon
    from macros_py.hosts import FileHost

    src = _book(books, "rw-features.xlsx", tmp_path)
    out = tmp_path / "work.xlsx"
    host = FileHost(src, out)
    ribbon.check(host, as_of=AS_OF)
    ribbon.overdue(host, as_of=AS_OF)
    b, a = _parts(src), _parts(out)
    master = _sheets(b)["工作序列表"]
    assert b"x14:sparklineGroups" in b[master] and b"x14:sparklineGroups" in a[master]
    assert b"x14:dataBar" in a[master]
    drawings = [n for n in b if n.startswith("xl/drawings/drawing")]
    assert drawings and all(a.get(n) == b[n] for n in drawings)
    assert "逾期催款" in _sheets(a)
    with zipfile.ZipFile(out) as z:
        assert z.testzip() is None
