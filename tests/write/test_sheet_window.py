"""A big sheet part read through a window (gendan.write.sheet_window) gives exactly the package
that reading it whole gives: annotate and clear on the sample, the real-world books and a
formatting-only book, with the window forced on every sheet part."""

from __future__ import annotations

import datetime as dt
import io
import sys
import zipfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent.parent / "corpus"))
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import formatting_book
import realworld

from gendan.write import sheet_window
from gendan.write.annotate import annotate_file, clear_file
from gendan.write.xlsx_patch import SheetCells

AS_OF = dt.date(2026, 11, 27)
REPO = Path(__file__).resolve().parents[2]


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def _both(src: Path, tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """annotate + clear read whole and windowed: the same parts, byte for byte."""
    annotate_file(src, tmp / "full.xlsx", as_of=AS_OF)
    clear_file(tmp / "full.xlsx", tmp / "full-clear.xlsx")
    scans: list[str] = []
    real_scan = sheet_window.scan

    def spy(zin, part, rows):  # type: ignore[no-untyped-def]
        scans.append(part)
        return real_scan(zin, part, rows)

    monkeypatch.setattr(sheet_window, "WINDOW_BYTES", 0)
    monkeypatch.setattr(sheet_window, "scan", spy)
    annotate_file(src, tmp / "win.xlsx", as_of=AS_OF)
    clear_file(tmp / "win.xlsx", tmp / "win-clear.xlsx")
    assert scans, "the window was not used"
    for a, b in (("full.xlsx", "win.xlsx"), ("full-clear.xlsx", "win-clear.xlsx")):
        pa, pb = _parts(tmp / a), _parts(tmp / b)
        assert pa.keys() == pb.keys()
        assert [n for n in pa if pa[n] != pb[n]] == [], (a, b)


def test_windowed_sample_is_the_whole_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _both(REPO / "xlsx" / "sample.xlsx", tmp_path, monkeypatch)


@pytest.mark.parametrize("name", ["rw-features.xlsx", "rw-threaded.xlsx", "rw-marked-before.xlsx"])
def test_windowed_realworld_is_the_whole_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    src = realworld.BUILDERS[name](tmp_path / name)
    assert src is not None  # only the LibreOffice round trip can be missing
    _both(src, tmp_path, monkeypatch)


def test_windowed_formatting_only_book_is_the_whole_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = formatting_book.build(tmp_path / "fmt.xlsx", rows=3000, cols=25)
    _both(src, tmp_path, monkeypatch)


def _zip(xml: bytes) -> zipfile.ZipFile:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("s.xml", xml)
    return zipfile.ZipFile(buf)


SHEET = (
    b'<worksheet xmlns="x"><cols><col min="1" max="3" style="4"/></cols><sheetData>\n'
    + b"".join(
        b'<row r="%d"><c r="A%d" s="1"/><c r="B%d"><v>%d</v></c></row>\n' % (r, r, r, r)
        for r in (1, 2, 3, 7, 8, 20)
    )
    + b'</sheetData><mergeCells count="1"><mergeCell ref="A7:A8"/></mergeCells></worksheet>'
)


def test_window_keeps_the_rows_asked_for_and_the_row_after_a_missing_one() -> None:
    z = _zip(SHEET)
    w = sheet_window.scan(z, "s.xml", [2, 5, 30])
    # row 2; for the missing 5 the first row after it (7); for 30 nothing (the tail)
    assert b'<row r="2">' in w.data and b'<row r="7">' in w.data
    assert b'<row r="3">' not in w.data and b'<row r="8">' not in w.data
    assert w.data.startswith(SHEET[: SHEET.index(b"<sheetData>") + 11])
    assert w.data.endswith(SHEET[SHEET.index(b"</sheetData>") :])
    i = w.data.index(b'<row r="7">')
    assert w.to_orig(i, i) == (SHEET.index(b'<row r="7">'),) * 2  # before row 7, after 3


def test_windowed_cells_edit_and_stream_like_the_whole_part() -> None:
    z = _zip(SHEET)

    def edit(sc: SheetCells) -> bytes:
        loc = sc.cell(8, 1)  # not asked for: read on demand (before any edit)
        assert loc is not None and loc.s == 1
        sc.edits.append(
            (loc.start, loc.end, sc.data[loc.start : loc.end].replace(b's="1"', b's="9"'))
        )
        row = sc.row(5)
        assert row is None  # missing: a new row goes before row 7
        rows = sc.rows()
        pos = rows[min(r for r in rows if r > 5)].start
        sc.edits.append((pos, pos, b'<row r="5"><c r="A5" s="9"/></row>'))
        got = sc.result()
        return b"".join(bytes(x) for x in got)

    whole = edit(SheetCells(SHEET))
    w = sheet_window.scan(z, "s.xml", [5])
    windowed = edit(SheetCells(w.data, w))
    assert windowed == whole
    assert b'<row r="3"><c r="A3" s="1"/><c r="B3"><v>3</v></c></row>\n<row r="5">' in whole


def test_a_sheet_the_window_cannot_read_is_read_whole() -> None:
    odd = SHEET.replace(b'<row r="3">', b'<row r="30">')  # rows out of order
    z = _zip(odd)
    with pytest.raises(sheet_window.Unwindowable):
        sheet_window.scan(z, "s.xml", [2])


# ----------------------------------------------------------------------------- the gate


def _with_rows(src: Path, out: Path, rows_xml: bytes) -> Path:
    """``src`` with ``rows_xml`` added at the end of its master sheet's rows."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</sheetData>", rows_xml + b"</sheetData>")
            zout.writestr(info, data)
    return out


def test_gate_passes_formatting_only_rows_and_still_sees_a_value_below_them(tmp_path: Path) -> None:
    """Blocks of formatting-only cells take the gate's short proof (gate._formatting_only);
    a value, a formula or an error cell after them is still counted in the extent."""
    from gendan.read.gate import open_checked

    sample = open_checked(REPO / "xlsx" / "sample.xlsx").sheets[0]
    fmt = formatting_book.build(tmp_path / "fmt.xlsx", rows=20000, cols=25)
    scan = open_checked(fmt).sheets[0]
    assert (scan.rows, scan.cols, scan.formulas) == (sample.rows, sample.cols, sample.formulas)
    for extra, want in (
        (b'<row r="20001"><c r="C20001"><v>5</v></c></row>', (20001, sample.cols, 0)),
        (b'<row r="20001"><c r="BZ20001" s="1"><f>1+1</f></c></row>', (20001, 78, 1)),
        (b'<row r="20001"><c r="C20001" t="e"><v>#N/A</v></c></row>', (20001, sample.cols, 0)),
    ):
        got = open_checked(_with_rows(fmt, tmp_path / "v.xlsx", extra)).sheets[0]
        assert (got.rows, got.cols, got.formulas - sample.formulas) == want, extra
