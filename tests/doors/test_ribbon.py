"""Every ribbon button, end to end on the sample workbook, through FileHost: the engine's
reader in, the openpyxl applier out — the same functions live Excel runs with XlwingsHost."""

from __future__ import annotations

import dataclasses
import datetime as dt
import sys
from pathlib import Path

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from gendan import api
from gendan.book.sample import AS_OF, build_sample
from gendan.model.errors import SchemaError
from gendan.model.grid import SheetGrid, WorkbookData
from gendan.model.options import RunOptions
from gendan.office.recalc import find_soffice
from gendan.office.render_pdf import cjk_font_available
from gendan.read.reader import read_workbook
from gendan.report.dashboard_sheet import MARK
from gendan.rules.engine import check_workbook
from gendan.write.marks import LEDGER_SHEET, NOTE_PREFIX, RESULTS_SHEET, SEVERITY_FILL, norm_color
from macros_py import ribbon
from macros_py.hosts import FileHost, XlwingsHost
from macros_py.overdue_sheet import OVERDUE_SHEET

# helpers of sibling test folders (pytest puts only this file's own folder on sys.path)
sys.path.insert(0, str(Path(__file__).parents[1] / "write"))
sys.path.insert(0, str(Path(__file__).parents[1] / "report"))
from test_xlwings_applier import Book as StandInBook

MASTER = "工作序列表"


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sample") / "sample.xlsx"
    build_sample(path)
    return path


@pytest.fixture
def host(sample: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FileHost:
    monkeypatch.setenv("GENDAN_LANG", "zh")
    monkeypatch.delenv("GENDAN_SCHEMA", raising=False)
    monkeypatch.setattr(ribbon, "USER_SCHEMA", tmp_path / "home" / ".gendan" / "gendan.yaml")
    return FileHost(sample, tmp_path / "work.xlsx")


def _fill(ws: Worksheet, ref: str) -> str | None:
    f = ws[ref].fill
    return norm_color(f.fgColor.rgb) if f.fill_type == "solid" else None


def test_every_button_id_has_a_function() -> None:
    assert set(ribbon.BUTTONS) == {
        "check",
        "documents",
        "overdue",
        "clear_marks",
        "native_rules",
        "dashboard",
        "settings",
        "show_help",
        "todo",
        "mail_drafts",
        "mail_dunning",
        "mail_statement",
    }
    assert all(callable(f) for f in ribbon.BUTTONS.values())


def test_check_marks_the_sample_and_lists_findings(host: FileHost, sample: Path) -> None:
    report = ribbon.check(host, as_of=AS_OF)
    assert report.flatten(["cell", "code"]) == check_workbook(sample, as_of=AS_OF).flatten(
        ["cell", "code"]
    )
    assert report.has_errors
    wb = openpyxl.load_workbook(host.out)
    ws = wb[MASTER]
    for f in report.findings:
        if f.sheet == MASTER:
            assert _fill(ws, f.cell) in (SEVERITY_FILL["error"], SEVERITY_FILL["warning"]), f
            assert ws[f.cell].comment.text.startswith(NOTE_PREFIX)
    results = wb[RESULTS_SHEET]
    assert results.max_row == len(report) + 2
    assert wb[LEDGER_SHEET].sheet_state == "hidden"
    assert host.messages[-1].startswith(f"检查完成：{len(report.errors)} 个错误")


def test_check_twice_then_clear_leaves_the_users_formats(host: FileHost, sample: Path) -> None:
    original = openpyxl.load_workbook(sample)[MASTER]
    ribbon.check(host, as_of=AS_OF)
    ribbon.check(host, as_of=AS_OF)
    ribbon.clear_marks(host)
    ws = openpyxl.load_workbook(host.out)[MASTER]
    for row in original.iter_rows():
        for cell in row:
            assert _fill(ws, cell.coordinate) == _fill(original, cell.coordinate), cell.coordinate
            assert ws[cell.coordinate].comment is None or not ws[
                cell.coordinate
            ].comment.text.startswith(NOTE_PREFIX)
    assert host.messages[-1] == "标记已清除。"


def test_overdue_writes_the_receivables_sheet(host: FileHost) -> None:
    items = ribbon.overdue(host, as_of=AS_OF)
    late = [r for r in items if (r.days_overdue or 0) > 0]
    assert late, "the sample has overdue orders"
    ws = openpyxl.load_workbook(host.out)[OVERDUE_SHEET]
    assert ws["A2"].value == "合同号" and ws.max_row == len(items) + 2
    first = max(late, key=lambda r: r.days_overdue)
    assert ws["A3"].value == first.contract_no  # most overdue first
    assert ws["H3"].value == first.days_overdue
    link = ws["A3"].hyperlink  # grafted: a link into the workbook is written as its location
    assert (link.target or f"#{link.location}") == f"#'{first.sheet}'!{first.cell}"
    assert str(first.contract_no) in ws["L3"].value  # the reminder draft names the contract


def test_documents_asks_for_a_selection_first(host: FileHost) -> None:
    assert ribbon.documents(host) == []
    assert "选中" in host.messages[-1]


def test_documents_for_selected_rows(
    sample: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GENDAN_LANG", "en")
    ws = openpyxl.load_workbook(sample)[MASTER]
    assert ws["A3"].value == "合同号"  # the sample's header row is 3, contract no. in column A
    wanted = [ws["A4"].value, ws["A5"].value]
    host = FileHost(sample, tmp_path / "docs.xlsx", selection=(MASTER, [4, 5]))
    assert ribbon.documents(host) == wanted
    names = openpyxl.load_workbook(host.out).sheetnames
    made = [n for n in names if n not in openpyxl.load_workbook(sample).sheetnames]
    assert made, "document sheets were added"
    assert host.messages[-1].startswith("Documents written: ")
    assert all(n in host.messages[-1] for n in made)


def test_settings_copies_the_default_once_and_opens_it(host: FileHost) -> None:
    path = ribbon.settings(host)
    assert path == ribbon.USER_SCHEMA and path.is_file()
    assert host.opened == [path]
    path.write_text(path.read_text(encoding="utf-8") + "\n# mine\n", encoding="utf-8")
    assert ribbon.settings(host) == path and path.read_text(encoding="utf-8").endswith("# mine\n")


def test_a_workbook_folder_gendan_yaml_wins(host: FileHost, tmp_path: Path, sample: Path) -> None:
    local = sample.parent / "gendan.yaml"
    local.write_text("version: 1\n", encoding="utf-8")
    try:
        assert ribbon.schema_path(host) == local
    finally:
        local.unlink()


def test_help_lists_the_formulas(host: FileHost) -> None:
    text = ribbon.show_help(host)
    assert "GD_DUE_DATE" in text and host.messages == [text]


def test_run_dispatches_and_turns_errors_into_one_sentence(
    host: FileHost, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert ribbon.run("show_help", host) == ribbon.HELP_ZH
    with pytest.raises(KeyError):
        ribbon.run("no_such_button", host)

    def broken(_host: object) -> None:
        raise SchemaError("Schema error in x.yaml:3.", "规则文件错误 x.yaml:3。")

    monkeypatch.setitem(ribbon.BUTTONS, "check", broken)
    assert ribbon.run("check", host) is None
    assert host.messages[-1] == "规则文件错误 x.yaml:3。\nSchema error in x.yaml:3."


def test_run_logs_unexpected_errors(
    host: FileHost, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setattr(Path, "home", classmethod(lambda cls: tmp_path))

    def broken(_host: object) -> None:
        raise ZeroDivisionError("division by zero")

    monkeypatch.setitem(ribbon.BUTTONS, "overdue", broken)
    ribbon.run("overdue", host)
    assert "division by zero" in host.messages[-1] and "Traceback" not in host.messages[-1]
    assert "ZeroDivisionError" in (tmp_path / ".gendan" / "ribbon.log").read_text(encoding="utf-8")


def test_as_of_defaults_to_today(host: FileHost) -> None:
    report = ribbon.check(host)
    assert report.stats["as_of"] == dt.date.today().isoformat()


def test_todo_writes_the_same_list_as_the_cli(host: FileHost, sample: Path) -> None:
    from gendan.report.todo import todo_items
    from gendan.rules.engine import load_book
    from macros_py.todo_sheet import TODO_SHEET

    items = ribbon.todo(host, as_of=AS_OF, days=60)
    tables, schema = load_book(sample)
    assert [t.to_dict() for t in items] == [
        t.to_dict() for t in todo_items(tables, schema, AS_OF, 60)
    ]
    assert len({t.kind for t in items}) >= 9
    ws = openpyxl.load_workbook(host.out)[TODO_SHEET]
    assert ws["A2"].value == "合同号" and ws.max_row == len(items) + 2
    for n, t in enumerate(items, start=3):
        assert ws[f"A{n}"].value == t.contract_no
        assert ws[f"E{n}"].value == t.days_left and ws[f"H{n}"].value == t.cell
        assert ws[f"G{n}"].value == t.action_zh
        link = ws[f"A{n}"].hyperlink  # grafted: written as its location
        assert (link.target or f"#{link.location}") == f"#'{t.sheet}'!{t.cell}"
    assert [ws[f"E{n}"].value for n in range(3, len(items) + 3)] == sorted(
        t.days_left for t in items
    )
    assert "今日待办" in host.messages[-1]
    # the master is untouched
    assert (
        openpyxl.load_workbook(host.out)[MASTER].max_row
        == openpyxl.load_workbook(sample)[MASTER].max_row
    )


def test_mail_drafts_for_selected_rows(
    sample: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from email import policy
    from email.parser import BytesParser

    monkeypatch.setenv("GENDAN_LANG", "en")
    monkeypatch.delenv("GENDAN_SCHEMA", raising=False)
    monkeypatch.setattr(ribbon, "USER_SCHEMA", tmp_path / "home" / ".gendan" / "gendan.yaml")
    book = tmp_path / "book" / "sample.xlsx"
    book.parent.mkdir()
    book.write_bytes(sample.read_bytes())
    ws = openpyxl.load_workbook(book)[MASTER]
    shipped = [r for r in range(4, ws.max_row + 1) if ws.cell(row=r, column=1).value][:2]
    host = FileHost(book, tmp_path / "out.xlsx", selection=(MASTER, shipped))
    paths = ribbon.mail_drafts(host, "shipping-advice", as_of=AS_OF)
    assert [p.parent for p in paths] == [book.parent / "gendan-mail"] * 2
    pdf = find_soffice() is not None and cjk_font_available()
    for p, r in zip(paths, shipped, strict=True):
        msg = BytesParser(policy=policy.default).parsebytes(p.read_bytes())
        assert str(ws.cell(row=r, column=1).value) in msg["Subject"]
        kinds = [a.get_content_type() for a in msg.iter_attachments()]
        assert kinds == (["application/pdf"] * 3 if pdf else []), kinds
    assert "2 e-mail drafts" in host.messages[-1]
    assert ribbon.mail_drafts(FileHost(book, tmp_path / "o2.xlsx"), "dunning") == []


def test_mail_buttons_for_dunning_and_statement(
    sample: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GENDAN_LANG", "en")
    monkeypatch.delenv("GENDAN_SCHEMA", raising=False)
    monkeypatch.setattr(ribbon, "USER_SCHEMA", tmp_path / "home" / ".gendan" / "gendan.yaml")
    book = tmp_path / "book" / "sample.xlsx"
    book.parent.mkdir()
    book.write_bytes(sample.read_bytes())
    ws = openpyxl.load_workbook(book)[MASTER]
    late = next(
        r for r in range(4, ws.max_row + 1) if ws.cell(row=r, column=1).value == "YGO26-074"
    )
    host = FileHost(book, tmp_path / "out.xlsx", selection=(MASTER, [late]))
    (dun,) = ribbon.mail_dunning(host, as_of=AS_OF)
    assert dun.name.startswith("dunning-") and "1 e-mail drafts" in host.messages[-1]
    monkeypatch.setattr("gendan.office.recalc.find_soffice", lambda: None)  # no LibreOffice here
    (st,) = ribbon.mail_statement(host, as_of=AS_OF)
    assert st.name.startswith("statement-") and "PDF" in host.messages[-1]  # says why no PDF


def test_dashboard_writes_the_kanban_sheet_into_the_book(host: FileHost, sample: Path) -> None:
    before = sample.read_bytes()
    assert ribbon.dashboard(host, as_of=AS_OF) == "看板"
    assert ribbon.dashboard(host, as_of=AS_OF) == "看板"  # a second click replaces it
    assert sample.read_bytes() == before  # FileHost writes its working copy
    wb = openpyxl.load_workbook(host.out)
    assert wb.sheetnames.count("看板") == 1 and MASTER in wb.sheetnames
    assert len(wb["看板"]._charts) == 7  # type: ignore[attr-defined]
    assert host.messages[-1] == f"看板已写入：工作表 看板，7 个图表，截至 {AS_OF}。"


class _ExcelHost(XlwingsHost):
    """XlwingsHost over the recording stand-in of xlwings' Book: the open book's values
    are the sample's (the stand-in has no cells to read); what the button writes is
    recorded call by call."""

    def __init__(self, data: WorkbookData) -> None:
        super().__init__(StandInBook(*data.sheet_names))
        self.data = data

    def read(self) -> WorkbookData:
        return self.data


def _excel_host(sample: Path, *extra: SheetGrid) -> _ExcelHost:
    data = read_workbook(sample)
    return _ExcelHost(dataclasses.replace(data, sheets=[*data.sheets, *extra]))


def test_dashboard_in_excel_draws_the_sheet_and_its_charts_in_the_open_book(
    host: FileHost, sample: Path
) -> None:
    from test_dashboard_plan import _expected, _follow, _stand_in_cells, stand_in_charts

    excel = _excel_host(sample)
    assert ribbon.dashboard(excel, as_of=AS_OF) == "看板"
    calls = excel.book.calls
    assert ("看板", None, "sheets.add", excel.book.sheets[-2].name) in calls
    assert len([c for c in calls if c[2] == "charts.add"]) == 7
    # each chart's series point at the cells that hold the dashboard's numbers
    dash = api.report(read_workbook(sample), RunOptions(as_of=AS_OF)).dashboard
    cells = _stand_in_cells(excel.book, "看板")
    assert _follow(stand_in_charts(excel.book, "看板"), cells.get) == _expected(dash)
    assert excel.messages[-1].startswith("看板已写入：工作表 看板，7 个图表")
    assert ("screen_updating", False) in excel.book.app_calls  # one repaint


def test_dashboard_in_excel_keeps_the_users_own_kanban(host: FileHost, sample: Path) -> None:
    excel = _excel_host(sample, SheetGrid("看板", [["my own charts"]]))
    assert ribbon.dashboard(excel, as_of=AS_OF) == "看板 gendan"
    assert not [c for c in excel.book.calls if c[0] == "看板"]  # not a call on the user's sheet
    assert {c[0] for c in excel.book.calls if c[2] == "charts.add"} == {"看板 gendan"}


def test_dashboard_in_excel_twice_replaces_its_own_charts(host: FileHost, sample: Path) -> None:
    excel = _excel_host(sample)
    ribbon.dashboard(excel, as_of=AS_OF)
    # the second click reads the book with gendan's 看板 in it (its mark in row 2)
    mark = SheetGrid("看板", [["看板 Dashboard"], [f"{MARK} · 截至 as of …"]])
    excel.data = dataclasses.replace(excel.data, sheets=[*excel.data.sheets, mark])
    excel.book.calls.clear()
    assert ribbon.dashboard(excel, as_of=AS_OF) == "看板"
    calls = excel.book.calls
    assert ("看板", None, "clear", None) in calls
    assert len([c for c in calls if c[2] == "chart.delete"]) == 7
    assert len(excel.book.sheets["看板"].chart_list) == 7
