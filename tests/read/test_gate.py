"""The input gate: every corpus file is refused with its reason or accepted with its notes."""

from __future__ import annotations

import hashlib
import os
import random
import re
import sys
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent.parent / "corpus"))

import make_corpus

from gendan.model.errors import SchemaError, UnreadableWorkbook
from gendan.read.gate import (
    NOTE_MESSAGES,
    GateRefusal,
    Limits,
    load_limits,
    open_checked,
)
from gendan.read.gate.xlsx_scan import _XlsxScanner

REPO = Path(__file__).resolve().parents[2]
CASES = make_corpus.cases()
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def corpus() -> Path:
    return make_corpus.corpus_dir()[0]


def _sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


# --------------------------------------------------------------------------- every corpus case


@pytest.mark.parametrize("case", [c for c in CASES if c.refused], ids=lambda c: c.name)
def test_refused_with_reason_and_two_sentences(corpus: Path, case: make_corpus.Case) -> None:
    path = corpus / case.name
    before = (_sha(path), path.stat().st_mtime_ns)
    with pytest.raises(GateRefusal) as info:
        open_checked(path)
    exc = info.value
    assert exc.reason == case.reason
    assert isinstance(exc, UnreadableWorkbook)
    # one sentence each, naming the file, zh really Chinese, en really not
    assert case.name in exc.message_en and case.name in exc.message_zh
    assert "\n" not in exc.message_en and "\n" not in exc.message_zh
    en_own_words = exc.message_en.replace(case.name, "").replace("工作序列表", "")
    assert CJK.search(exc.message_zh) and not CJK.search(en_own_words)
    assert exc.message_en.rstrip().endswith(".") and exc.message_zh.rstrip().endswith("。")
    assert exc.user_text() == f"{exc.message_zh}\n{exc.message_en}"
    # the gate only reads
    assert (_sha(path), path.stat().st_mtime_ns) == before


@pytest.mark.parametrize("case", [c for c in CASES if not c.refused], ids=lambda c: c.name)
def test_accepted_with_format_and_notes(corpus: Path, case: make_corpus.Case) -> None:
    path = corpus / case.name
    before = _sha(path)
    info = open_checked(path)
    assert info.format == case.fmt
    assert set(case.notes) <= set(info.notes), info.notes
    for code, zh, en in info.note_messages():
        assert code in NOTE_MESSAGES and CJK.search(zh) and en
    assert _sha(path) == before


def test_soffice_copies_are_read(corpus: Path) -> None:
    """LibreOffice-written .xls/.ods/.xlsx pass the gate (when soffice made them)."""
    made = [c for c in make_corpus.corpus_dir()[1] if "soffice" in c.tags]
    if not made:
        pytest.skip("soffice not installed: no LibreOffice-written files in the corpus")
    for c in made:
        assert open_checked(corpus / c.name).format == c.fmt


def test_no_case_is_untested() -> None:
    reasons = {c.reason for c in CASES if c.refused}
    # every refusal the gate can give for a file's content has a corpus file
    assert reasons >= {
        "empty", "csv", "html", "xml2003", "pdf", "unknown", "raw-biff", "corrupt-zip",
        "corrupt-part", "missing-part", "duplicate-part", "zip-not-workbook", "word",
        "odf-not-spreadsheet", "encrypted", "encrypted-zip", "unsupported-compression",
        "corrupt-ole", "corrupt-xls", "too-many-entries", "ratio", "size-mismatch", "too-many-cells",
        "doctype", "xml-encoding", "xml-prolog",
    }  # fmt: skip


# --------------------------------------------------------------------------- details of the notes


def test_formula_note_names_the_first_cell(corpus: Path) -> None:
    info = open_checked(corpus / "formulas-no-cache.xlsx")
    assert info.formulas_without_values == 3
    code, zh, en = next(m for m in info.note_messages() if m[0] == "formulas-without-values")
    amount_col = make_corpus._col(make_corpus.master_keys().index("amount") + 1)
    assert f"工作序列表!{amount_col}3" in en and "重新计算" in zh and "recalculate" in en


def test_cached_formulas_are_not_flagged(corpus: Path) -> None:
    info = open_checked(corpus / "formulas-cached.xlsx")
    assert info.sheets[0].formulas == 3
    assert info.formulas_without_values == 0
    assert "formulas-without-values" not in info.notes


def test_error_cells_counted(corpus: Path) -> None:
    info = open_checked(corpus / "error-values.xlsx")
    assert info.error_cells == 4


def test_1904_flag(corpus: Path) -> None:
    assert open_checked(corpus / "date1904.xlsx").date1904 is True
    assert open_checked(corpus / "master-ok.xlsx").date1904 is False
    assert open_checked(corpus / "legacy-1904.xls").date1904 is True
    assert open_checked(corpus / "legacy.xls").date1904 is False


def test_extent_of_legacy_formats(corpus: Path) -> None:
    n_cols = len(make_corpus.master_keys())
    for name in ("legacy.xls", "master.xlsb", "master.ods", "master-ok.xlsx"):
        master = open_checked(corpus / name).sheets[0]
        assert (master.rows, master.cols) == (5, n_cols), name


def test_sheet_names_from_each_format(corpus: Path) -> None:
    for name in ("legacy.xls", "master.xlsb", "master.ods", "master-ok.xlsx"):
        assert [s.name for s in open_checked(corpus / name).sheets][:2] == ["工作序列表", "客户"], (
            name
        )


# --------------------------------------------------------------------------- files that are not files


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(GateRefusal) as info:
        open_checked(tmp_path / "nope.xlsx")
    assert info.value.reason == "not-found"


def test_directory(tmp_path: Path) -> None:
    d = tmp_path / "book.xlsx"
    d.mkdir()
    with pytest.raises(GateRefusal) as info:
        open_checked(d)
    assert info.value.reason == "directory"


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads anything")
def test_unreadable_file(corpus: Path, tmp_path: Path) -> None:
    p = tmp_path / "locked.xlsx"
    p.write_bytes((corpus / "master-ok.xlsx").read_bytes())
    p.chmod(0)
    with pytest.raises(GateRefusal) as info:
        open_checked(p)
    assert info.value.reason == "os-error"


# --------------------------------------------------------------------------- limits


def test_shipped_yaml_equals_defaults() -> None:
    assert load_limits() == Limits()
    assert load_limits(REPO / "schemas" / "limits.yaml") == Limits()


def test_yaml_is_loaded_with_safe_load(tmp_path: Path) -> None:
    p = tmp_path / "limits.yaml"
    p.write_text("limits: !!python/object/apply:os.system ['echo pwned']\n")
    with pytest.raises(SchemaError):
        load_limits(p)


@pytest.mark.parametrize(
    "text",
    ["limits: {max_cells: 0}", "limits: {max_cells: -5}", "limits: {max_cells: yes}",
     "limits: {no_such_limit: 3}", "limits: [1, 2]", "limits: {max_cells: '10'}", "{{{"],
)  # fmt: skip
def test_bad_limits_yaml(tmp_path: Path, text: str) -> None:
    p = tmp_path / "limits.yaml"
    p.write_text(text)
    with pytest.raises(SchemaError) as info:
        load_limits(p)
    assert CJK.search(info.value.message_zh)


def test_partial_yaml_keeps_other_defaults(tmp_path: Path) -> None:
    p = tmp_path / "limits.yaml"
    p.write_text("limits:\n  max_cells: 123\n")
    lim = load_limits(p)
    assert lim.max_cells == 123 and lim.max_ratio == Limits().max_ratio


@pytest.mark.parametrize(
    ("limits", "reason"),
    [
        (Limits(max_file_bytes=1000), "too-large"),
        (Limits(max_entries=3), "too-many-entries"),
        (Limits(max_entry_bytes=2000), "entry-too-large"),
        (Limits(max_total_bytes=5000), "total-too-large"),
        (Limits(max_ratio=2, ratio_grace_bytes=100), "ratio"),
        (Limits(max_sheet_cells=50), "too-many-cells"),
        (Limits(max_cells=150), "too-many-cells"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_each_limit_refuses(corpus: Path, limits: Limits, reason: str) -> None:
    open_checked(corpus / "master-ok.xlsx")  # fine with the defaults
    with pytest.raises(GateRefusal) as info:
        open_checked(corpus / "master-ok.xlsx", limits)
    assert info.value.reason == reason


def test_cell_limit_counts_the_extent_not_the_cells(tmp_path: Path) -> None:
    """Two values far apart: few cells, huge rectangle - what calamine allocates."""
    p = tmp_path / "far.xlsx"
    make_corpus.raw_xlsx(
        p,
        f'<worksheet xmlns="{make_corpus._SHEET_NS}"><sheetData><row r="1"><c r="A1"><v>1</v></c></row>'
        '<row r="5000"><c r="CV5000"><v>2</v></c></row></sheetData></worksheet>',
    )
    info = open_checked(p)
    assert info.sheets[0].dense_cells == 5000 * 100
    with pytest.raises(GateRefusal):
        open_checked(p, Limits(max_sheet_cells=499_999))
    open_checked(p, Limits(max_sheet_cells=500_000))


def test_style_only_cells_do_not_count(tmp_path: Path) -> None:
    """Formatting far away (no value) makes no cells in calamine, so no refusal."""
    p = tmp_path / "styled.xlsx"
    make_corpus.raw_xlsx(
        p,
        f'<worksheet xmlns="{make_corpus._SHEET_NS}"><dimension ref="A1:XFD1048576"/><sheetData>'
        '<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576" s="1"/></row>'
        "</sheetData></worksheet>",
    )
    assert open_checked(p).sheets[0].dense_cells == 1


# --------------------------------------------------------------------------- XML prolog edge cases


def test_doctype_text_inside_a_cell_is_data(tmp_path: Path) -> None:
    p = tmp_path / "text.xlsx"
    grid = make_corpus._master_grid()
    grid[2][-1] = '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
    make_corpus.raw_xlsx(p, make_corpus._sheet_xml(grid))
    assert open_checked(p).format == "xlsx"


def test_utf8_bom_and_comments_before_root_are_fine(tmp_path: Path) -> None:
    p = tmp_path / "bom.xlsx"
    xml = make_corpus._sheet_xml(make_corpus._master_grid()).encode()
    make_corpus.raw_xlsx(p, b"\xef\xbb\xbf" + xml.replace(b"?>", b"?><!-- made by a tool -->", 1))
    assert open_checked(p).sheets[0].rows == 5


def test_lowercase_doctype_is_refused_too(tmp_path: Path) -> None:
    p = tmp_path / "lower.xlsx"
    make_corpus.raw_xlsx(p, '<?xml version="1.0"?><!doctype x><worksheet/>')
    with pytest.raises(GateRefusal) as info:
        open_checked(p)
    assert info.value.reason == "doctype"


# --------------------------------------------------------------------------- the streaming scanner


SHEET = (
    b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b"<sheetData>"
    b'<row r="2"><c r="B2" t="s"><v>0</v></c><c r="C2"><f>1+1</f><v>2</v></c><c r="D2"><f>A1</f><v></v></c></row>'
    b'<row r="3"><c r="C3" t="str"><f>""</f><v></v></c><c r="E3" t="e"><v>#N/A</v></c>'
    b'<c r="F3" s="2"/><c r="G3"><f t="shared" si="0"/></c></row>'
    b'<row r="7"><c r="AB7" t="inlineStr"><is><t>x&gt;c&gt;</t></is></c></row>'
    b"</sheetData></worksheet>"
)


#: rows, cols, first row, first col, formulas, formulas without value, the first of them,
#: error cells, the first of them: what the scanner learned about one sheet
Facts = tuple[int, int, int, int, int, int, str | None, int, str | None]


def _scan(data: bytes, sizes: list[int]) -> Facts:
    sc = _XlsxScanner("S", "p")
    i = 0
    k = 0
    while i < len(data):
        n = sizes[k % len(sizes)] if sizes else len(data)
        sc.feed(data[i : i + n])
        i += n
        k += 1
    s = sc.finish()[0]
    return (s.rows, s.cols, s.first_row, s.first_col, s.formulas, s.formulas_without_value,
            s.first_formula_without_value, s.error_cells, s.first_error_cell)  # fmt: skip


def test_scanner_facts() -> None:
    # rows 2..7, columns B..AB; formulas C2 (cached), D2 (empty <v>), C3 (t=str: "" is a value),
    # G3 (shared, no <v>); one error cell E3
    assert _scan(SHEET, []) == (7, 28, 2, 2, 4, 2, "D2", 1, "E3")


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=64), min_size=1, max_size=8))
def test_scanner_is_chunking_invariant(sizes: list[int]) -> None:
    assert _scan(SHEET, sizes) == _scan(SHEET, [])


@pytest.mark.slow  # 60 chunkings of the sheet through the byte-level scanner: ~30 s
@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=64), min_size=1, max_size=8))
def test_slow_path_is_chunking_invariant(sizes: list[int]) -> None:
    xml = make_corpus._sheet_xml(make_corpus._master_grid(), with_r=False).encode()
    assert _scan(xml, sizes) == _scan(xml, [])
    assert _scan(xml, [])[:2] == (5, len(make_corpus.master_keys()))


def test_prefixed_and_unprefixed_agree() -> None:
    grid = make_corpus._master_grid()
    plain = make_corpus._sheet_xml(grid).encode()
    pref = make_corpus._sheet_xml(grid, prefix="x").encode()
    assert _scan(plain, [1000]) == _scan(pref, [333])


def test_external_links_note(tmp_path: Path) -> None:
    p = tmp_path / "links.xlsx"
    make_corpus.raw_xlsx(
        p,
        make_corpus._sheet_xml(make_corpus._master_grid()),
        extra={"xl/externalLinks/externalLink1.xml": b"<externalLink/>"},
    )
    assert "external-links" in open_checked(p).notes


def test_zip64_and_stored_parts_are_fine(tmp_path: Path, corpus: Path) -> None:
    """A re-zipped copy with stored (uncompressed) parts reads like the original."""
    p = tmp_path / "stored.xlsx"
    with (
        zipfile.ZipFile(corpus / "master-ok.xlsx") as zin,
        zipfile.ZipFile(p, "w", zipfile.ZIP_STORED) as zout,
    ):
        for info in zin.infolist():
            zout.writestr(info.filename, zin.read(info.filename))
    assert open_checked(p).sheets[0].rows == 5


# --------------------------------------------------------------------------- fuzzing


@pytest.mark.parametrize(
    "name", ["master-ok.xlsx", "legacy.xls", "master.xlsb", "master.ods", "macro-enabled.xlsm"]
)
@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_damaged_bytes_give_a_result_or_a_refusal(
    corpus: Path, tmp_path: Path, name: str, data: st.DataObject
) -> None:
    """Random byte flips, truncations and insertions: only GateResult or GateRefusal.

    (Found this way: zipfile's NotImplementedError for an unknown 'version needed'.)"""
    raw = bytearray((corpus / name).read_bytes())
    op = data.draw(st.sampled_from(["flip", "truncate", "insert"]))
    if op == "flip":
        for _ in range(data.draw(st.integers(1, 12))):
            raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    elif op == "truncate":
        raw = raw[: data.draw(st.integers(0, len(raw) - 1))]
    else:
        at = data.draw(st.integers(0, len(raw)))
        raw[at:at] = data.draw(st.binary(min_size=1, max_size=64))
    p = tmp_path / name
    p.write_bytes(bytes(raw))
    try:
        open_checked(p)
    except GateRefusal:
        pass


# --------------------------------------------------------------------------- the claim fast path
#
# Big blocks are not scanned cell by cell: the first and last value cells claim a rectangle
# and one search proves that no cell tag lies outside it (gate._XlsxScanner._claimed_block).
# These sheets are large enough (>= 32 KB per block) to take that path; each must give the
# same facts as the exact per-cell path, and a cell outside the claim must still be found.


def _big_sheet(
    n_rows: int = 3000,
    n_cols: int = 10,
    *,
    row_r: bool = True,
    order: list[int] | None = None,
    extra: dict[int, bytes] | None = None,
    dimension: bytes | None = b'<dimension ref="A1:J3000"/>',
) -> bytes:
    """A worksheet of numbers; ``extra[r]`` is appended inside row ``r``."""
    rows = []
    for r in order or range(1, n_rows + 1):
        cells = b"".join(
            b'<c r="%s%d" t="n"><v>%d</v></c>' % (make_corpus._col(c).encode(), r, r * c)
            for c in range(1, n_cols + 1)
        )
        cells += (extra or {}).get(r, b"")
        attr = b' r="%d"' % r if row_r else b""
        rows.append(b"<row%s>%s</row>" % (attr, cells))
    return (
        b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="'
        + make_corpus._SHEET_NS.encode()
        + b'">'
        + (dimension or b"")
        + b"<sheetData>"
        + b"".join(rows)
        + b"</sheetData></worksheet>"
    )


def _facts(xml: bytes, *, claim: bool, chunk: int = 1 << 16) -> tuple[Facts, int]:
    """Scanner facts with the claim path on or off (off = every block exact)."""
    import gendan.read.gate.xlsx_scan as gate

    saved = gate._CLAIM_MIN_BLOCK
    gate._CLAIM_MIN_BLOCK = 1 << 15 if claim else 1 << 60
    try:
        sc = _XlsxScanner("S", "p")
        calls = 0
        original = sc._claimed_block

        def counting(data: bytes, start: int, end: int) -> bool:
            nonlocal calls
            ok = original(data, start, end)
            calls += ok
            return ok

        sc._claimed_block = counting  # type: ignore[method-assign]
        for i in range(0, len(xml), chunk):
            sc.feed(xml[i : i + chunk])
        s = sc.finish()[0]
    finally:
        gate._CLAIM_MIN_BLOCK = saved
    facts: Facts = (s.rows, s.cols, s.first_row, s.first_col, s.formulas, s.formulas_without_value,
             s.first_formula_without_value, s.error_cells, s.first_error_cell)  # fmt: skip
    return facts, calls


def test_claim_path_is_taken_and_agrees_with_the_exact_path() -> None:
    xml = _big_sheet()
    fast, claimed = _facts(xml, claim=True)
    exact, none = _facts(xml, claim=False)
    assert claimed > 5 and none == 0
    assert fast == exact == (3000, 10, 1, 1, 0, 0, None, 0, None)


@pytest.mark.parametrize(
    ("stray", "rows", "cols"),
    [
        (b'<c r="XFD1500"><v>1</v></c>', 3000, 16384),  # far column, mid-block
        (b'<c r="A1048576"><v>1</v></c>', 1048576, 10),  # cell row disagrees with <row r>
        (b'<c r="K1500"><v>1</v></c>', 3000, 11),  # one column past the claim
        (b'<c r="$XFD$1500"><v>1</v></c>', 3000, 16384),  # absolute reference
        (b'<c r="A01500"><v>1</v></c>', 3000, 10),  # leading zero: row 1500 all the same
        (b'<c s="1" r="XFD1500"><v>1</v></c>', 3000, 16384),  # r not the first attribute
        (b'<c r="XFD1500" s="1"/>', 3000, 10),  # formatting only: no value, no extent
    ],
)
def test_a_cell_outside_the_claim_is_found(stray: bytes, rows: int, cols: int) -> None:
    xml = _big_sheet(extra={1500: stray})
    fast, _ = _facts(xml, claim=True)
    assert fast == _facts(xml, claim=False)[0]
    assert fast[:2] == (rows, cols)


def test_a_dimension_that_lies_does_not_matter(tmp_path: Path) -> None:
    """<dimension> claims A1:B2; a value in XFD1500 mid-sheet is still found and refused."""
    xml = _big_sheet(
        dimension=b'<dimension ref="A1:B2"/>', extra={1500: b'<c r="XFD1500"><v>1</v></c>'}
    )
    p = tmp_path / "lying-dimension.xlsx"
    make_corpus.raw_xlsx(p, xml)
    with pytest.raises(GateRefusal) as info:
        open_checked(p)
    assert info.value.reason == "too-many-cells"
    # and without the stray cell the same file passes with its true extent
    make_corpus.raw_xlsx(p, _big_sheet(dimension=b'<dimension ref="A1:B2"/>'))
    s = open_checked(p).sheets[0]
    assert (s.rows, s.cols) == (3000, 10)


def test_sheet_without_dimension_rows_without_r_and_unordered_rows() -> None:
    base = _facts(_big_sheet(), claim=False)[0]
    assert _facts(_big_sheet(dimension=None), claim=True)[0] == base
    assert _facts(_big_sheet(row_r=False), claim=True)[0] == base
    shuffled = list(range(1, 3001))
    random.Random(6).shuffle(shuffled)
    # shuffled rows break the claim (rows outside the first/last cells' range), so those
    # blocks take the exact path: slower, same facts
    assert _facts(_big_sheet(order=shuffled), claim=True)[0] == base
    # a stray far row in shuffled data is found too
    xml = _big_sheet(order=shuffled, extra={7: b'<c r="B2000000"><v>1</v></c>'})
    assert _facts(xml, claim=True)[0][:2] == (2000000, 10)


def test_cells_without_r_in_a_big_block_take_the_slow_path() -> None:
    """bomb-corner-no-refs in large: row 1048576 with 16,384 cells that have no r."""
    tail = b"<c><v>1</v></c>" * 16384
    xml = _big_sheet().replace(b"</sheetData>", b'<row r="1048576">' + tail + b"</row></sheetData>")
    fast, _ = _facts(xml, claim=True)
    assert fast[:2] == (1048576, 16384)


def test_formulas_errors_and_prefixes_in_big_blocks() -> None:
    extra = {
        10: b'<c r="K10"><f>A10*2</f><v></v></c>',
        2000: b'<c r="K2000" t="e"><v>#N/A</v></c>',
    }
    xml = _big_sheet(extra=extra)
    fast, _ = _facts(xml, claim=True)
    assert fast == _facts(xml, claim=False)[0]
    assert fast == (3000, 11, 1, 1, 1, 1, "K10", 1, "K2000")
    # a prefixed cell (same namespace, another prefix) is seen by the exact path
    pref = _big_sheet(
        extra={
            1500: b'<y:c xmlns:y="'
            + make_corpus._SHEET_NS.encode()
            + b'" r="XFD1500"><y:v>1</y:v></y:c>'
        }
    )
    assert _facts(pref, claim=True)[0][:2] == (3000, 16384)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.integers(min_value=1, max_value=3000), min_size=0, max_size=4),
    st.lists(st.integers(min_value=1, max_value=20000), min_size=0, max_size=4),
    st.sampled_from([1 << 12, 1 << 15, 1 << 16, 100_000]),
)
def test_claim_and_exact_paths_agree(rows: list[int], cols: list[int], chunk: int) -> None:
    """Stray value cells at random places and random inflate step sizes."""
    extra: dict[int, bytes] = {}
    for r, c in zip(rows, cols, strict=False):
        extra[r] = extra.get(r, b"") + b'<c r="%s%d"><v>1</v></c>' % (
            make_corpus._col(c).encode(),
            r + (c % 3) * 997,
        )
    xml = _big_sheet(n_rows=1500, extra=extra)
    assert _facts(xml, claim=True, chunk=chunk)[0] == _facts(xml, claim=False, chunk=chunk)[0]


def test_range_patterns_are_exact() -> None:
    from gendan.read.gate.xlsx_scan import _col_range_re, _range_re

    rnd = random.Random(1)
    for _ in range(400):
        lo = rnd.randint(1, 1_100_000)
        hi = rnd.randint(lo, lo + rnd.choice([0, 9, 600, 50_000, 1_000_000]))
        pat = re.compile(_range_re(lo, hi) + rb"\Z")
        for x in (lo - 1, lo, hi, hi + 1, rnd.randint(lo, hi), rnd.randint(1, 2 * hi)):
            if x >= 1:
                assert bool(pat.match(str(x).encode())) == (lo <= x <= hi), (lo, hi, x)
        assert not pat.match(b"0" + str(lo).encode())  # leading zero: exact path
        clo = rnd.randint(1, 16384)
        chi = rnd.randint(clo, min(16384, clo + rnd.choice([0, 30, 800, 16384])))
        cpat = re.compile(_col_range_re(clo, chi) + rb"\Z")
        for c in (clo - 1, clo, chi, chi + 1, rnd.randint(clo, chi), rnd.randint(1, 16384)):
            if c >= 1:
                ok = bool(cpat.match(make_corpus._col(c).encode()))
                assert ok == (clo <= c <= chi), (clo, chi, c)


def test_a_csv_named_csv_is_not_called_renamed(tmp_path: Path) -> None:
    """A merchandiser's export saved as .csv is refused for what it is; "with a workbook
    extension" is only true of a CSV renamed .xlsx."""
    text = "\ufeff合同号,客户,金额\nSC-1,PT SEGAR,100\n".encode()
    for name, reason in (("orders.csv", "csv-file"), ("orders.xlsx", "csv")):
        (tmp_path / name).write_bytes(text)
        with pytest.raises(GateRefusal) as info:
            open_checked(tmp_path / name)
        assert info.value.reason == reason, name
        assert ("workbook extension" in str(info.value)) == (reason == "csv"), str(info.value)
