"""Every output of every command goes through one write path (issue 11): never onto the
input, one sentence for a path that cannot be written, the package type its name promises,
Strict workbooks and odd contract numbers handled, cell text escaped on the terminal."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from factory import active_sheet, clean_order, make_data, write_xlsx

from gendan.cli import main
from gendan.write.inject import WORKBOOK_SEQUENCE, sheet_names
from gendan.write.write_guard import CT_MACRO_WORKBOOK, CT_WORKBOOK, package_facts

AS_OF = "2026-03-30"


def _book(folder: Path, *orders: dict[str, Any], name: str = "book.xlsx") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return write_xlsx(
        make_data(list(orders) or [clean_order(1), clean_order(2, amount=1.0)]), folder / name
    )


def _refused(capsys: pytest.CaptureFixture[str], rc: int) -> str:
    """Exit 2 with one Chinese and one English sentence on stderr, and nothing else."""
    err = capsys.readouterr().err
    assert rc == 2, err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 2, err
    assert any("\u4e00" <= ch <= "\u9fff" for ch in lines[0])
    assert "Traceback" not in err and "内部错误" not in err and "Internal error" not in err
    return lines[1]


def _temps(folder: Path) -> list[str]:
    return [p.name for p in folder.rglob(".~gendan-*")]


# ----------------------------------------------------------------------------- never onto the input


@pytest.mark.parametrize(
    "command",
    [
        ["check", "--format", "json"],
        ["check", "--format", "csv"],
        ["check"],
        ["overdue", "--format", "json"],
        ["overdue"],
    ],
)
def test_a_report_onto_the_input_is_refused_in_any_spelling(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    command: list[str],
) -> None:
    book = _book(tmp_path / "books")
    before = book.read_bytes()
    (tmp_path / "link.xlsx").symlink_to(book)
    os.link(book, tmp_path / "hard.xlsx")
    monkeypatch.chdir(tmp_path / "books")
    for out in (
        "book.xlsx",
        "./book.xlsx",
        "../books/book.xlsx",
        str(book),
        str(tmp_path / "link.xlsx"),
        str(tmp_path / "hard.xlsx"),
    ):
        rc = main([command[0], "book.xlsx", "--as-of", AS_OF, *command[1:], "--out", out])
        assert "input workbook itself" in _refused(capsys, rc)
    assert book.read_bytes() == before


def test_a_text_report_may_not_take_a_workbook_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    book = _book(tmp_path)
    rc = main(["check", str(book), "--format", "json", "--out", str(tmp_path / "report.xlsx")])
    assert "workbook's name" in _refused(capsys, rc)
    assert not (tmp_path / "report.xlsx").exists()
    assert (
        main(
            [
                "check",
                str(book),
                "--as-of",
                AS_OF,
                "--format",
                "json",
                "--out",
                str(tmp_path / "report.json"),
            ]
        )
        == 1
    )
    assert json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))


def test_annotate_out_onto_the_input_is_refused_before_any_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    book = _book(tmp_path)
    before = book.read_bytes()
    import gendan.write.annotate

    def boom(*_a: Any, **_k: Any) -> None:
        raise AssertionError("annotate_file must not run")

    monkeypatch.setattr(gendan.write.annotate, "annotate_file", boom)
    monkeypatch.chdir(tmp_path)
    for out in ("./book.xlsx", str(book), "x.xls", "x.csv"):
        rc = main(["annotate", "book.xlsx", "--out", out])
        _refused(capsys, rc)
    assert book.read_bytes() == before


# ----------------------------------------------------------------------------- paths that cannot be written


@pytest.mark.parametrize("where", ["missing folder", "parent is a file", "a folder"])
def test_an_output_path_that_cannot_be_written_is_one_sentence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str
) -> None:
    book = _book(tmp_path)
    (tmp_path / "afile").write_bytes(b"a file")
    (tmp_path / "adir.xlsx").mkdir()
    (tmp_path / "adir.json").mkdir()
    stem = {
        "missing folder": tmp_path / "nope" / "out",
        "parent is a file": tmp_path / "afile" / "out",
        "a folder": tmp_path / "adir",
    }[where]
    runs = [
        ["check", str(book), "--format", "json", "--out", f"{stem}.json"],
        ["overdue", str(book), "--format", "json", "--out", f"{stem}.json"],
        ["annotate", str(book), "--out", f"{stem}.xlsx"],
        ["docs", str(book), "--all", "--out", f"{stem}.xlsx"],
        ["new", f"{stem}.xlsx"] if where != "a folder" else ["new", f"{stem}.xlsx", "--force"],
    ]
    for argv in runs:
        _refused(capsys, main(argv))
    assert (tmp_path / "afile").read_bytes() == b"a file"
    assert not (tmp_path / "nope").exists() and _temps(tmp_path) == []


def test_pdf_and_demo_folders_that_are_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    book = _book(tmp_path)
    (tmp_path / "afile").write_bytes(b"x")
    _refused(
        capsys,
        main(
            [
                "docs",
                str(book),
                "--all",
                "--out",
                str(tmp_path / "d.xlsx"),
                "--pdf",
                str(tmp_path / "afile"),
            ]
        ),
    )
    assert not (tmp_path / "d.xlsx").exists()
    _refused(capsys, main(["demo", str(tmp_path / "afile" / "demo")]))
    _refused(capsys, main(["demo", str(tmp_path / "afile")]))


def test_the_cli_never_prints_a_traceback_for_a_path_that_is_a_file(tmp_path: Path) -> None:
    book = _book(tmp_path)
    (tmp_path / "afile").write_bytes(b"x")
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "gendan.cli",
            "annotate",
            str(book),
            "--out",
            str(tmp_path / "afile" / "x.xlsx"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 2 and "Traceback" not in r.stderr and "FileExistsError" not in r.stderr
    assert len([ln for ln in r.stderr.splitlines() if ln.strip()]) == 2


# ----------------------------------------------------------------------------- temp files


def test_a_folder_run_ignores_stale_temp_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "in"
    _book(folder, clean_order(1), name="a.xlsx")
    (folder / ".~gendan-k3j2.xlsx").write_bytes(b"PK\x03\x04 half a zip from a killed run")
    rc = main(["check", str(folder), "--as-of", AS_OF, "--format", "json"])
    assert rc == 0, capsys.readouterr().err
    assert json.loads(capsys.readouterr().out) == []


@pytest.mark.skipif(os.name != "posix", reason="signals")
@pytest.mark.parametrize("signame, code", [("SIGTERM", 143), ("SIGINT", 130)])
def test_a_killed_docs_run_leaves_no_temp_file(tmp_path: Path, signame: str, code: int) -> None:
    book = _book(tmp_path / "w")
    out = tmp_path / "w" / "docs.xlsx"
    script = tmp_path / "slow.py"
    script.write_text(
        "import sys, time\n"
        "from pathlib import Path\n"
        "import gendan.write.inject as inject\n"
        "def slow(src, scratch, out, *a, **k):\n"
        "    Path(out).write_bytes(b'PK partial')\n"
        "    print('writing', flush=True)\n"
        "    time.sleep(120)\n"
        "inject.graft = slow\n"
        "from gendan.cli import main\n"
        f"sys.exit(main(['docs', {str(book)!r}, '--all', '--out', {str(out)!r}]))\n",
        encoding="utf-8",
    )
    proc = subprocess.Popen(
        [sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "writing"
    assert _temps(tmp_path)
    proc.send_signal(getattr(signal, signame))
    _o, err = proc.communicate(timeout=60)
    assert proc.returncode == code, err
    assert "Traceback" not in err
    assert _temps(tmp_path) == [] and not out.exists()


# ----------------------------------------------------------------------------- package type


@pytest.fixture(scope="module")
def xlsm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    sys.path.insert(0, str(Path(__file__).parent.parent / "corpus"))
    import make_corpus

    folder = tmp_path_factory.mktemp("xlsm")
    make_corpus.build(folder, only={"macro-enabled.xlsm"})
    return folder / "macro-enabled.xlsm"


def _vba(path: Path) -> list[str]:
    facts = package_facts(path)
    return [p for p in facts.parts if p.lower().endswith("vbaproject.bin")] + [
        r.target for rels in facts.rels.values() for r in rels if r.type.endswith("/vbaProject")
    ]


def test_docs_on_an_xlsm_keeps_the_macros_by_default_and_an_xlsx_copy_has_none(
    xlsm: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    book = tmp_path / "book.xlsm"
    book.write_bytes(xlsm.read_bytes())
    assert main(["docs", str(book), "--all"]) == 0
    default = tmp_path / "book-docs.xlsm"
    assert default.exists() and _vba(default)
    assert package_facts(default).content_type("xl/workbook.xml") == CT_MACRO_WORKBOOK
    capsys.readouterr()
    out = tmp_path / "copy.xlsx"
    assert main(["docs", str(book), "--all", "--out", str(out)]) == 0
    assert "no macros" in capsys.readouterr().err
    assert _vba(out) == []
    assert package_facts(out).content_type("xl/workbook.xml") == CT_WORKBOOK
    assert book.read_bytes() == xlsm.read_bytes()


def test_annotate_an_xlsm_to_an_xlsx_has_no_macros(xlsm: Path, tmp_path: Path) -> None:
    out = tmp_path / "marked.xlsx"
    assert main(["annotate", str(xlsm), "--out", str(out), "--as-of", AS_OF]) in (0, 1)
    assert _vba(out) == []
    assert package_facts(out).content_type("xl/workbook.xml") == CT_WORKBOOK


# ----------------------------------------------------------------------------- Strict Open XML

_STRICT = {
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main": "http://purl.oclc.org/ooxml/spreadsheetml/main",
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships": "http://purl.oclc.org/ooxml/officeDocument/relationships",
    "http://schemas.openxmlformats.org/drawingml/2006/main": "http://purl.oclc.org/ooxml/drawingml/main",
}


def _to_strict(src: Path, dst: Path) -> Path:
    """The workbook as Excel's "Strict Open XML Spreadsheet" writes it: the same parts in the
    ISO/IEC 29500 Strict namespaces, ``conformance="strict"`` on the workbook."""
    with zipfile.ZipFile(src) as zi, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zo:
        for info in zi.infolist():
            data = zi.read(info)
            if info.filename.endswith((".xml", ".rels")):
                text = data.decode()
                for a, b in _STRICT.items():
                    text = text.replace(a, b)
                if info.filename == "xl/workbook.xml":
                    text = re.sub(r"<workbook\b", '<workbook conformance="strict"', text, count=1)
                data = text.encode()
            zo.writestr(info, data)
    return dst


def test_docs_on_a_strict_workbook_keeps_every_sheet(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from python_calamine import CalamineWorkbook

    strict = _to_strict(_book(tmp_path), tmp_path / "strict.xlsx")
    before = sheet_names(strict)
    out = tmp_path / "strict-docs.xlsx"
    assert main(["docs", str(strict), "--all", "--out", str(out)]) == 0
    said = re.search(r"(\d+) document sheets", capsys.readouterr().out)
    assert said is not None
    made = int(said[1])
    names = CalamineWorkbook.from_path(str(out)).sheet_names
    assert made >= 12  # two orders, six or seven documents each
    assert names[: len(before)] == before and len(names) == len(before) + made
    with zipfile.ZipFile(out) as z:
        rels = z.read("xl/_rels/workbook.xml.rels").decode()
        sheet = z.read("xl/worksheets/sheet5.xml").decode()
    assert (
        "schemas.openxmlformats.org/officeDocument" not in rels
    )  # every type in Strict's namespace
    assert "purl.oclc.org/ooxml/spreadsheetml/main" in sheet
    assert "schemas.openxmlformats.org/spreadsheetml" not in sheet
    # a re-run on its own output replaces its document sheets in the package (openpyxl,
    # which reads no Strict sheet, is not needed)
    capsys.readouterr()
    again = tmp_path / "again.xlsx"
    assert main(["docs", str(out), "--all", "--out", str(again)]) == 0
    assert CalamineWorkbook.from_path(str(again)).sheet_names == names


# ----------------------------------------------------------------------------- sheet names and order


def test_generated_sheet_names_are_unique_and_valid_whatever_the_contract_numbers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    long = "GD26-" + "X" * 23  # 28 characters alike
    contracts = [
        long + "-001",
        long + "-002",
        "GD26-007",
        "GD26-007",
        "ab-1",
        "AB-1",
        "Q[1]:*?/\\'",
        "CTL_x000B_7",
        "History",
    ]
    orders = [clean_order(i + 1, contract_no=c) for i, c in enumerate(contracts)]
    book = _book(tmp_path, *orders)
    out = tmp_path / "docs.xlsx"
    assert (
        main(
            [
                "docs",
                str(book),
                "--all",
                "--document",
                "commercial_invoice",
                "--issue",
                "--out",
                str(out),
            ]
        )
        == 0
    ), capsys.readouterr().err
    names = sheet_names(out)
    docs = names[4:]
    assert len(docs) == len(contracts)
    assert len({n.casefold() for n in names}) == len(names)
    for n in docs:
        assert 0 < len(n) <= 31 and not re.search(r"[\[\]:*?/\\\x00-\x1f]", n)
        assert not n.startswith("'") and not n.endswith("'") and n.casefold() != "history"


def test_workbook_children_stay_in_the_ecma_order(tmp_path: Path) -> None:
    import xml.etree.ElementTree as ET

    book = _book(tmp_path)
    grouped = tmp_path / "fg.xlsx"
    with zipfile.ZipFile(book) as zi, zipfile.ZipFile(grouped, "w", zipfile.ZIP_DEFLATED) as zo:
        for info in zi.infolist():
            data = zi.read(info)
            if info.filename == "xl/workbook.xml":
                text = data.decode()
                text = re.sub(
                    r"<definedNames>.*?</definedNames>|<definedNames\s*/>", "", text, flags=re.S
                )
                text = re.sub(r"<calcPr\b[^>]*/>", "", text)
                text = text.replace(
                    "</sheets>", '</sheets><functionGroups builtInGroupCount="16"/>', 1
                )
                assert (
                    "functionGroups" in text and "calcPr" not in text and "definedNames" not in text
                )
                data = text.encode()
            zo.writestr(info, data)
    out = tmp_path / "fg-docs.xlsx"
    assert main(["docs", str(grouped), "--all", "--out", str(out)]) == 0
    with zipfile.ZipFile(out) as z:
        root = ET.fromstring(z.read("xl/workbook.xml"))
    tags = [c.tag.rsplit("}", 1)[-1] for c in root]
    assert {"functionGroups", "definedNames", "calcPr"} <= set(tags)
    order = [WORKBOOK_SEQUENCE.index(t) for t in tags]
    assert order == sorted(order), tags


# ----------------------------------------------------------------------------- cells are data


_NASTY = "a_x001B_[31mRED\u202eevil\u2066_x0000_z_x000B_"


def test_cell_text_is_escaped_on_the_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    book = _book(
        tmp_path,
        clean_order(1),
        clean_order(2, amount=1.0, customer="PT SEGAR_x001B_]0;pwned_x0007_", remarks=_NASTY),
    )
    for argv in (["check", str(book), "--as-of", AS_OF], ["overdue", str(book), "--as-of", AS_OF]):
        main(argv)
        out = capsys.readouterr().out
        assert not re.search("[\x00-\x09\x0b-\x1f\x7f\u202a-\u202e\u2066-\u2069]", out), repr(out)
    main(["check", str(book), "--as-of", AS_OF])
    assert "PT SEGAR\\x1b]0;pwned\\x07" in capsys.readouterr().out
    main(["check", str(book), "--as-of", AS_OF, "--format", "json"])
    rows = json.loads(capsys.readouterr().out)  # JSON escapes by itself and keeps the data exact
    assert any("\x1b]0;pwned\x07" in str(r["value"]) for r in rows)
    odd = tmp_path / "odd\x1b[2Jname.xlsx"
    rc = main(["check", str(odd)])
    err = capsys.readouterr().err
    assert rc == 2 and "\x1b" not in err and "\\x1b[2J" in err


def test_control_characters_reach_an_issued_document_intact(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from factory import CUSTOMERS
    from python_calamine import CalamineWorkbook

    name = "PT SEGAR_x001B_]0;x_x0007_"  # the buyer is in 客户 under the same odd name
    customers = [*CUSTOMERS, {**CUSTOMERS[0], "customer": name}]
    order = clean_order(1, customer=name, port_of_discharge="Jak_x000B_arta")
    book = write_xlsx(make_data([order], customers=customers), tmp_path / "book.xlsx")
    out = tmp_path / "issued.xlsx"
    assert main(["docs", str(book), "--all", "--issue", "--out", str(out)]) == 0, (
        capsys.readouterr().err
    )
    wb = CalamineWorkbook.from_path(str(out))
    cells = [
        str(v)
        for name in wb.sheet_names[4:]
        for row in wb.get_sheet_by_name(name).to_python()
        for v in row
    ]
    # ESC and BEL survive as data (the builder itself treats a vertical tab as a space)
    assert any("PT SEGAR\x1b]0;x\x07" in c for c in cells)


@pytest.mark.libreoffice
def test_pdf_reports_exactly_the_pdfs_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from gendan.office.render_pdf import pdf_available

    if not pdf_available():
        pytest.skip("LibreOffice is not installed")
    long = "GD26-" + "Y" * 26
    orders = [
        clean_order(1, contract_no=long + "1"),
        clean_order(2, contract_no=long + "2"),
        clean_order(3, contract_no="gd26-3"),
        clean_order(4, contract_no="GD26-3", remarks=_NASTY),
    ]
    book = _book(tmp_path, *orders)
    pdfs = tmp_path / "pdf"
    rc = main(
        [
            "docs",
            str(book),
            "--all",
            "--document",
            "commercial_invoice",
            "--out",
            str(tmp_path / "d.xlsx"),
            "--pdf",
            str(pdfs),
        ]
    )
    out = capsys.readouterr().out
    assert rc == 0
    written = sorted(pdfs.glob("*.pdf"))
    assert len(written) == 4
    assert "4 PDFs" in out or "PDF 4 个" in out


def test_a_finding_on_a_merged_cell_is_noted_on_its_anchor(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import openpyxl

    book = _book(tmp_path)
    wb = openpyxl.load_workbook(book)
    ws = wb["工作序列表"]
    col = next(c.column for c in ws[3] if c.value == "合同号")
    if col == 1:  # the merge must start left of the contract number
        ws.move_range("A1:AZ100", cols=1)
        col = 2
    left = openpyxl.utils.get_column_letter(col - 1)
    ws.merge_cells(
        f"{left}4:{openpyxl.utils.get_column_letter(col)}4"
    )  # the contract number of row 4 now lies under a merge
    wb.save(book)
    out = tmp_path / "marked.xlsx"
    rc = main(["annotate", str(book), "--out", str(out), "--as-of", AS_OF])
    assert rc == 1, capsys.readouterr().err
    marked = openpyxl.load_workbook(out)["工作序列表"]
    note = marked[f"{left}4"].comment
    assert note is not None and "required" in note.text


def test_an_openpyxl_copy_that_lost_a_sheet_is_refused(tmp_path: Path) -> None:
    import openpyxl

    from gendan.documents.gendocs import _sheets_kept
    from gendan.model.errors import OutputError

    src = tmp_path / "src.xlsx"
    wb = openpyxl.Workbook()
    active_sheet(wb).title = "工作序列表"
    wb.create_sheet("客户")
    wb.save(src)
    thin = tmp_path / "thin.xlsx"
    del wb["工作序列表"]
    wb.save(thin)
    with pytest.raises(OutputError) as info:
        _sheets_kept(src, [])(thin)
    assert "工作序列表" in info.value.message_en
    _sheets_kept(src, [])(src)  # the same sheets: accepted
