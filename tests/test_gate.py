"""The input gate: every corpus file is refused with its reason or accepted with its notes."""

from __future__ import annotations

import hashlib
import os
import re
import sys
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent / "corpus"))

import make_corpus  # noqa: E402

from gendan.errors import SchemaError, UnreadableWorkbook  # noqa: E402
from gendan.gate import (  # noqa: E402
    NOTE_MESSAGES,
    GateRefusal,
    Limits,
    _XlsxScanner,
    load_limits,
    open_checked,
)

REPO = Path(__file__).resolve().parents[1]
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
    assert info.sheets[0].value_cells == 2 and info.sheets[0].dense_cells == 5000 * 100
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


def _scan(data: bytes, sizes: list[int]) -> tuple:
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
