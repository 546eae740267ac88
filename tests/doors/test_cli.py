"""The command line end to end on real files written to a temp folder."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from factory import active_sheet, clean_order, make_data, write_xlsx

from gendan.cli import main
from gendan.model.findings import FIELDS


def _book(tmp_path: Path, *orders: dict[str, Any], name: str = "book.xlsx") -> Path:
    return write_xlsx(make_data(list(orders)), tmp_path / name)


def test_check_json_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    clean = _book(tmp_path, clean_order(1), name="clean.xlsx")
    assert main(["check", str(clean), "--as-of", "2026-03-30", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    bad = _book(tmp_path, clean_order(1, amount=1.0), name="bad.xlsx")
    assert main(["check", str(bad), "--as-of", "2026-03-30", "--format", "json"]) == 1
    rows = json.loads(capsys.readouterr().out)
    assert [(r["code"], r["row"], r["contract_no"]) for r in rows] == [
        ("amount-mismatch", 4, "GD26-001")
    ]
    assert set(FIELDS) <= set(rows[0])


def test_check_csv_and_out_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = _book(tmp_path, clean_order(1, remarks='=HYPERLINK("http://x")', amount=1.0))
    out = tmp_path / "report.csv"
    assert (
        main(
            ["check", str(bad), "--as-of", "2026-03-30", "--format", "csv-utf8", "--out", str(out)]
        )
        == 1
    )
    text = out.read_text(encoding="utf-8")
    assert not text.startswith("\ufeff")  # the bare form, for scripts
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[0]["code"] == "amount-mismatch" and rows[0]["cell"].endswith("4")


def test_csv_for_excel_has_a_bom_and_titles_in_the_language(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--format csv is what a Chinese Excel opens right: UTF-8 with a BOM (else it reads
    GBK and shows mojibake) and column titles in --lang."""
    bad = _book(tmp_path, clean_order(1, amount=1.0))
    out = tmp_path / "report.csv"
    assert (
        main(
            [
                "check",
                str(bad),
                "--as-of",
                "2026-03-30",
                "--format",
                "csv",
                "--lang",
                "zh",
                "--out",
                str(out),
            ]
        )
        == 1
    )
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert rows[0][:5] == ["代码", "级别", "工作表", "单元格", "行"]
    assert rows[1][0] == "amount-mismatch" and "金额" in rows[1][9]
    assert (
        main(["check", str(bad), "--as-of", "2026-03-30", "--format", "csv", "--lang", "en"]) == 1
    )
    en = capsys.readouterr().out
    assert en.startswith("\ufeffCode,Severity,Sheet,Cell,Row,Column,Contract No.")


def test_table_output_in_both_languages(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = _book(tmp_path, clean_order(1, amount=1.0))
    main(["check", str(bad), "--as-of", "2026-03-30", "--lang", "zh"])
    zh = capsys.readouterr().out
    assert (
        "第 4 行" in zh and "金额 1.00 不等于 箱数 × 单价 = 25,850.00" in zh and "\033[" not in zh
    )
    main(["check", str(bad), "--as-of", "2026-03-30", "--lang", "en"])
    assert "Amount 1.00 is not cartons × unit price = 25,850.00" in capsys.readouterr().out


def test_unreadable_file_exit_2_without_traceback(tmp_path: Path) -> None:
    p = tmp_path / "orders.xlsx"
    p.write_text("contract_no,amount\nA,1\n", encoding="utf-8")
    r = subprocess.run(
        [sys.executable, "-m", "gendan.cli", "check", str(p)], capture_output=True, text=True
    )
    assert r.returncode == 2
    assert "Traceback" not in r.stderr and r.stdout == ""
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 2 and any("\u4e00" <= ch <= "\u9fff" for ch in lines[0])


def test_missing_master_sheet_lists_the_sheets(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    active_sheet(wb).title = "Sheet1"
    active_sheet(wb).append(["hello", "world"])
    p = tmp_path / "other.xlsx"
    wb.save(p)
    assert main(["check", str(p)]) == 2
    err = capsys.readouterr().err
    assert "Sheet1" in err and "工作序列表" in err


def test_bad_as_of_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(_book(tmp_path, clean_order(1))), "--as-of", "soon"]) == 2
    assert "--as-of" in capsys.readouterr().err


def test_folder_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "in").mkdir()
    _book(tmp_path / "in", clean_order(1), name="a.xlsx")
    _book(tmp_path / "in", clean_order(1, amount=2.0), name="b.xlsx")
    (tmp_path / "in" / "~$b.xlsx").write_bytes(b"lock")
    assert (
        main(
            [
                "check",
                str(tmp_path / "in"),
                "--as-of",
                "2026-03-30",
                "--format",
                "json",
                "--jobs",
                "2",
            ]
        )
        == 1
    )
    rows = json.loads(capsys.readouterr().out)
    assert [(r["file"], r["code"]) for r in rows] == [("b.xlsx", "amount-mismatch")]


def test_input_is_not_modified(tmp_path: Path) -> None:
    p = _book(tmp_path, clean_order(1, amount=1.0))
    before = p.read_bytes()
    main(["check", str(p), "--format", "json"])
    main(["overdue", str(p), "--format", "json"])
    assert p.read_bytes() == before


@pytest.mark.parametrize(
    "argv",
    [
        ["overdue", "{b}"],
        ["todo", "{b}"],
        ["mail", "{b}", "--kind", "dunning", "--due", "--out", "{t}/m"],
        ["docs", "{b}", "--all", "--out", "{t}/d.xlsx"],
        ["annotate", "{b}", "--out", "{t}/a.xlsx"],
        ["rules", "{b}", "--out", "{t}/r.xlsx"],
        ["report", "{b}", "--out", "{t}/o.xlsx"],
    ],
    ids=lambda a: a[0],
)
def test_a_folder_where_one_book_is_wanted_is_named_a_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    """Every one-book command says the same thing of a folder: it exists, so "file not
    found" misleads, and "save it as .xlsx first" (docs) sends the user the wrong way."""
    folder = tmp_path / "books"
    folder.mkdir()
    assert main([a.format(b=folder, t=tmp_path) for a in argv]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["books 是一个文件夹，不是工作簿。", "books is a folder, not a workbook."]
