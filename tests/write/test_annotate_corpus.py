"""Annotate keeps everything: on workbooks as people keep them (tests/corpus/realworld.py)
and on every .xlsx/.xlsm the robustness corpus accepts, ``annotate`` to a copy and in
place, proved part by part.

For each workbook:

* every zip member of the original is in the output byte for byte, except the parts the
  change names (workbook, its relationships, content types, styles, the marked sheets
  with their relationships, notes and VML, the tool's own sheets);
* in the named parts, every relationship and content type of the original is still there;
* every cell of every sheet keeps its value, type and formula with its saved result
  (only ``s=`` may differ);
* ``--in-place`` leaves a backup byte-identical to the original and the same workbook as
  the copy;
* checking the annotated copy gives the findings of the original (no "formulas without
  saved results");
* clearing the marks gives every original part back byte for byte, but the workbook's
  own lists (sheets, relationships, content types, styles) and the tool's sheets.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path, PurePosixPath

import pytest

sys.path.insert(0, str(Path(__file__).parent.parent / "corpus"))

import make_corpus
import realworld

from gendan.model.errors import GendanError
from gendan.model.findings import Report
from gendan.write.annotate import annotate_file, clear_file
from gendan.write.marks import LEDGER_SHEET, RESULTS_SHEET

AS_OF = dt.date(2026, 11, 27)
REPO = Path(__file__).resolve().parents[2]
TOOL = {RESULTS_SHEET, LEDGER_SHEET}


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("rw")
    return {p.name: p for p in realworld.build_all(root / "rw")}


@pytest.fixture(scope="module")
def corpus_books() -> dict[str, Path]:
    corpus_root, cases = make_corpus.corpus_dir()
    return {
        c.name: corpus_root / c.name
        for c in cases
        if not c.refused and c.fmt in ("xlsx", "xlsm") and "slow" not in c.tags
    }


REAL = list(realworld.BUILDERS)
CORPUS = [
    c.name
    for c in make_corpus.cases()
    if not c.refused and c.fmt in ("xlsx", "xlsm") and "slow" not in c.tags
]


# ----------------------------------------------------------------------------- package facts


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def _rels_of(part: str) -> str:
    p = PurePosixPath(part)
    return str(p.parent / "_rels" / (p.name + ".rels"))


def _resolve(base: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    out: list[str] = []
    for piece in (PurePosixPath(base) / target).parts:
        if piece == "..":
            if out:
                out.pop()
        elif piece not in (".", ""):
            out.append(piece)
    return "/".join(out)


def _rels(parts: dict[str, bytes], part: str) -> list[tuple[str, str, str]]:
    data = parts.get(_rels_of(part))
    if data is None:
        return []
    out = []
    for m in re.finditer(rb"<(?:\w+:)?Relationship\b([^>]*)>", data):
        a = dict(re.findall(r'(\w+)="([^"]*)"', m.group(1).decode()))
        out.append((a.get("Id", ""), a.get("Type", ""), a.get("Target", "")))
    return out


def _sheets(parts: dict[str, bytes]) -> dict[str, str]:
    """Sheet name -> part."""
    root = _rels(parts, "")
    wb = next(_resolve("", t) for _i, typ, t in root if typ.endswith("/officeDocument"))
    targets = {i: _resolve(str(PurePosixPath(wb).parent), t) for i, _t, t in _rels(parts, wb)}
    text = parts[wb].decode("utf-8", "replace")
    out = {}
    for m in re.finditer(r"<(?:\w+:)?sheet\b([^>]*)>", text):
        name = re.search(r'\bname="([^"]*)"', m.group(1))
        rid = re.search(r'\b\w+:id="([^"]*)"', m.group(1))
        if name and rid:
            out[name.group(1).replace("&amp;", "&")] = targets.get(rid.group(1), "")
    return out


def _named(parts: dict[str, bytes], marked: set[str]) -> set[str]:
    """The parts an annotate may change: the workbook's lists, styles, the marked sheets
    with their relationships, notes and VML, and the tool's sheets."""
    root = _rels(parts, "")
    wb = next(_resolve("", t) for _i, typ, t in root if typ.endswith("/officeDocument"))
    base = str(PurePosixPath(wb).parent)
    named = {wb, _rels_of(wb), "[Content_Types].xml"}
    named |= {_resolve(base, t) for _i, typ, t in _rels(parts, wb) if typ.endswith("/styles")}
    for name, part in _sheets(parts).items():
        if name in marked or name in TOOL:
            named |= {part, _rels_of(part)}
            named |= {
                _resolve(str(PurePosixPath(part).parent), t)
                for _i, typ, t in _rels(parts, part)
                if typ.endswith(("/comments", "/vmlDrawing"))
            }
    return named


_CELL = re.compile(rb"<((?:\w+:)?)c\b([^>]*?)(?:/>|>(.*?)</\1c>)", re.S)


def _cells(xml: bytes) -> dict[str, tuple[bytes, bytes]]:
    """Cell reference -> (attributes without s, content) for every cell with an ``r``."""
    out = {}
    sd = re.search(rb"<(?:\w+:)?sheetData\b[^>]*?(?:/>|>.*?</(?:\w+:)?sheetData>)", xml, re.S)
    for m in _CELL.finditer(sd.group(0) if sd else b""):
        r = re.search(rb'\br="([^"]*)"', m.group(2))
        if r:
            attrs = re.sub(rb'\ss="\d+"', b"", m.group(2)).strip()
            out[r.group(1).decode()] = (attrs, m.group(3) or b"")
    return out


def _content_types(data: bytes) -> set[str]:
    return {
        m.group(0).decode() for m in re.finditer(rb"<(?:\w+:)?(?:Default|Override)\b[^>]*>", data)
    }


def _ct_key(tag: str) -> str:
    attrs = dict(re.findall(r'(\w+)="([^"]*)"', tag))
    return (
        f"{attrs.get('Extension') or attrs.get('PartName', '').lower()}={attrs.get('ContentType')}"
    )


def _check(path: Path, *extra: str) -> tuple[int, str, str]:
    cp = subprocess.run(
        [
            sys.executable,
            "-m",
            "gendan.cli",
            "check",
            str(path),
            "--format",
            "json",
            "--as-of",
            AS_OF.isoformat(),
            *extra,
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    return cp.returncode, cp.stdout, cp.stderr


def _findings(stdout: str) -> list[tuple[str, str, str]]:
    import json

    return sorted((f["code"], f["sheet"], f["cell"] or "") for f in json.loads(stdout))


def assert_kept(before: Path, after: Path, marked: set[str]) -> set[str]:
    """The part-by-part proof; returns the names of the parts that differ."""
    b, a = _parts(before), _parts(after)
    named = _named(b, marked)
    old_tool = {p for n, p in _sheets(b).items() if n in TOOL}
    differ = set()
    for name, data in b.items():
        if name not in a:
            assert name in named and (
                name in {_rels_of(p) for p in old_tool} or name.endswith((".vml", ".xml"))
            ), f"{after.name}: {name} was lost"
            differ.add(name)
            continue
        if a[name] != data:
            assert name in named, f"{after.name}: {name} changed, and the change does not name it"
            differ.add(name)
    # relationships and content types of the original are all still there
    for name in b:
        if name.endswith(".rels") and name in a and not any(name == _rels_of(p) for p in old_tool):
            have = set(_rels(a, name[: -len(".rels")].replace("_rels/", "")))
            src = name[: -len(".rels")].replace("/_rels/", "/").replace("_rels/", "")
            have = set(_rels(a, src))
            for rel in _rels(b, src):
                removed_target = _resolve(str(PurePosixPath(src).parent), rel[2])
                if removed_target not in a:  # gendan's own notes part, taken away with its notes
                    assert removed_target in named, f"{after.name}: relationship {rel} lost"
                    continue
                assert rel in have, f"{after.name}: relationship {rel} of {src} lost"
    cts = (
        {_ct_key(t) for t in _content_types(a["[Content_Types].xml"])}
        if "[Content_Types].xml" in a
        else set()
    )
    for t in _content_types(b.get("[Content_Types].xml", b"")):
        key = _ct_key(t)
        part = key.split("=", 1)[0].lstrip("/")
        if "/" in key.split("=", 1)[0] and part not in {n.lower() for n in a}:
            continue  # the override of a part gendan took away (its own old notes)
        assert key in cts, f"{after.name}: content type {t} lost"
    # every cell keeps its value, type, formula and saved result
    sheets_b, sheets_a = _sheets(b), _sheets(a)
    for name, part in sheets_b.items():
        if name in TOOL or part not in b or not part.endswith(".xml"):
            continue
        cb, ca = _cells(b[part]), _cells(a[sheets_a[name]])
        for ref, (attrs, content) in cb.items():
            assert ref in ca, f"{after.name}: {name}!{ref} lost"
            assert ca[ref] == (attrs, content), (
                f"{after.name}: {name}!{ref} changed: {ca[ref]} vs {(attrs, content)}"
            )
        formulas = [
            r
            for r, (_a, c) in cb.items()
            if re.search(rb"<(?:\w+:)?f\b", c) and re.search(rb"<(?:\w+:)?v>[^<]", c)
        ]
        for ref in formulas:
            assert re.search(rb"<(?:\w+:)?v>[^<]", ca[ref][1]), (
                f"{name}!{ref} lost its saved result"
            )
    return differ


# ----------------------------------------------------------------------------- the tests


def _marked_sheets(report: Report) -> set[str]:
    return {f.sheet for f in report.findings if f.cell}


def _run(book: Path, tmp_path: Path) -> None:
    src = tmp_path / book.name
    shutil.copy(book, src)
    digest = hashlib.sha256(src.read_bytes()).hexdigest()
    copy = tmp_path / ("annotated" + book.suffix)
    try:
        report = annotate_file(src, copy, as_of=AS_OF)
    except GendanError as exc:  # refused: one sentence each, nothing written, input intact
        assert not copy.exists()
        assert hashlib.sha256(src.read_bytes()).hexdigest() == digest
        assert exc.message_en.endswith(".") and exc.message_zh.endswith("。"), exc.user_text()
        return
    assert hashlib.sha256(src.read_bytes()).hexdigest() == digest, "the input was modified"
    marked = _marked_sheets(report)
    assert_kept(src, copy, marked)

    # in place: a byte-identical backup, and the workbook the copy is
    before = src.read_bytes()
    annotate_file(src, None, as_of=AS_OF, in_place=True)
    backups = sorted(tmp_path.glob(f"{src.stem}.backup-*{src.suffix}"))
    assert len(backups) == 1 and backups[0].read_bytes() == before
    assert _parts(src) == _parts(copy)

    # checking the annotated copy finds what checking the original finds
    rc0, out0, err0 = _check(backups[0])
    rc1, out1, err1 = _check(copy)
    assert rc1 == rc0 and _findings(out1) == _findings(out0), (err0, err1)
    assert ("recalculate" in err1) == ("recalculate" in err0), err1

    # clearing gives the marked sheets back as they were (unless the tool had marked
    # them before this run, with another writer)
    cleared = tmp_path / ("cleared" + book.suffix)
    clear_file(copy, cleared)
    b, c = _parts(backups[0]), _parts(cleared)
    old_marks = LEDGER_SHEET in _sheets(b)
    keep_lists = _named(b, set()) - {p for n, p in _sheets(b).items() if n in TOOL}
    for name, data in b.items():
        if name in keep_lists or old_marks and name in _named(b, marked):
            continue
        if any(name in (p, _rels_of(p)) for n, p in _sheets(b).items() if n in TOOL):
            continue
        assert c.get(name) == data, f"{name} differs after annotate + clear"


@pytest.mark.slow  # ~10 books, each annotated and compared part by part: ~1 min in all
@pytest.mark.parametrize("name", REAL)
def test_annotate_keeps_everything_realworld(
    books: dict[str, Path], tmp_path: Path, name: str
) -> None:
    if name not in books:
        pytest.skip(f"{name} needs LibreOffice (soffice) to be built")
    _run(books[name], tmp_path)


@pytest.mark.slow  # every corpus book annotated and compared part by part: minutes in all
@pytest.mark.parametrize("name", CORPUS)
def test_annotate_keeps_everything_corpus(
    corpus_books: dict[str, Path], tmp_path: Path, name: str
) -> None:
    _run(corpus_books[name], tmp_path)


# ----------------------------------------------------------------------------- specifics


def test_threaded_comment_is_kept_and_not_duplicated(
    books: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "t.xlsx"
    annotate_file(books["rw-threaded.xlsx"], out, as_of=AS_OF)
    parts = _parts(out)
    ref = f"{realworld.letter('container_nos')}4"
    comments = b"".join(
        d for n, d in parts.items() if re.search(r"xl/comments\d*\.xml$|xl/comments/", n)
    )
    assert comments.count(f'ref="{ref}"'.encode()) == 1  # the thread's note only, no second note
    assert b"[Threaded comment]" in comments
    assert (
        parts["xl/threadedComments/threadedComment1.xml"]
        == _parts(books["rw-threaded.xlsx"])["xl/threadedComments/threadedComment1.xml"]
    )


def test_merged_cell_is_marked_on_its_anchor(books: dict[str, Path], tmp_path: Path) -> None:
    import openpyxl

    out = tmp_path / "m.xlsx"
    report = annotate_file(books["rw-features.xlsx"], out, as_of=AS_OF)
    row = 3 + realworld.MERGED_ROW
    hidden = f"{realworld.letter('product')}{row}"
    anchor = f"{realworld.letter('sales_manager')}{row}"
    assert any(f.cell == hidden for f in report.findings)
    ws = openpyxl.load_workbook(out)["工作序列表"]
    assert ws[anchor].comment is not None and "required" in ws[anchor].comment.text
    assert ws[anchor].fill.fgColor.rgb.endswith("FFC7CE")


def test_blank_required_cell_gets_a_cell_and_clear_takes_it_away(
    books: dict[str, Path], tmp_path: Path
) -> None:
    src = books["rw-features.xlsx"]
    out, cleared = tmp_path / "a.xlsx", tmp_path / "c.xlsx"
    annotate_file(src, out, as_of=AS_OF)
    ref = f"{realworld.letter('customer')}6"
    sheet = _sheets(_parts(src))["工作序列表"]
    assert ref.encode() not in re.findall(rb'<c r="([A-Z]+\d+)"', _parts(src)[sheet])
    assert ref.encode() in re.findall(rb'<c r="([A-Z]+\d+)"', _parts(out)[sheet])
    clear_file(out, cleared)
    assert _parts(cleared)[sheet] == _parts(src)[sheet]


def test_control_characters_in_cells_and_messages(books: dict[str, Path], tmp_path: Path) -> None:
    """A cell holding U+000B (Excel: _x000B_) shows up in findings and notes; the writer
    escapes it as Excel does and the copy opens."""
    import openpyxl

    from gendan.model.findings import Finding, Report
    from gendan.read.reader import read_workbook
    from gendan.write.patch_marks import annotate_package

    src = books["rw-features.xlsx"]
    data = read_workbook(src)
    bad = "x\x0by\x01z _x000B_ \ufffe end"
    report = Report(
        [
            Finding(
                code="amount-mismatch",
                severity="error",
                sheet="工作序列表",
                cell="R5",
                row=5,
                key="amount",
                value=bad,
                expected=bad,
            )
        ]
    )
    out = tmp_path / "cc.xlsx"
    annotate_package(src, out, report, data, "en")
    parts = _parts(out)
    assert b"_x000B_" in b"".join(parts.values())
    wb = openpyxl.load_workbook(out)
    assert wb[RESULTS_SHEET]["G3"].value is not None


def test_unsupported_package_falls_back_only_when_nothing_is_lost(tmp_path: Path) -> None:
    """A Strict Open XML workbook is not patched; the openpyxl fallback refuses it in one
    sentence (zh + en, exit 2) and writes nothing."""
    src = tmp_path / "strict.xlsx"
    make_corpus.build(tmp_path, only={"master-ok.xlsx"})

    def strict(n: str, d: bytes) -> bytes:
        return d.replace(
            b"http://schemas.openxmlformats.org/spreadsheetml/2006/main",
            b"http://purl.oclc.org/ooxml/spreadsheetml/main",
        )

    make_corpus._rewrite_zip(tmp_path / "master-ok.xlsx", src, strict)
    cp = subprocess.run(
        [
            sys.executable,
            "-m",
            "gendan.cli",
            "annotate",
            str(src),
            "--out",
            str(tmp_path / "o.xlsx"),
            "--as-of",
            AS_OF.isoformat(),
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert cp.returncode == 2, cp.stderr
    assert "Traceback" not in cp.stderr
    assert not (tmp_path / "o.xlsx").exists()


def test_fallback_refuses_formulas_with_saved_results(
    books: dict[str, Path], tmp_path: Path
) -> None:
    from gendan.model.errors import OutputError
    from gendan.write.apply_openpyxl import openpyxl_fallback

    out = tmp_path / "fb.xlsx"
    with pytest.raises(OutputError) as ei:
        openpyxl_fallback(books["rw-features.xlsx"], out, False, "test", lambda wb: None)
    assert "saved results" in ei.value.message_en and "公式" not in ei.value.message_en
    assert not out.exists()


def test_fallback_writes_when_nothing_would_be_lost(tmp_path: Path) -> None:
    """A plain openpyxl-made workbook (no formulas, no extensions) may take the fallback,
    and the proof (rewrite_losses) finds nothing missing."""
    from gendan.read.reader import read_workbook
    from gendan.rules.engine import check_data
    from gendan.write.annotate import apply_marks_openpyxl
    from gendan.write.apply_openpyxl import openpyxl_fallback, rewrite_losses
    from gendan.write.marks import plan_marks

    make_corpus.build(tmp_path, only={"master-ok.xlsx"})
    src = tmp_path / "master-ok.xlsx"
    data = read_workbook(src)
    report = check_data(data, as_of=AS_OF)
    out = tmp_path / "fb.xlsx"
    openpyxl_fallback(
        src, out, False, "test", lambda wb: apply_marks_openpyxl(plan_marks(report, data), wb)
    )
    assert out.exists() and rewrite_losses(src, out) == []
