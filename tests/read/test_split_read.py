"""The parallel read (gendan.read.split_read) gives the grid the whole-sheet read gives.

Pieces are forced small (a few KB) so that every file here is cut into many pieces; the
reference is the same read with one worker, where nothing is split.  A sheet that cannot
be split safely must fall back to the whole read - same grid - and a refused file must be
refused the same way.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from factory import active_sheet, make_data, write_xlsx
from factory import random_orders as _random_orders

from gendan.model.errors import InputError
from gendan.model.schema import load_schema
from gendan.read.gate import GateRefusal
from gendan.read.reader import read_workbook
from gendan.read.split_read import SplitReader
from gendan.read.tables import EarlyTyping, load_tables
from gendan.rules.engine import check_data

sys.path.insert(0, str(Path(__file__).parent.parent / "corpus"))

import make_corpus

REPO = Path(__file__).resolve().parents[2]


def small_pieces(piece: int = 2048) -> SplitReader:
    return SplitReader(piece_bytes=piece, min_split_bytes=0, workers=2)


def whole() -> SplitReader:
    return SplitReader(workers=1)


def grids(path: Path, split: SplitReader) -> list[tuple[str, list[str]]]:
    """Each sheet's rows as repr text: NaN equals NaN, 1.0 differs from True."""
    data = read_workbook(path, split=split)
    return [(s.name, [repr(list(r)) for r in s.rows]) for s in data.sheets]


def assert_same(path: Path, piece: int = 2048) -> SplitReader:
    split = small_pieces(piece)
    assert grids(path, split) == grids(path, whole())
    return split


def pieces_used(split: SplitReader) -> int:
    return sum(len(s.pieces) for s in split.sheets.values() if not s.failed)


def test_sample_workbook_is_read_in_pieces_and_identically(tmp_path: Path) -> None:
    split = assert_same(REPO / "xlsx" / "sample.xlsx")
    assert pieces_used(split) >= 3  # it really was cut up, not read whole


def _random_book(path: Path, seed: int) -> None:
    rnd = random.Random(seed)
    wb = openpyxl.Workbook()
    ws = active_sheet(wb)
    ws.title = "工作序列表"
    r0, c0 = rnd.randint(1, 4), rnd.randint(1, 3)
    for i in range(rnd.randint(200, 600)):
        if rnd.random() < 0.05:
            continue  # a blank row, sometimes at a piece boundary
        width = rnd.randint(1, 12)
        for j in range(width):
            kind = rnd.random()
            if kind < 0.15:
                continue
            if kind < 0.35:
                v: Any = rnd.randint(-(10**6), 10**6)
            elif kind < 0.5:
                v = round(rnd.uniform(-1e5, 1e5), rnd.randint(0, 6))
            elif kind < 0.6:
                v = dt.date(2020, 1, 1) + dt.timedelta(days=rnd.randint(0, 3000))
            elif kind < 0.65:
                v = rnd.random() < 0.5
            elif kind < 0.7:
                v = '</row><row r="1">&<>"\''  # markup as text: escaped, never a row end
            else:
                v = "".join(rnd.choice("ABC 箱号合同０１２-/") for _ in range(rnd.randint(1, 20)))
            ws.cell(row=r0 + i, column=c0 + j, value=v)
    other = wb.create_sheet("客户")
    other["A1"] = "code"
    other["B3"] = 7
    wb.save(path)


@pytest.mark.parametrize("seed", range(6))
def test_random_sheets_read_identically(tmp_path: Path, seed: int) -> None:
    p = tmp_path / f"r{seed}.xlsx"
    _random_book(p, seed)
    split = assert_same(p, piece=1024 + 512 * seed)
    assert pieces_used(split) >= 2


def _rewrite_sheet(src: Path, dest: Path, edit: Any) -> None:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = edit(data)
            zout.writestr(info, data)


@pytest.mark.parametrize(
    "name, edit",
    [
        ("comment", lambda d: d.replace(b"</row>", b"</row><!-- </row> -->", 3)),
        ("processing-instruction", lambda d: d.replace(b"</row>", b"</row><?pi x?>", 1)),
        # the last rows first: pieces would come out of order
        ("rows-out-of-order", lambda d: _reverse_rows(d)),
        # cells without r: positions follow from order, a piece would restart them
        ("cells-without-r", lambda d: _strip_cell_refs(d)),
    ],
)
def test_unsplittable_sheets_fall_back_to_the_whole_read(
    tmp_path: Path, name: str, edit: Any
) -> None:
    src = tmp_path / "src.xlsx"
    _random_book(src, 99)
    p = tmp_path / f"{name}.xlsx"
    _rewrite_sheet(src, p, edit)
    split = small_pieces()
    assert grids(p, split) == grids(p, whole())
    master = split.by_name["工作序列表"]
    assert master.failed or split.rows("工作序列表") is None


def _reverse_rows(data: bytes) -> bytes:
    head, rest = data.split(b"<sheetData>", 1)
    body, tail = rest.split(b"</sheetData>", 1)
    rows = [r + b"</row>" for r in body.split(b"</row>") if r]
    return head + b"<sheetData>" + b"".join(reversed(rows)) + b"</sheetData>" + tail


def _strip_cell_refs(data: bytes) -> bytes:
    import re

    return re.sub(rb'<c r="[A-Z]+\d+"', b"<c", data)


def test_1904_dates_read_identically(tmp_path: Path) -> None:
    src = tmp_path / "src.xlsx"
    _random_book(src, 5)
    p = tmp_path / "d1904.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "xl/workbook.xml":
                data = data.replace(b"<workbookPr", b'<workbookPr date1904="1"', 1)
            zout.writestr(info, data)
    split = assert_same(p)
    assert pieces_used(split) >= 2


CORPUS = make_corpus.cases()


def _outcome(path: Path, split: SplitReader) -> Any:
    try:
        return ("read", grids(path, split))
    except GateRefusal as exc:
        return ("refused", exc.reason)
    except InputError as exc:
        return ("unreadable", type(exc).__name__)


@pytest.mark.slow  # every corpus book read whole and in small pieces: ~20 s
def test_every_corpus_file_same_outcome_in_pieces() -> None:
    """Bombs, damaged and odd files: refused, unreadable or read exactly as before."""
    root, cases = make_corpus.corpus_dir()
    split_any = 0
    for case in cases:
        path = root / case.name
        split = small_pieces()
        assert _outcome(path, split) == _outcome(path, whole()), case.name
        split_any += pieces_used(split) > 0
    assert split_any >= 5


# ----------------------------------------------------------------- typing while reading


def _table_facts(t: Any) -> Any:
    return (
        t.sheet,
        t.header_row,
        t.col,
        t.rows,
        repr({k: list(v) for k, v in t.raw.items()}),
        repr(t.values),
        t.bad,
        t.issues,
        t.extra,
        t.missing,
    )


def _early_equals_late(path: Path, piece: int = 2048) -> EarlyTyping:
    schema = load_schema()
    early = EarlyTyping(schema)
    typed_early = load_tables(
        read_workbook(path, split=small_pieces(piece), early=early), schema, early
    )
    typed_late = load_tables(read_workbook(path, split=whole()), schema)
    assert _table_facts(typed_early.master) == _table_facts(typed_late.master)
    assert (
        check_data(typed_early.data, schema, dt.date(2026, 11, 27)).to_dicts()
        == check_data(typed_late.data, schema, dt.date(2026, 11, 27)).to_dicts()
    )
    return early


def test_master_typed_while_reading_equals_typed_after() -> None:
    early = _early_equals_late(REPO / "xlsx" / "sample.xlsx")
    assert len(early.parts) >= 2  # typed in pieces, not after the read


@pytest.mark.parametrize("seed", range(4))
def test_random_masters_typed_while_reading_equal_typed_after(tmp_path: Path, seed: int) -> None:
    """Bad cells, text dates, blank and total rows, ragged rows: same table either way."""
    rng = random.Random(seed)
    data = make_data(_random_orders(rng, 150))
    early = _early_equals_late(write_xlsx(data, tmp_path / "m.xlsx"), piece=1500 + 700 * seed)
    assert len(early.parts) >= 2


def test_a_fault_in_the_pieces_reads_the_sheet_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    """A bug in the splitting must never look like a damaged file (the gate refuses those)."""
    path = REPO / "xlsx" / "sample.xlsx"
    expected = grids(path, whole())

    def broken(*_a: Any, **_k: Any) -> None:
        raise KeyError("bug")

    monkeypatch.setattr(SplitReader, "_chunk", broken)
    split = small_pieces()
    assert grids(path, split) == expected
    assert all(s.failed for s in split.sheets.values())


def test_a_fault_in_early_typing_types_after_the_read(monkeypatch: pytest.MonkeyPatch) -> None:
    import gendan.read.tables as tables_mod

    calls = []
    real = tables_mod._type_rows

    def once_broken(*a: Any, **k: Any) -> Any:
        calls.append(1)
        if len(calls) == 2:
            raise ValueError("bug")
        return real(*a, **k)

    monkeypatch.setattr(tables_mod, "_type_rows", once_broken)
    schema = load_schema()
    early = EarlyTyping(schema)
    path = REPO / "xlsx" / "sample.xlsx"
    got = load_tables(read_workbook(path, split=small_pieces(), early=early), schema, early)
    monkeypatch.setattr(tables_mod, "_type_rows", real)
    want = load_tables(read_workbook(path, split=whole()), schema)
    assert early.parts == [] and _table_facts(got.master) == _table_facts(want.master)


def _prefixed(data: bytes) -> bytes:
    """The sheet as the OpenXML SDK writes it: every element with an ``x:`` prefix."""
    import re

    body = re.sub(rb"<(/?)([A-Za-z]\w*)(?=[\s/>])", rb"<\1x:\2", data)
    return body.replace(b'<x:worksheet xmlns="', b'<x:worksheet xmlns:x="', 1)


def test_prefixed_sheet_xml_is_read_in_pieces_identically(tmp_path: Path) -> None:
    src = tmp_path / "src.xlsx"
    _random_book(src, 3)
    p = tmp_path / "prefixed.xlsx"
    _rewrite_sheet(src, p, _prefixed)
    assert b"<x:row" in zipfile.ZipFile(p).read("xl/worksheets/sheet1.xml")
    split = assert_same(p)
    assert pieces_used(split) >= 2
    assert len(grids(p, whole())[0][1]) > 100  # calamine reads prefixed cells at all


def test_shared_string_workbook_read_in_pieces_identically(tmp_path: Path) -> None:
    """xlsxwriter writes a shared-string table, as Excel does: every piece's package carries
    it, and the grid is the same."""
    import xlsxwriter

    rng = random.Random(7)
    pool = [
        "".join(rng.choice("ABCDEF箱柜号0123") for _ in range(rng.randint(1, 12)))
        for _ in range(150)
    ]
    p = tmp_path / "sst.xlsx"
    wb = xlsxwriter.Workbook(str(p))
    ws = wb.add_worksheet("工作序列表")
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    for r in range(1500):
        for c in range(10):
            k = rng.random()
            if k < 0.5:
                ws.write_string(r, c, rng.choice(pool))
            elif k < 0.8:
                ws.write_number(r, c, rng.uniform(-1e4, 1e4))
            elif k < 0.9:
                ws.write_datetime(
                    r, c, dt.datetime(2026, 1, 1) + dt.timedelta(days=rng.randint(0, 900)), date_fmt
                )
    wb.add_worksheet("客户").write_string(0, 0, rng.choice(pool))
    wb.close()
    assert b"<sst" in zipfile.ZipFile(p).read("xl/sharedStrings.xml")
    split = assert_same(p)
    assert pieces_used(split) >= 3
