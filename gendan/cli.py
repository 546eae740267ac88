"""The ``gendan`` command line: check, overdue, docs, annotate, new, demo, addin.

Exit codes (interfaces.md): 0 no errors, 1 errors found (check/annotate), 2 the input
could not be used — with one sentence in Chinese and one in English on stderr, never a
traceback.  ``--format json`` prints one JSON array and nothing else on stdout.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gendan.model.errors import GendanError, InputError
from gendan.read.gate import require_file

if TYPE_CHECKING:  # the schema module loads on first use (a fast --help)
    from gendan.model.schema import Schema

BOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
#: names a text report (--format json/csv/table --out) must not have: Excel would try to
#: open the text as a workbook, and the name is usually the input's by mistake
_WORKBOOK_NAMES = BOOK_SUFFIXES + (".xltx", ".xltm", ".xlam", ".xla", ".xlt")
#: what gendan writes workbooks as (the suffix decides the package type: safe_write)
PACKAGE_SUFFIXES = (".xlsx", ".xlsm")


class _UsageError(GendanError):
    pass


def _as_of(text: str | None) -> dt.date:
    if not text:
        return dt.date.today()
    from gendan.model.values import parse_date

    p = parse_date(text)
    if not p.ok or not isinstance(p.value, dt.date):
        raise _UsageError(
            f"--as-of '{text}' is not a date (use YYYY-MM-DD).",
            f"--as-of '{text}' 不是日期（请用 YYYY-MM-DD）。",
        )
    return p.value


def _schema(args: argparse.Namespace) -> Schema:
    from gendan.model.schema import load_schema

    return load_schema(args.schema)


def _lang(args: argparse.Namespace) -> str:
    """The language of a one-language output (a table, CSV headers, a sentence)."""
    from gendan.model.options import one_lang, resolve_lang

    return one_lang(resolve_lang(args.lang))


def _options(args: argparse.Namespace, **kw: Any) -> Any:
    """The RunOptions of this command (gendan.model.options): the same language rule as the
    ribbon, ``both`` kept for outputs that hold two languages (annotate's notes)."""
    from gendan.model.options import RunOptions, resolve_lang

    return RunOptions(schema=_schema(args), lang=resolve_lang(getattr(args, "lang", None)), **kw)


def check_out(
    out: str | os.PathLike[str] | None,
    inputs: Sequence[str | os.PathLike[str]] = (),
    *,
    in_place: bool = False,
    package: bool = False,
    fmt: str | None = None,
) -> None:
    """Every output path, before any work: not the input (any spelling, symlink or hard
    link) unless ``--in-place``; its folder exists and is a folder; it is not a folder; a
    workbook (``package``) ends in .xlsx/.xlsm; a text report does not have a workbook's
    name.  Each refusal is one sentence (OutputError, exit 2)."""
    if out is None:
        return
    from gendan.model.errors import OutputError
    from gendan.write.safe_write import check_not_input, check_output_path, resolve_output

    path = Path(out)
    check_not_input(path, inputs, allow_input=in_place)
    check_output_path(resolve_output(path))
    suffix = path.suffix.lower()
    if package and suffix not in PACKAGE_SUFFIXES:
        raise OutputError(
            f"The output {path.name} must be an .xlsx or .xlsm workbook.",
            f"输出文件 {path.name} 必须是 .xlsx 或 .xlsm 工作簿。",
        )
    if not package and suffix in _WORKBOOK_NAMES:
        kind = (fmt or "text").upper() if fmt != "table" else "text"
        raise OutputError(
            f"--out {path.name} has a workbook's name, but the report is {kind}; "
            f"give it a .{'txt' if fmt in (None, 'table') else fmt} name.",
            f"--out {path.name} 是工作簿的文件名，而报告是 {kind} 文本；请用 .{'txt' if fmt in (None, 'table') else fmt} 文件名。",
        )


def _macro_note(src: Path, out: Path, lang: str) -> None:
    """An .xlsm copied to an .xlsx name loses its macros (safe_write strips them, since
    Excel refuses an .xlsx that has any): say so before the work starts."""
    if src.suffix.lower() == ".xlsm" and out.suffix.lower() == ".xlsx":
        print(
            "注意：输出为 .xlsx，不含宏；输入的 .xlsm 保持不变。"
            if lang == "zh"
            else "note: the output is .xlsx, so it carries no macros; the input .xlsm is unchanged.",
            file=sys.stderr,
        )


def _emit(text: str, out: str | None, inputs: Sequence[str | os.PathLike[str]] = ()) -> None:
    if out:
        from gendan.write.safe_write import atomic_write_text

        # the text has its own line ends (CSV: CRLF)
        atomic_write_text(Path(out), text, newline="", inputs=inputs)
    else:
        sys.stdout.write(text)
        if not text.endswith("\n"):
            sys.stdout.write("\n")


def _inputs(target: Path) -> list[Path]:
    """The files a run reads (a folder's workbooks): no output may be one of them."""
    return _books_in(target) if target.is_dir() else [target]


def terminal_text(text: str, keep_lines: bool = False) -> str:
    """Cell text (file and sheet names too) as the terminal may show it: see
    gendan.report.output.terminal_safe."""
    from gendan.report.output import terminal_safe

    return terminal_safe(text, keep_lines=keep_lines)


def _tty_csv(text: str, out: str | None) -> str:
    """CSV for a terminal shows control characters escaped; to a file or a pipe it stays the
    exact data."""
    if out or not sys.stdout.isatty():
        return text
    return "\n".join(terminal_text(line) for line in text.split("\r\n"))


def _books_in(path: Path) -> list[Path]:
    """The workbooks of a folder run: not Excel's owner files (``~$``), not gendan's own
    temporary files (``.~gendan-*``, left behind only by a hard kill or a power cut)."""
    from gendan.write.safe_write import is_temp_name

    if path.is_dir():
        return sorted(
            p
            for p in path.rglob("*")
            if p.is_file() and p.suffix.lower() in BOOK_SUFFIXES and not is_temp_name(p.name)
        )
    return [path]


def _print_notes(notes: Sequence[object]) -> None:
    """The reader's notes (each a zh line and an en line) on stderr."""
    for note in notes:
        for line in str(note).splitlines():
            print(f"注意 note: {terminal_text(line)}", file=sys.stderr)


def _check_one(
    path: str, schema_path: str | None, as_of: dt.date, sheets: Sequence[str] | None = None
) -> tuple[str, list[dict[str, Any]] | None, str | None, dict[str, Any]]:
    """Worker for folder runs: findings as plain dicts (pickles small), or the error text."""
    from gendan.model.schema import load_schema
    from gendan.rules.engine import check_workbook

    try:
        report = check_workbook(path, load_schema(schema_path), as_of, sheets)
    except GendanError as exc:
        return path, None, exc.user_text(), {}
    except Exception as exc:  # a bug must not stop a batch: say which file, go on
        return (
            path,
            None,
            f"内部错误 internal error on {Path(path).name}: {type(exc).__name__}: {exc}",
            {},
        )
    return path, [f.to_dict() for f in report.findings], None, report.stats


def cmd_check(args: argparse.Namespace) -> int:
    from gendan.report.output import findings_csv, findings_json, findings_table, use_color

    as_of = _as_of(args.as_of)
    _schema(args)  # a bad schema is reported before the workbook is looked at
    target = Path(args.book)
    lang = _lang(args)
    if not target.exists():
        raise InputError(f"File not found: {target}.", f"找不到文件：{target}。")
    check_out(args.out, _inputs(target), fmt=args.format)
    if not target.is_dir():
        from gendan import api

        # --jobs 1: one core (no pieces read on threads, no forked rules), for this run only
        options = _options(
            args, as_of=as_of, sheets=args.sheet, cores=1 if args.jobs == 1 else None
        )
        report = api.check(target, options).report
        _print_notes(report.stats.get("notes", []))
        if args.format == "json":
            _emit(findings_json(report.to_dicts()), args.out, [target])
        elif args.format in ("csv", "csv-utf8"):
            csv_text = findings_csv(report.to_dicts(), lang=lang, excel=args.format == "csv")
            _emit(_tty_csv(csv_text, args.out), args.out, [target])
        else:
            color = use_color(sys.stdout) and not args.out
            _emit(
                findings_table(report.findings, lang, color, title=str(target), stats=report.stats),
                args.out,
                [target],
            )
        return 1 if report.has_errors else 0
    return _check_folder(target, args, as_of, lang)


def _check_folder(folder: Path, args: argparse.Namespace, as_of: dt.date, lang: str) -> int:
    """One process per workbook over the machine's cores; results streamed, memory flat."""
    from concurrent.futures import ProcessPoolExecutor, as_completed

    from gendan.model import parallel
    from gendan.report.output import findings_csv, findings_json, progress

    books = _books_in(folder)
    jobs = args.jobs or parallel.cores()
    unreadable = 0
    errors = 0
    rows: list[dict[str, Any]] = []
    lines: list[str] = []
    done = 0
    results: list[tuple[str, list[dict[str, Any]] | None, str | None, dict[str, Any]]] = []
    if jobs <= 1 or len(books) <= 1:
        for b in books:
            results.append(_check_one(str(b), args.schema, as_of, args.sheet))
            done += 1
            progress(done, len(books), terminal_text(b.name))
    else:
        # each worker reads and checks its workbook on one core: the cores are taken
        with ProcessPoolExecutor(
            max_workers=min(jobs, len(books)), initializer=parallel.serial
        ) as pool:
            futs = [pool.submit(_check_one, str(b), args.schema, as_of, args.sheet) for b in books]
            for fut in as_completed(futs):
                results.append(fut.result())
                done += 1
                progress(done, len(books), terminal_text(Path(results[-1][0]).name))
    results.sort(key=lambda r: r[0])
    for path, found, err, _stats in results:
        rel = os.path.relpath(path, folder)
        shown = terminal_text(rel)
        if err is not None:
            unreadable += 1
            print(terminal_text(f"{rel}: {err}", keep_lines=True), file=sys.stderr)
            lines.append(f"{shown}: {terminal_text(err.splitlines()[-1])}")
            continue
        assert found is not None
        errors += sum(1 for f in found if f["severity"] == "error")
        for f in found:
            f["file"] = rel
            rows.append(f)
        if lang == "zh":
            lines.append(
                f"{shown}: {sum(1 for f in found if f['severity'] == 'error')} 个错误，{len(found)} 条发现"
            )
        else:
            lines.append(
                f"{shown}: {sum(1 for f in found if f['severity'] == 'error')} errors, {len(found)} findings"
            )
    books_in = [str(b) for b in books]
    if args.format == "json":
        _emit(findings_json(rows), args.out, books_in)
    elif args.format in ("csv", "csv-utf8"):
        csv_text = findings_csv(rows, with_file=True, lang=lang, excel=args.format == "csv")
        _emit(_tty_csv(csv_text, args.out), args.out, books_in)
    else:
        _emit("\n".join(lines) or "—", args.out, books_in)
    if unreadable:
        return 2
    return 1 if errors else 0


def cmd_overdue(args: argparse.Namespace) -> int:
    from gendan import api
    from gendan.report.output import receivables_csv, receivables_json, receivables_table, use_color

    as_of = _as_of(args.as_of)
    check_out(args.out, [args.book], fmt=args.format)
    result = api.overdue(
        args.book, _options(args, as_of=as_of, sheets=args.sheet)
    )  # one book per master sheet
    _print_notes(result.notes)
    if (
        args.format == "json"
    ):  # every line, each with its status (open | advance | bank-charges | not-yet-due)
        _emit(receivables_json(result.all()), args.out, [args.book])
    elif args.format in ("csv", "csv-utf8"):
        csv_text = receivables_csv(result.all(), lang=_lang(args), excel=args.format == "csv")
        _emit(_tty_csv(csv_text, args.out), args.out, [args.book])
    else:
        part = result.part
        _emit(
            receivables_table(
                part("open"),
                _lang(args),
                use_color(sys.stdout) and not args.out,
                as_of.isoformat(),
                advances=part("advances"),
                bank_charges=part("bank_charges"),
                not_yet_due=part("not_yet_due"),
            ),
            args.out,
            [args.book],
        )
    return 0


def _days(text: str | None) -> int | None:
    if text is None:
        return None
    t = text.strip()
    if not t.isdigit() or int(t) > 3660:
        raise _UsageError(
            f"--days '{text}' is not a number of days from 0 to 3660.",
            f"--days '{text}' 不是 0 到 3660 之间的天数。",
        )
    return int(t)


def _emit_beside(text: str, out: str | None, book: str) -> None:
    """Like _emit, but refuses to write the report onto the workbook it was read from."""
    if out:
        from gendan.write.safe_write import atomic_write_text

        atomic_write_text(Path(out), text, newline="", inputs=[book])
    else:
        _emit(text, None)


def cmd_todo(args: argparse.Namespace) -> int:
    from gendan import api
    from gendan.report.todo import todo_csv, todo_json, todo_table

    as_of = _as_of(args.as_of)
    days = _days(args.days)
    require_file(args.book)
    result = api.todo(args.book, _options(args, as_of=as_of, sheets=args.sheet), days)
    _print_notes(result.notes)
    items = result.items
    if args.format == "json":
        text = todo_json(items)
    elif args.format == "csv":
        text = todo_csv(items)
    else:
        text = todo_table(items, _lang(args), as_of, result.window)
    _emit_beside(text, args.out, args.book)
    return 0


def cmd_mail(args: argparse.Namespace) -> int:
    from gendan import api
    from gendan.report.mail import KINDS, write_drafts

    if args.kind not in KINDS:
        raise _UsageError(
            f"--kind must be one of {', '.join(KINDS)}.", f"--kind 只能是 {'、'.join(KINDS)}。"
        )
    chosen = sum(bool(x) for x in (args.order, args.customer, args.due))
    if chosen != 1:
        raise _UsageError(
            "Choose the letters with exactly one of --order NO …, --customer NAME or --due.",
            "请用 --order 合同号 …、--customer 客户 或 --due 三者之一选择要写的信。",
        )
    if not args.out:
        raise _UsageError(
            "Give the folder for the .eml drafts with --out DIR.",
            "请用 --out 文件夹 指定 .eml 草稿的存放位置。",
        )
    as_of = _as_of(args.as_of)
    require_file(args.book)
    check_folder_out(Path(args.out))  # before the PDFs are rendered, not after
    result = api.mail(
        args.book,
        args.kind,
        _options(args, as_of=as_of, sheets=args.sheet),
        orders=args.order or (),
        customer=args.customer,
        due=args.due,
        pdf=not args.no_pdf,
    )
    drafts, notes = result.drafts, result.notes
    paths = write_drafts(drafts, args.out, inputs=[args.book])
    _print_notes([n for d in drafts for n in d.notes] + list(notes))  # names are untrusted text
    zh = _lang(args) == "zh"
    print(
        f"已写入 {len(paths)} 封邮件草稿（gendan 不发送邮件）："
        if zh
        else f"Wrote {len(paths)} e-mail drafts (gendan never sends mail):"
    )
    for p in paths:
        print(f"  {p}")
    return 0


def cmd_docs(args: argparse.Namespace) -> int:
    from gendan.documents import generate

    if not args.all and not args.order:
        raise _UsageError(
            "Name the orders with --order NO … or use --all.",
            "请用 --order 合同号 … 指定订单，或用 --all。",
        )
    src = Path(args.book)
    require_file(src)
    out = Path(args.out) if args.out else docs_default_out(src)
    check_out(out, [src], package=True)
    if args.pdf:
        check_folder_out(Path(args.pdf))
    _macro_note(src, out, _lang(args))
    result = generate(
        src,
        out,
        orders=args.order,
        all=args.all,
        pdf_dir=args.pdf,
        schema=_schema(args),
        issue=args.issue,
        documents=args.document,
    )
    print(terminal_text(result.summary(_lang(args)), keep_lines=True))
    for refusal in result.refused:  # --all: the orders whose buyer or product is unknown
        print(terminal_text(refusal.user_text(), keep_lines=True), file=sys.stderr)
    return 2 if result.refused else 0


def docs_default_out(src: Path) -> Path:
    """``BOOK-docs.xlsx``, or ``BOOK-docs.xlsm`` for a macro workbook (its macros kept)."""
    suffix = ".xlsm" if src.suffix.lower() == ".xlsm" else ".xlsx"
    return src.with_name(f"{src.stem}-docs{suffix}")


def check_folder_out(folder: Path) -> None:
    """A folder gendan writes into (``--pdf DIR``, ``demo DIR``): made if missing, refused
    with one sentence if it, or a folder above it, is a file."""
    from gendan.model.errors import OutputError

    probe = folder
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if probe.exists() and not probe.is_dir():
        raise OutputError(
            f"Cannot write into {folder}: {probe} is a file, not a folder.",
            f"无法写入 {folder}：{probe} 是文件而不是文件夹。",
        )


def cmd_annotate(args: argparse.Namespace) -> int:
    from gendan.write.annotate import clear_file

    if getattr(args, "clear", False):
        written = clear_file(args.book, args.out, lang=_lang(args), in_place=args.in_place)
        print(f"已清除标记：{written}" if _lang(args) == "zh" else f"Marks cleared: {written}")
        return 0

    from gendan import api

    report = api.annotate(
        args.book, args.out, _options(args, as_of=_as_of(args.as_of)), in_place=args.in_place
    )[0].report
    counts = report.count_by_severity()
    msg = (
        f"已写入 {args.out or args.book}：{counts['error']} 个错误，{counts['warning']} 个警告"
        if _lang(args) == "zh"
        else f"Wrote {args.out or args.book}: {counts['error']} errors, {counts['warning']} warnings"
    )
    print(terminal_text(msg))
    return 1 if report.has_errors else 0


def _book_out_paths(args: argparse.Namespace) -> None:
    """annotate's and rules' output checked before the workbook is read (and before any mode of it
    runs): see :func:`check_out`."""
    src = Path(args.book)
    if args.out:
        check_out(args.out, [src], in_place=args.in_place, package=True)
        _macro_note(src, Path(args.out), _lang(args))
    else:
        check_out(src, [src], in_place=True, package=True)


def cmd_new(args: argparse.Namespace) -> int:
    from gendan.book.template import write_template
    from gendan.write.safe_write import atomic_write

    path = Path(args.book)
    if path.exists() and not args.force:
        raise _UsageError(
            f"{path} exists already; use --force to replace it.",
            f"{path} 已存在；如需覆盖请加 --force。",
        )
    check_out(path, package=True)
    schema = _schema(args)
    atomic_write(path, lambda tmp: write_template(tmp, schema))
    print(
        f"已创建空白工作簿 {path}"
        if _lang(args) == "zh"
        else f"Created the blank master workbook {path}"
    )
    return 0


def cmd_rules(args: argparse.Namespace) -> int:
    from gendan import api

    _book_out_paths(args)
    result = api.rules(
        args.book,
        args.out,
        _options(args, sheets=getattr(args, "sheet", None)),
        in_place=args.in_place,
        ahead=args.rows,
    )
    print(terminal_text(result.summary(_lang(args)), keep_lines=True))
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """The 看板 dashboard sheet (into --out or --in-place), its PDF (--pdf) and chart pictures (--png)."""
    from gendan import api
    from gendan.report.dashboard_run import (
        render_chart_pngs,
        render_dashboard_pdf,
        write_dashboard,
    )

    if not (args.out or args.in_place or args.pdf or args.png):
        raise _UsageError(
            "report needs --out FILE, --in-place, --pdf FILE or --png DIR.",
            "report 需要 --out 文件、--in-place、--pdf 文件或 --png 文件夹。",
        )
    src = Path(args.book)
    require_file(src)
    if args.out or args.in_place:
        _book_out_paths(args)
    if args.pdf:
        check_out(args.pdf, [src], fmt="pdf")
    if args.png:
        check_folder_out(Path(args.png))
    # the numbers from the use case the ribbon runs; the file written through the package
    dash = api.report(src, _options(args, as_of=_as_of(args.as_of), sheets=args.sheet)).dashboard
    _print_notes(dash.notes)
    written = []
    if args.out or args.in_place:
        res = write_dashboard(src, dash, args.out, in_place=args.in_place)
        written.append(res.summary(_lang(args)))
    if args.pdf:
        written.append(f"PDF：{render_dashboard_pdf(dash, args.pdf, [src])}")
    if args.png:
        written += [f"PNG：{p}" for p in render_chart_pngs(dash, args.png)]
    print(terminal_text("\n".join(written), keep_lines=True))
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from gendan.book.sample import build_sample
    from gendan.report.output import findings_table, receivables_table, use_color
    from gendan.rules.engine import check_workbook
    from gendan.rules.receivables import receivables_book
    from gendan.write.safe_write import atomic_write

    folder = Path(args.dir or "gendan-demo")
    check_folder_out(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        from gendan.model.errors import OutputError

        raise OutputError(
            f"Cannot make the folder {folder}: {exc.strerror or exc}.",
            f"无法创建文件夹 {folder}：{exc.strerror or exc}。",
        ) from None
    book = folder / "sample.xlsx"
    made: list[Any] = []
    atomic_write(book, lambda tmp: made.append(build_sample(tmp)))
    manifest = made[0]
    as_of = _as_of(args.as_of) if args.as_of else manifest.as_of
    schema = _schema(args)
    lang = _lang(args)
    color = use_color(sys.stdout)
    report = check_workbook(book, schema, as_of)
    sys.stdout.write(
        findings_table(
            report.findings, lang, color, title=f"gendan check {book}", stats=report.stats
        )
    )
    from gendan.rules.engine import load_book

    tables, _ = load_book(book, schema)
    book_lines = receivables_book(tables, schema, as_of)
    sys.stdout.write(
        "\n"
        + receivables_table(
            book_lines.open,
            lang,
            color,
            as_of.isoformat(),
            advances=book_lines.advances,
            bank_charges=book_lines.bank_charges,
            not_yet_due=book_lines.not_yet_due,
        )
    )
    from gendan.documents import generate

    first = [r for r in tables.master.column("contract_no") if r][:3]
    out = folder / "sample-docs.xlsx"
    result = generate(book, out, orders=first, all=False, pdf_dir=None, schema=schema)
    print("\n" + result.summary(lang))
    return 0


def cmd_addin(args: argparse.Namespace) -> int:
    from gendan.addin_install import install

    return int(
        install(
            lang=args.lang,
            dry_run=args.dry_run,
            pythonpath=args.pythonpath,
            build_in_excel=args.build_in_excel,
        )
        or 0
    )


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="gendan",
        description="跟单 gendan: check the 工作序列表, list overdue payments, make documents.",
    )
    p.add_argument("--version", action="version", version=_version())
    sub = p.add_subparsers(dest="command", required=True)

    def common(sp: argparse.ArgumentParser, formats: bool = True, master: bool = True) -> None:
        sp.add_argument("--schema", help="YAML schema (default: the bundled schemas/master.yaml)")
        sp.add_argument(
            "--lang", choices=("zh", "en"), help="language of messages (default: from the locale)"
        )
        if formats:
            sp.add_argument("--as-of", help="date for overdue checks, YYYY-MM-DD (default: today)")
            sp.add_argument(
                "--format",
                choices=("table", "json", "csv", "csv-utf8"),
                default="table",
                help="csv: UTF-8 with BOM and headers in --lang, for Excel; csv-utf8: bare UTF-8, "
                "field-name headers, for scripts",
            )
            sp.add_argument("--out", help="write to this file instead of stdout")
        if master:
            sp.add_argument(
                "--sheet",
                action="append",
                metavar="NAME",
                help="check only this master sheet (repeatable; default: every master sheet)",
            )

    sp = sub.add_parser("check", help="all checks; findings to stdout or --out")
    sp.add_argument("book", help="a workbook, or a folder of workbooks")
    sp.add_argument(
        "--jobs",
        type=int,
        default=0,
        help="cores to use: processes for a folder; 1 also keeps one big workbook on one core "
        "(default: all cores)",
    )
    common(sp)
    sp.set_defaults(fn=cmd_check)

    sp = sub.add_parser(
        "overdue",
        help="receivables: open orders with due date, days overdue, bucket, dunning level",
    )
    sp.add_argument("book")
    common(sp)
    sp.set_defaults(fn=cmd_overdue)

    sp = sub.add_parser(
        "todo", help="what is due: booking, L/C, documents, shipping advice, payments, dunning"
    )
    sp.add_argument("book")
    sp.add_argument(
        "--days",
        help="items due within this many days, and late ones (default: settings.todo.days)",
    )
    common(sp)
    sp.set_defaults(fn=cmd_todo)

    sp = sub.add_parser(
        "mail", help="e-mail drafts (.eml): shipping advice, dunning letters, statements of account"
    )
    sp.add_argument("book")
    sp.add_argument(
        "--kind", required=False, default="", metavar="shipping-advice|dunning|statement"
    )
    sp.add_argument("--order", nargs="+", metavar="NO", help="contract numbers")
    sp.add_argument("--customer", metavar="NAME", help="one customer (客户 short name)")
    sp.add_argument("--due", action="store_true", help="everything the to-do list says is due")
    sp.add_argument("--out", metavar="DIR", help="folder for the .eml files")
    sp.add_argument("--as-of", help="date for due and overdue, YYYY-MM-DD (default: today)")
    sp.add_argument(
        "--no-pdf",
        action="store_true",
        help="do not attach the documents as PDFs (attaching needs LibreOffice)",
    )
    common(sp, formats=False)
    sp.set_defaults(fn=cmd_mail)

    sp = sub.add_parser("docs", help="generate the linked document sheets")
    sp.add_argument("book")
    sp.add_argument("--order", nargs="+", metavar="NO", help="contract numbers")
    sp.add_argument("--all", action="store_true", help="every order")
    sp.add_argument(
        "--out", help="output workbook (default: BOOK-docs.xlsx, or .xlsm for a macro workbook)"
    )
    sp.add_argument(
        "--pdf", metavar="DIR", help="also render the documents to PDF in DIR (needs LibreOffice)"
    )
    sp.add_argument(
        "--issue",
        action="store_true",
        help="issue the documents: values instead of formulas, with a record the check reads back",
    )
    sp.add_argument(
        "--document",
        nargs="+",
        metavar="KEY",
        help="only these documents (keys of schemas/documents.yaml, e.g. invoice packing_list)",
    )
    common(sp, formats=False, master=False)
    sp.set_defaults(fn=cmd_docs)

    sp = sub.add_parser(
        "annotate", help="write the findings into a copy: highlights, notes, a 检查结果 sheet"
    )
    sp.add_argument("book")
    sp.add_argument("--out", help="the annotated copy")
    sp.add_argument(
        "--in-place",
        action="store_true",
        help="mark the workbook itself (after a backup and a check that nothing is lost)",
    )
    sp.add_argument("--as-of")
    sp.add_argument(
        "--clear",
        action="store_true",
        help="remove gendan's marks and notes instead (the user's stay)",
    )
    common(sp, formats=False, master=False)
    sp.set_defaults(fn=cmd_annotate)

    sp = sub.add_parser(
        "new", help="a blank master workbook with dropdowns and formats from the schema"
    )
    sp.add_argument("book")
    sp.add_argument("--force", action="store_true")
    common(sp, formats=False, master=False)
    sp.set_defaults(fn=cmd_new)

    sp = sub.add_parser(
        "rules",
        help="add or refresh the checks the workbook runs by itself (conditional formats, validation)",
    )
    sp.add_argument("book")
    sp.add_argument("--out", help="the workbook with the rules")
    sp.add_argument(
        "--in-place",
        action="store_true",
        help="write them into the workbook itself (after a backup)",
    )
    sp.add_argument(
        "--rows",
        type=int,
        default=1000,
        help="blank rows below the last order the rules cover (default 1000)",
    )
    common(sp, formats=False)
    sp.set_defaults(fn=cmd_rules)

    sp = sub.add_parser(
        "report",
        help="the sales manager's 看板: a dashboard sheet with native charts, as PDF and PNG",
    )
    sp.add_argument("book")
    sp.add_argument("--out", help="the workbook with the dashboard sheet")
    sp.add_argument(
        "--in-place",
        action="store_true",
        help="write the sheet into the workbook itself (after a backup)",
    )
    sp.add_argument(
        "--pdf",
        metavar="FILE",
        help="also the dashboard as a PDF (A4 landscape; needs LibreOffice)",
    )
    sp.add_argument(
        "--png",
        metavar="DIR",
        help="also one PNG picture per chart in DIR (needs LibreOffice, pdftoppm)",
    )
    sp.add_argument("--as-of", help="the day the report is for, YYYY-MM-DD (default: today)")
    common(sp, formats=False)
    sp.set_defaults(fn=cmd_report)

    sp = sub.add_parser(
        "demo", help="write the sample workbook and run check, overdue and docs on it"
    )
    sp.add_argument("dir", nargs="?")
    sp.add_argument("--as-of")
    common(sp, formats=False, master=False)
    sp.set_defaults(fn=cmd_demo)

    sp = sub.add_parser("addin", help="install the Excel add-in (Windows/macOS)")
    sp.add_argument("action", choices=("install",))
    sp.add_argument(
        "--dry-run", action="store_true", help="show what would be done, change nothing"
    )
    sp.add_argument("--pythonpath", help="folder to put on Python's path (a source checkout)")
    sp.add_argument(
        "--build-in-excel",
        action="store_true",
        help="Windows: let Excel build gendan.xlam (needs Trust access to the VBA project object model)",
    )
    common(sp, formats=False, master=False)
    sp.set_defaults(fn=cmd_addin)
    return p


def _version() -> str:
    try:
        from importlib.metadata import version

        return f"gendan {version('gendan')}"
    except Exception:
        return "gendan"


def main(argv: Sequence[str] | None = None) -> int:
    from gendan.write.safe_write import Terminated, install_quiet_finalisers, install_signal_cleanup

    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command in ("annotate", "rules") and not args.out and not args.in_place:
        parser.error(f"{args.command} needs --out FILE (or --in-place)")
    install_signal_cleanup()  # SIGTERM/SIGHUP unwind like Ctrl+C: temp files are removed
    install_quiet_finalisers()
    try:
        if args.command == "annotate":
            _book_out_paths(args)
        return int(args.fn(args))
    except GendanError as exc:
        print(terminal_text(exc.user_text(), keep_lines=True), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("已中断 interrupted", file=sys.stderr)
        return 130
    except Terminated as exc:
        print("已终止 terminated", file=sys.stderr)
        return 128 + exc.signum
    except BrokenPipeError:
        return 0
    except MemoryError:
        print(
            "内存不足，无法处理此文件。\nNot enough memory to process this file.", file=sys.stderr
        )
        return 2
    except Exception as exc:  # the promise is: never a traceback
        if os.environ.get("GENDAN_DEBUG"):
            raise
        text = terminal_text(f"{type(exc).__name__}: {exc}")
        print(
            f"内部错误：{text}（设置 GENDAN_DEBUG=1 可查看详情）\n"
            f"Internal error: {text} (set GENDAN_DEBUG=1 for details).",
            file=sys.stderr,
        )
        return 2


if __name__ == "__main__":
    sys.exit(main())
