"""The 跟单 Gendan ribbon: one function per button, and ``run(id)`` that the VBA calls.

The add-in's VBA has a single callback for every button::

    RunPython "import macros_py.ribbon as r; r.run('<button id>')"

so adding a button is an edit of ``addin/customUI.xml`` plus a function here, registered
in :data:`BUTTONS` under the button's id — never new VBA.

Every button is ``read → engine → plan → apply`` against a :class:`~macros_py.hosts.Host`:
live Excel by default (``xw.Book.caller()``), or a file (:class:`~macros_py.hosts.FileHost`),
which is how the tests run each button end to end on Linux.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from gendan.model.errors import GendanError
from gendan.model.findings import Report
from gendan.model.options import Lang
from gendan.model.plan import Plan

log = logging.getLogger("gendan.ribbon")

__all__ = [
    "BUTTONS",
    "check",
    "clear_marks",
    "dashboard",
    "documents",
    "native_rules",
    "overdue",
    "run",
    "schema_path",
    "settings",
    "show_help",
    "todo",
    "mail_drafts",
    "mail_dunning",
    "mail_statement",
]

#: Where the user's own settings live when no other file is found (survives upgrades).
USER_SCHEMA = Path.home() / ".gendan" / "gendan.yaml"


def _host(host: Any) -> Any:
    if host is not None:
        return host
    from macros_py.hosts import XlwingsHost

    return XlwingsHost()


def _lang() -> Lang:
    """The language of messages and marks: the command line's rule (gendan.model.options:
    GENDAN_LANG — zh, en or both —, then the locale, then the system's locale)."""
    from gendan.model.options import resolve_lang

    return resolve_lang()


def _options(host: Any, as_of: dt.date | None = None) -> Any:
    """This click's RunOptions: the book's settings file, the day, the language."""
    from gendan.model.options import RunOptions

    return RunOptions(as_of=as_of, schema=_schema(host), lang=_lang())


def schema_path(host: Any = None) -> Path | None:
    """The settings file in force: ``GENDAN_SCHEMA``, else ``gendan.yaml`` beside the
    workbook, else ``~/.gendan/gendan.yaml``; None means the bundled default."""
    env = os.environ.get("GENDAN_SCHEMA")
    if env:
        return Path(env)
    folder = getattr(host, "folder", None) if host is not None else None
    if folder is not None and (Path(folder) / "gendan.yaml").is_file():
        return Path(folder) / "gendan.yaml"
    if USER_SCHEMA.is_file():
        return USER_SCHEMA
    return None


def _schema(host: Any) -> Any:
    from gendan.model.schema import load_schema

    return load_schema(schema_path(host))


# ----------------------------------------------------------------------------- buttons


def check(host: Any = None, as_of: dt.date | None = None) -> Report:
    """检查 Check: every finding for the workbook, as cell marks and a 检查结果 sheet."""
    from gendan import api
    from gendan.write.marks import finding_cells, plan_marks

    host = _host(host)
    lang = _lang()
    data = host.read()
    report = api.check(data, _options(host, as_of)).report
    plan = plan_marks(report, data, lang, host.fills(finding_cells(report)), as_of=as_of)
    host.apply(plan)
    n = report.count_by_severity()
    host.tell(
        f"检查完成：{n['error']} 个错误，{n['warning']} 个警告，详见「检查结果」。"
        if lang != "en"
        else f"Check done: {n['error']} errors, {n['warning']} warnings; see the 检查结果 sheet."
    )
    return report


def clear_marks(host: Any = None) -> Plan:
    """清除标记 Clear marks: remove the tool's fills and notes, give the user's fills back."""
    from gendan.write.marks import plan_clear

    host = _host(host)
    data = host.read()
    plan = plan_clear(data, _lang())
    host.apply(plan)
    host.tell("标记已清除。" if _lang() != "en" else "Marks cleared.")
    return plan


def overdue(host: Any = None, as_of: dt.date | None = None) -> list[Any]:
    """逾期催款 Overdue: a receivables sheet with aging, dunning level and reminder drafts."""
    from gendan import api
    from macros_py.overdue_sheet import plan_overdue

    host = _host(host)
    result = api.overdue(host.read(), _options(host, as_of))  # every master sheet, as the CLI
    items = result.dunned()
    host.apply(plan_overdue(items, result.as_of, _lang(), result.customer_languages))
    late = sum(1 for r in items if (r.days_overdue or 0) > 0)
    host.tell(
        f"{len(items)} 笔未结，其中 {late} 笔逾期，详见「逾期催款」。"
        if _lang() != "en"
        else f"{len(items)} open orders, {late} overdue; see the 逾期催款 sheet."
    )
    return items


def todo(host: Any = None, as_of: dt.date | None = None, days: int | None = None) -> list[Any]:
    """今日待办 To-do: what is due (booking, L/C, documents, shipping advice, payments,
    dunning) on a 今日待办 sheet, most urgent first, linked to the master cells - the same
    list ``gendan todo`` prints, from the same engine function."""
    from gendan import api
    from macros_py.todo_sheet import plan_todo

    host = _host(host)
    result = api.todo(host.read(), _options(host, as_of), days)
    items = result.items
    host.apply(plan_todo(items, result.as_of, result.window, _lang()))
    late = sum(1 for t in items if t.days_left < 0)
    host.tell(
        f"{len(items)} 项待办，其中 {late} 项已逾期，详见「今日待办」。"
        if _lang() != "en"
        else f"{len(items)} things to do, {late} late; see the 今日待办 sheet."
    )
    return items


def mail_drafts(
    host: Any = None, kind: str = "shipping-advice", as_of: dt.date | None = None, pdf: bool = True
) -> list[Path]:
    """邮件草稿 Mail drafts: the .eml drafts (``gendan mail``) for the orders in the selected
    rows, written to a gendan-mail folder beside the workbook, with the documents as PDFs
    where LibreOffice is installed (else a note says why not); gendan never sends them."""
    from gendan import api
    from gendan.report.mail import write_drafts

    host = _host(host)
    options = _options(host, as_of)
    book = api.load(host.read(), options)
    contracts = book.contracts_in_rows(*host.selection())
    folder = host.folder
    if not contracts or folder is None:
        host.tell(
            "请先在「工作序列表」中选中订单所在的行（工作簿须已保存）。"
            if _lang() != "en"
            else "Select the rows of the orders on the master sheet first (the workbook must be saved)."
        )
        return []
    result = api.mail(book, kind, options, orders=contracts, pdf=pdf)
    out = Path(folder) / "gendan-mail"
    paths = write_drafts(result.drafts, out)
    why = "".join(f"\n{n}" for n in result.notes)
    host.tell(
        f"已写入 {len(paths)} 封邮件草稿到 {out}（gendan 不发送邮件）。{why}"
        if _lang() != "en"
        else f"{len(paths)} e-mail drafts written to {out} (gendan never sends mail).{why}"
    )
    return paths


def mail_dunning(host: Any = None, as_of: dt.date | None = None) -> list[Path]:
    """催款邮件 Dunning: the dunning drafts of the customers of the selected rows."""
    return mail_drafts(host, "dunning", as_of)


def mail_statement(host: Any = None, as_of: dt.date | None = None) -> list[Path]:
    """对账单邮件 Statement: the statement drafts (xlsx + PDF) of the selected rows' customers."""
    return mail_drafts(host, "statement", as_of)


def documents(host: Any = None) -> list[str]:
    """生成单据 Documents: the document sheets for the orders in the selected rows."""
    from gendan import api

    host = _host(host)
    options = _options(host)
    book = api.load(host.read(), options)
    contracts = book.contracts_in_rows(*host.selection())
    if not contracts:
        host.tell(
            "请先在「工作序列表」中选中订单所在的行。"
            if _lang() != "en"
            else "Select the rows of the orders first, on the master sheet."
        )
        return []
    result = api.documents(book, contracts, options)
    host.apply(result.plan)
    names = ", ".join(s.sheet for s in result.sheets)
    host.tell(("已生成单据：" if _lang() != "en" else "Documents written: ") + names)
    return contracts


def native_rules(host: Any = None) -> Path | None:
    """本表自查 Live checks: a copy of the saved workbook that checks itself - conditional
    formats and data validation made from the schema (gendan.native.patch, the engine of
    ``gendan rules``), which work where the add-in cannot: WPS, a Mac without Python, Excel
    on the web.  Written beside the workbook and opened; the open workbook is not changed."""
    from gendan import api

    host = _host(host)
    src = getattr(host, "src", None)
    if src is None:
        full = getattr(getattr(host, "book", None), "fullname", "") or ""
        src = Path(full) if host.folder is not None else None
    if src is None or not Path(src).is_file():
        host.tell("请先保存工作簿。" if _lang() != "en" else "Save the workbook first.")
        return None
    src = Path(src)
    out = src.with_name(f"{src.stem}-rules{src.suffix}")
    result = api.rules(src, out, _options(host))
    host.open_path(out)
    host.tell(result.summary("en" if _lang() == "en" else "zh"))
    return out


def dashboard(host: Any = None, as_of: dt.date | None = None) -> str:
    """看板 Dashboard: the sales manager's view - orders by stage, shipments per month,
    receivables by aging, on-time shipments, per salesperson - (re)written as a 看板 sheet
    in this workbook, tables and native charts over them (api.report).  In Excel the plan is
    applied to the open book (the charts are Excel's own, live and editable); headless, the
    host writes the same sheet through the package.  A 看板 of the user's own is left
    alone: gendan writes 看板 gendan.  Returns the sheet's name."""
    from gendan import api

    host = _host(host)
    result = api.report(host.read(), _options(host, as_of))
    sheet: str = host.put_dashboard(result)
    if sheet != result.sheet:  # the package writer found the user's 看板 the values did not show
        import dataclasses

        result = dataclasses.replace(result, sheet=sheet)
    host.tell(result.summary("en" if _lang() == "en" else "zh"))
    return sheet


def settings(host: Any = None) -> Path:
    """设置 Settings: open the YAML settings; the first time, copy the bundled default to
    ``~/.gendan/gendan.yaml`` so the user edits their own file, never the installed one."""
    from gendan.model.schema import default_schema_path

    host = _host(host)
    path = schema_path(host)
    if path is None:
        USER_SCHEMA.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(default_schema_path(), USER_SCHEMA)
        path = USER_SCHEMA
    host.open_path(path)
    return path


HELP_ZH = """跟单 Gendan
检查：检查整个工作簿，问题单元格标色并加批注，「检查结果」表列出所有问题（可点击跳转）。
生成单据：为选中行的订单生成单据表。
逾期催款：应收账款、账龄、催款级别和催款草稿。
清除标记：去掉本工具的标色和批注，恢复您原来的底色。
本表自查：另存一份自带检查（条件格式、数据验证）的工作簿，WPS、Mac、网页版也能用。
今日待办：今天到期和已逾期的事，写在「今日待办」表。
装船通知 / 催款 / 对账单邮件：为选中行写 .eml 邮件草稿（附单据 PDF），放在工作簿旁的 gendan-mail 文件夹；不会自动发送。
看板：另存一份带「看板」表的工作簿：订单阶段、每月出运、应收账龄、准时出运率、业务员，均为原生图表。
设置：打开规则/设置文件（YAML）。
公式：GD_DUE_DATE, GD_DAYS_OVERDUE, GD_AGING, GD_OUTSTANDING, GD_WORDS_EN, GD_WORDS_ZH,
GD_CONTAINER_OK, GD_CHECK_DIGIT, GD_TERMS, GD_ROW_CHECK（任何打开的工作簿都可直接使用，见 docs/addin.md）。"""

HELP_EN = """Gendan
Check: checks the whole workbook, colours and notes the cells with problems, and lists them
on the 检查结果 sheet with links.  Documents: document sheets for the selected orders.
Overdue: receivables with aging, dunning level and reminder drafts.  Clear marks: removes the
tool's colours and notes and gives your own fills back.  Live checks: saves a copy that checks
itself (conditional formats, validation), also in WPS, on a Mac and in Excel on the web.
To-do: what is due or late, on the 今日待办 sheet.  Shipping advice / Dunning / Statement:
.eml drafts (documents attached as PDFs) for the selected rows, in a gendan-mail folder beside
the workbook; gendan never sends them.
Dashboard: saves a copy with a 看板 sheet of native charts: orders by stage, shipments per
month, receivables by aging, on-time shipments, per salesperson.
Settings: opens the YAML settings.
Formulas: GD_DUE_DATE, GD_DAYS_OVERDUE, GD_AGING, GD_OUTSTANDING, GD_WORDS_EN, GD_WORDS_ZH,
GD_CONTAINER_OK, GD_CHECK_DIGIT, GD_TERMS, GD_ROW_CHECK (in every open workbook; see docs/addin.md)."""


def show_help(host: Any = None) -> str:
    """帮助 Help: what each button does and the formula names."""
    host = _host(host)
    text = HELP_EN if _lang() == "en" else HELP_ZH
    host.tell(text)
    return text


#: Button id (customUI.xml) → function.  A test holds every id in the XML to this table.
BUTTONS: dict[str, Callable[..., Any]] = {
    "check": check,
    "documents": documents,
    "overdue": overdue,
    "clear_marks": clear_marks,
    "native_rules": native_rules,
    "dashboard": dashboard,
    "settings": settings,
    "show_help": show_help,
    "todo": todo,
    "mail_drafts": mail_drafts,
    "mail_dunning": mail_dunning,
    "mail_statement": mail_statement,
}


def run(button_id: str, host: Any = None) -> Any:
    """What the VBA callback calls.  A problem the user can fix is shown in one sentence,
    never as a traceback; an unexpected error is logged with its traceback to
    ``~/.gendan/ribbon.log`` and shown in one sentence."""
    fn = BUTTONS.get(button_id)
    if fn is None:
        raise KeyError(f"no ribbon function for button id {button_id!r}")
    host = _host(host)
    try:
        return fn(host)
    except GendanError as exc:
        host.tell(exc.user_text())
    except Exception as exc:  # last line of defence between Python and an Excel user
        logfile = Path.home() / ".gendan" / "ribbon.log"
        try:
            logfile.parent.mkdir(parents=True, exist_ok=True)
            with logfile.open("a", encoding="utf-8") as fh:
                fh.write(
                    f"--- {dt.datetime.now().isoformat()} {button_id}\n{traceback.format_exc()}\n"
                )
        except OSError:
            pass
        host.tell(f"出错了 / Something went wrong: {exc}. ({logfile})")
    return None
