"""Native rules without LibreOffice: portable formulas, columns from each book's own header
map, a lossless patch that replaces gendan's earlier rules and keeps the user's, the command
line.  (Agreement with the engine: tests/native/test_native_rules_libreoffice.py.)"""

from __future__ import annotations

import ast
import re
import shutil
import sys
import zipfile
from pathlib import Path
from types import ModuleType

import openpyxl
import pytest
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

import gendan.native.patch as native_patch_module
import gendan.native.rules as native_rules_module
from gendan.book.sample import build_sample
from gendan.cli import main
from gendan.model.schema import load_schema
from gendan.native.patch import (
    LEGEND_SHEET,
    read_extents,
    rules_for_book,
    typed_checks,
    write_rules,
)
from gendan.native.rules import MAX_FORMULA, ON, RuleSet, build_rules, template_layout
from gendan.rules.engine import load_book
from gendan.write.safe_write import package_inventory, parts_lost

sys.path.insert(0, str(Path(__file__).parent.parent))
from factory import clean_order, make_data, write_xlsx

SCHEMA = load_schema()
#: functions of Excel 2010 the rules may use; anything else (LET, LAMBDA, XLOOKUP, FILTER,
#: TEXTJOIN, IFS, REGEX…) would not work on the platforms the rules are for
EXCEL_2010 = {
    "AND",
    "OR",
    "NOT",
    "IF",
    "IFERROR",
    "ISNUMBER",
    "ISNA",
    "ISERR",
    "LEN",
    "TRIM",
    "SUBSTITUTE",
    "UPPER",
    "ASC",
    "MID",
    "LEFT",
    "RIGHT",
    "FIND",
    "SEARCH",
    "CODE",
    "REPT",
    "MOD",
    "INT",
    "ABS",
    "ROUND",
    "ROUNDUP",
    "MIN",
    "MAX",
    "SUMPRODUCT",
    "MMULT",
    "MATCH",
    "INDEX",
    "COUNTIF",
    "CHOOSE",
    "WORKDAY",
    "N",
    "ROW",
    "TODAY",
    "CHAR",
}
VOLATILE = {"NOW", "RAND", "RANDBETWEEN", "OFFSET", "INDIRECT", "CELL", "INFO"}


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("nr") / "sample.xlsx"
    build_sample(path)
    return path


@pytest.fixture(scope="module")
def ruled(sample: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("nr-out") / "ruled.xlsx"
    write_rules(sample, out, ahead=50)
    return out


def _all_formulas(rs: RuleSet) -> list[str]:
    typed, lists = typed_checks(rs.schema)
    return (
        [rs.cf_formula(r) for r in rs.rules]
        + [v.formula for v in rs.validations(typed, lists)]
        + list(rs.names.values())
        + list(rs.helper.values())
    )


@pytest.mark.parametrize("where", ["template", "sample"])
def test_formulas_are_portable(where: str, sample: Path) -> None:
    rs = (
        build_rules(SCHEMA, template_layout(SCHEMA, 3, 2000, 300))
        if where == "template"
        else rules_for_book(sample, ahead=50)
    )
    typed, lists = typed_checks(rs.schema)
    for r in rs.rules:
        assert len(rs.cf_formula(r)) <= MAX_FORMULA, r.id
        assert rs.cf_formula(r).startswith(f"AND({ON},")
    for v in rs.validations(typed, lists):
        assert len(v.formula) <= MAX_FORMULA and v.formula.startswith(f"OR(NOT({ON}),"), v.key
        assert len(v.title) <= 32 and len(v.prompt) <= 255 and len(v.error) <= 225
    text = " ".join(_all_formulas(rs))
    used = set(re.findall(r"\b([A-Z][A-Z0-9.]*)\(", re.sub(r'"[^"]*"', '""', text)))
    assert used <= EXCEL_2010, used - EXCEL_2010
    assert not used & VOLATILE
    assert "TODAY(" in text and all(
        "TODAY(" not in rs.cf_formula(r) for r in rs.rules if r.code != "overdue"
    )
    # conditional formats never hold an array constant nor a reference to another sheet
    for r in rs.rules:
        f = rs.cf_formula(r)
        assert "{" not in re.sub(r'"[^"]*"', "", f) and "!" not in f, (r.id, f)

    # names are small once expanded: shared per-row values are helper cells, read by name
    # (expanded inside one another, the due date grew to 860,000 characters: #N/A in LibreOffice)
    def expanded(text: str, depth: int = 0) -> int:
        assert depth < 20
        return len(text) + sum(
            expanded(rs.names[t], depth + 1) - len(t)
            for t in re.findall(r"\bgd_\w+", text)
            if t in rs.names
        )

    for r in rs.rules:
        assert expanded(rs.cf_formula(r)) < 8000, r.id
    for body in rs.helper.values():
        assert expanded(body) < 8000, body


def test_columns_come_from_each_books_header_map(tmp_path: Path) -> None:
    """The factory shuffles the columns and puts the header in row 3: the formulas point at
    that book's own letters, found by the engine's header detection."""
    book = write_xlsx(make_data([clean_order(1), clean_order(2)]), tmp_path / "shuffled.xlsx")
    rs = rules_for_book(book, ahead=10)
    tables, _ = load_book(book)
    m = tables.master
    amount = next(r for r in rs.rules if r.code == "amount-mismatch")
    f = rs.formula(amount)
    row = rs.book.master.first
    for key in ("cartons", "unit_price", "amount"):
        assert f"${m.letter(key)}{row}" in f
    assert rs.book.master.header_row == m.header_row and rs.book.master.first == m.rows[0]
    assert rs.book.master.sqref("amount").startswith(f"{m.letter('amount')}{m.rows[0]}:")
    template = build_rules(SCHEMA, template_layout(SCHEMA, 3, 2000, 300))
    assert rs.formula(amount) != template.formula(
        next(r for r in template.rules if r.code == "amount-mismatch")
    )


def test_the_patch_changes_nothing_else(sample: Path, ruled: Path) -> None:
    assert parts_lost(sample, ruled) == []
    with zipfile.ZipFile(sample) as a, zipfile.ZipFile(ruled) as b:
        names_a, names_b = set(a.namelist()), set(b.namelist())
        assert names_a <= names_b
        for n in names_a:
            da, db = a.read(n), b.read(n)
            if n.endswith("sheet1.xml"):  # the master: its cells are untouched
                cut = db.index(b"</sheetData>")
                assert da[:cut] == db[:cut]
            elif n not in (
                "xl/workbook.xml",
                "xl/styles.xml",
                "[Content_Types].xml",
                "xl/_rels/workbook.xml.rels",
            ) and not n.startswith("xl/worksheets/sheet"):
                assert da == db, n
    wb = openpyxl.load_workbook(ruled)
    assert LEGEND_SHEET in wb.sheetnames and wb["_gendan"].sheet_state == "hidden"
    legend = [c for row in wb[LEGEND_SHEET].iter_rows(values_only=True) for c in row if c]
    assert (
        isinstance(legend[0], str)
        and legend[0].startswith("跟单 gendan")
        and {"amount-mismatch", "overdue", "doc-mismatch"} <= set(legend)
    )
    helper = wb["_gendan"]
    assert helper["B1"].value == "gd_t" and helper["A1"].value.startswith("跟单 gendan")
    assert any(
        ON in (r.formula or [""])[0]
        for cf in wb.worksheets[0].conditional_formatting
        for r in cf.rules
    )


def test_a_second_run_replaces_the_first_and_keeps_the_users(sample: Path, tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(sample)
    ws = wb.worksheets[0]
    users = FormulaRule(formula=['$A4="YGO26-001"'], fill=PatternFill("solid", bgColor="00FF00"))  # type: ignore[no-untyped-call]  # unannotated in types-openpyxl
    ws.conditional_formatting.add("A4:A20", users)
    dv = DataValidation(type="list", formula1='"USD,EUR"', allow_blank=True)
    dv.add("P4:P200")  # the user's own currency list
    ws.add_data_validation(dv)
    dv2 = DataValidation(type="whole", operator="greaterThan", formula1="0")
    dv2.add("H4:H200")  # and the user's own check on cartons
    ws.add_data_validation(dv2)
    mine = tmp_path / "mine.xlsx"
    wb.save(mine)
    once, twice = tmp_path / "once.xlsx", tmp_path / "twice.xlsx"
    r1 = write_rules(mine, once, ahead=20)
    r2 = write_rules(once, twice, ahead=20)
    assert (r1.rules, r1.validations) == (r2.rules, r2.validations) and r1.rules > 40
    assert any(k.endswith("!H") for k in r1.kept_user_validations)
    for path in (once, twice):
        inv = package_inventory(path)
        assert inv.conditional_formats["工作序列表!A4:A20"] == 1
        assert (
            inv.data_validations["工作序列表!P4:P200"] == 1
            and inv.data_validations["工作序列表!H4:H200"] == 1
        )
        assert not any(
            k.startswith("工作序列表!H") and k != "工作序列表!H4:H200" for k in inv.data_validations
        )
        assert parts_lost(mine, path) == []
    assert package_inventory(once) == package_inventory(twice)
    with zipfile.ZipFile(once) as a, zipfile.ZipFile(twice) as b:
        assert a.read("xl/styles.xml") == b.read(
            "xl/styles.xml"
        )  # the dxfs are reused, not added again
        assert a.read("xl/workbook.xml").count(b'name="gd_on"') == 1


def test_in_place_keeps_a_backup_and_refuses_a_locked_book(sample: Path, tmp_path: Path) -> None:
    book = tmp_path / "book.xlsx"
    shutil.copy(sample, book)
    assert main(["rules", str(book), "--in-place", "--rows", "10"]) == 0
    backups = list(tmp_path.glob("book.backup-*.xlsx"))
    assert len(backups) == 1 and backups[0].read_bytes() == sample.read_bytes()
    assert ON in zipfile.ZipFile(book).read("xl/workbook.xml").decode()
    assert main(["rules", str(book), "--in-place", "--rows", "10"]) == 0  # a refresh
    (tmp_path / "~$book.xlsx").write_text("x")
    before = book.read_bytes()
    assert main(["rules", str(book), "--in-place"]) == 2
    assert book.read_bytes() == before


def test_command_line_errors_are_one_sentence(
    sample: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["rules", str(tmp_path / "missing.xlsx"), "--out", str(tmp_path / "o.xlsx")]) == 2
    assert main(["rules", str(sample), "--out", str(sample)]) == 2  # never onto the input
    csv = tmp_path / "book.csv"
    csv.write_text("a,b\n")
    assert main(["rules", str(csv), "--out", str(tmp_path / "o.xlsx")]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "找不到文件" in err
    with pytest.raises(SystemExit):
        main(["rules", str(sample)])  # needs --out or --in-place


def test_excel_tables_give_the_range(tmp_path: Path) -> None:
    from openpyxl.worksheet.table import Table

    book = write_xlsx(
        make_data([clean_order(1), clean_order(2)], shuffle=False, blank_row=False),
        tmp_path / "t.xlsx",
    )
    wb = openpyxl.load_workbook(book)
    ws = wb.worksheets[0]
    ws.add_table(
        Table(displayName="Orders", ref=f"A3:{openpyxl.utils.get_column_letter(ws.max_column)}5")
    )
    wb.save(book)
    assert read_extents(book)["工作序列表"] == (3, 4, 5)
    rs = rules_for_book(book)
    assert (rs.book.master.first, rs.book.master.last) == (4, 5)


def test_disabled_codes_and_changed_settings_follow_the_schema(tmp_path: Path) -> None:
    text = (Path(__file__).resolve().parents[2] / "schemas" / "master.yaml").read_text(
        encoding="utf-8"
    )
    text = text.replace("  disabled: []", "  disabled: [overdue, temperature-range]")
    text = text.replace("amount_tolerance: 0.01 ", "amount_tolerance: 0.05 ")
    text = text.replace("lc_presentation_days: 21", "lc_presentation_days: 15")
    path = tmp_path / "my.yaml"
    path.write_text(text, encoding="utf-8")
    schema = load_schema(path)
    rs = build_rules(schema, template_layout(schema, 3, 100, 50))
    codes = {r.code for r in rs.rules}
    assert (
        "overdue" not in codes and "temperature-range" not in codes and "amount-mismatch" in codes
    )
    assert "<=0.05+1E-9" in rs.formula(next(r for r in rs.rules if r.code == "amount-mismatch"))
    assert "+15," in rs.formula(next(r for r in rs.rules if r.code == "lc-presentation"))


@pytest.mark.parametrize("module", [native_rules_module, native_patch_module])
def test_source_has_no_header_or_enum_literals(module: ModuleType) -> None:
    assert module.__file__ is not None
    source = Path(module.__file__).read_text(encoding="utf-8")
    literals = {
        n.value
        for n in ast.walk(ast.parse(source))
        if isinstance(n, ast.Constant) and isinstance(n.value, str)
    }
    names: set[str] = set()
    for spec in SCHEMA.sheets.values():
        for col in spec.columns:
            names |= {col.zh, col.en, *col.enum_values()}
    names = {x for x in names if len(x) > 2}  # not the language codes "en"/"zh" of 客户.语言
    assert not literals & names, literals & names


def test_the_ribbon_button_writes_the_same_rules_beside_the_book(
    sample: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from macros_py import ribbon
    from macros_py.hosts import FileHost

    monkeypatch.setenv("GENDAN_LANG", "en")
    monkeypatch.delenv("GENDAN_SCHEMA", raising=False)
    monkeypatch.setattr(ribbon, "USER_SCHEMA", tmp_path / "none.yaml")
    book = tmp_path / "book.xlsx"
    shutil.copy(sample, book)
    host = FileHost(book)
    out = ribbon.run("native_rules", host)
    assert out == tmp_path / "book-rules.xlsx" and host.opened == [out]
    assert book.read_bytes() == sample.read_bytes()  # the open workbook is not changed
    cli = tmp_path / "cli.xlsx"
    assert main(["rules", str(book), "--out", str(cli)]) == 0
    assert package_inventory(out) == package_inventory(cli)
    assert "conditional formats" in host.messages[-1]


def test_a_book_with_rules_checks_as_before(sample: Path, ruled: Path) -> None:
    """The rules change no finding of gendan check, and their helper cells (formulas without
    saved values by design) are no reason for a 'recalculate in Excel' note."""
    import datetime as dt

    from gendan.rules.engine import check_workbook

    as_of = dt.date(2026, 11, 27)
    before, after = check_workbook(sample, as_of=as_of), check_workbook(ruled, as_of=as_of)
    assert before.flatten(["cell", "code"]) == after.flatten(["cell", "code"])
    assert after.stats["notes"] == before.stats["notes"]


def test_a_column_required_under_several_conditions(tmp_path: Path) -> None:
    text = (Path(__file__).resolve().parents[2] / "schemas" / "master.yaml").read_text(
        encoding="utf-8"
    )
    text = text.replace(
        "required: {courier: true, from: docs_sent},",
        "required: [{courier: true, from: docs_sent}, {terms: [DP, DA], from: docs_sent}],",
    )
    path = tmp_path / "my.yaml"
    path.write_text(text, encoding="utf-8")
    schema = load_schema(path)
    rs = build_rules(schema, template_layout(schema, 3, 100, 50))
    rule = next(r for r in rs.rules if r.id == "required:master:tracking_no")
    f = rs.formula(rule)
    assert f.count("OR(") >= 2 and "gd_l_courier" in f and "gd_ms_3_4" in f
    assert "documents go by courier or the terms are" in rule.en


def _two_year_book(tmp_path: Path) -> Path:
    """A book kept one master sheet per year: OLD-001 on 2025年, NEW-002 on 2026年."""
    from gendan.model.grid import SheetGrid, WorkbookData

    old = make_data([clean_order(1, contract_no="OLD-001")])
    new = make_data([clean_order(2, contract_no="NEW-002")])
    grids = (
        SheetGrid(name="2025年", rows=old.sheets[0].rows),
        SheetGrid(name="2026年", rows=new.sheets[0].rows),
        *new.sheets[1:],
    )
    return write_xlsx(WorkbookData(sheets=grids, path="<memory>"), tmp_path / "years.xlsx")


def _ruled_sheets(path: Path) -> set[str]:
    wb = openpyxl.load_workbook(path)
    return {ws.title for ws in wb.worksheets if any(ON in str(r) for r in _cf_formulas(ws))}


def _cf_formulas(ws: object) -> list[str]:
    out = []
    for rng in ws.conditional_formatting:  # type: ignore[attr-defined]
        for rule in rng.rules:
            out += list(rule.formula or [])
    return out


def test_rules_go_on_the_master_sheet_asked_for(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--sheet chooses the master sheet that gets the rules (it was accepted and ignored, so
    the sheet where this year's orders are typed could get no checks); without it, the
    summary names the master sheets left without rules and how to choose."""
    book = _two_year_book(tmp_path)
    out = tmp_path / "ruled.xlsx"
    assert main(["rules", str(book), "--out", str(out), "--sheet", "2026年"]) == 0
    years = {"2025年", "2026年"}
    assert _ruled_sheets(out) & years == {"2026年"}
    with zipfile.ZipFile(out) as z:  # the names and the hidden helper read the same sheet
        names = re.search(r"<definedNames>.*</definedNames>", z.read("xl/workbook.xml").decode())
    assert names is not None and "2026年" in names.group(0) and "2025年" not in names.group(0)
    capsys.readouterr()
    again = tmp_path / "first.xlsx"
    assert main(["rules", str(book), "--out", str(again)]) == 0
    assert _ruled_sheets(again) & years == {"2025年"}
    said = capsys.readouterr().out
    assert "2026年" in said and "--sheet" in said
