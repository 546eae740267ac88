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
from typing import Any

from gendan.errors import GendanError, InputError

BOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")


class _UsageError(GendanError):
    pass


def _as_of(text: str | None) -> dt.date:
    if not text:
        return dt.date.today()
    from gendan.values import parse_date

    p = parse_date(text)
    if not p.ok or p.value is None:
        raise _UsageError(f"--as-of '{text}' is not a date (use YYYY-MM-DD).",
                          f"--as-of '{text}' 不是日期（请用 YYYY-MM-DD）。")
    return p.value


def _schema(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from gendan.schema import load_schema

    return load_schema(args.schema)


def _lang(args: argparse.Namespace) -> str:
    from gendan.output import default_lang

    return args.lang or default_lang()


def _emit(text: str, out: str | None) -> None:
    if out:
        from gendan.safe_write import atomic_write_text

        atomic_write_text(Path(out), text, newline="")  # the text has its own line ends (CSV: CRLF)
    else:
        sys.stdout.write(text)
        if not text.endswith("\n"):
            sys.stdout.write("\n")


def _books_in(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(
            p for p in path.rglob("*")
            if p.is_file() and p.suffix.lower() in BOOK_SUFFIXES and not p.name.startswith("~$")
        )
    return [path]


def _check_one(path: str, schema_path: str | None, as_of: dt.date) -> tuple[str, list[dict[str, Any]] | None, str | None, dict[str, Any]]:
    """Worker for folder runs: findings as plain dicts (pickles small), or the error text."""
    from gendan.check import check_workbook
    from gendan.schema import load_schema

    try:
        report = check_workbook(path, load_schema(schema_path), as_of)
    except GendanError as exc:
        return path, None, exc.user_text(), {}
    except Exception as exc:  # a bug must not stop a batch: say which file, go on
        return path, None, f"内部错误 internal error on {Path(path).name}: {type(exc).__name__}: {exc}", {}
    return path, [f.to_dict() for f in report.findings], None, report.stats


def cmd_check(args: argparse.Namespace) -> int:
    from gendan.output import findings_csv, findings_json, findings_table, use_color

    as_of = _as_of(args.as_of)
    schema = _schema(args)
    target = Path(args.book)
    lang = _lang(args)
    if not target.exists():
        raise InputError(f"File not found: {target}.", f"找不到文件：{target}。")
    if args.jobs == 1:
        from gendan import parallel

        parallel.serial()  # one core: no pieces read on threads, no forked rules
    if not target.is_dir():
        from gendan.check import check_workbook

        report = check_workbook(target, schema, as_of)
        for note in report.stats.get("notes", []):
            for line in str(note).splitlines():
                print(f"注意 note: {line}", file=sys.stderr)
        if args.format == "json":
            _emit(findings_json(report.to_dicts()), args.out)
        elif args.format == "csv":
            _emit(findings_csv(report.to_dicts()), args.out)
        else:
            color = use_color(sys.stdout) and not args.out
            _emit(findings_table(report.findings, lang, color, title=str(target), stats=report.stats), args.out)
        return 1 if report.has_errors else 0
    return _check_folder(target, args, as_of, lang)


def _check_folder(folder: Path, args: argparse.Namespace, as_of: dt.date, lang: str) -> int:
    """One process per workbook over the machine's cores; results streamed, memory flat."""
    from concurrent.futures import ProcessPoolExecutor, as_completed

    from gendan import parallel
    from gendan.output import findings_csv, findings_json, progress

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
            results.append(_check_one(str(b), args.schema, as_of))
            done += 1
            progress(done, len(books), b.name)
    else:
        # each worker reads and checks its workbook on one core: the cores are taken
        with ProcessPoolExecutor(max_workers=min(jobs, len(books)), initializer=parallel.serial) as pool:
            futs = [pool.submit(_check_one, str(b), args.schema, as_of) for b in books]
            for fut in as_completed(futs):
                results.append(fut.result())
                done += 1
                progress(done, len(books), Path(results[-1][0]).name)
    results.sort(key=lambda r: r[0])
    for path, found, err, _stats in results:
        rel = os.path.relpath(path, folder)
        if err is not None:
            unreadable += 1
            print(f"{rel}: {err}", file=sys.stderr)
            lines.append(f"{rel}: {err.splitlines()[-1]}")
            continue
        assert found is not None
        errors += sum(1 for f in found if f["severity"] == "error")
        for f in found:
            f["file"] = rel
            rows.append(f)
        if lang == "zh":
            lines.append(f"{rel}: {sum(1 for f in found if f['severity'] == 'error')} 个错误，{len(found)} 条发现")
        else:
            lines.append(f"{rel}: {sum(1 for f in found if f['severity'] == 'error')} errors, {len(found)} findings")
    if args.format == "json":
        _emit(findings_json(rows), args.out)
    elif args.format == "csv":
        _emit(findings_csv(rows, with_file=True), args.out)
    else:
        _emit("\n".join(lines) or "—", args.out)
    if unreadable:
        return 2
    return 1 if errors else 0


def cmd_overdue(args: argparse.Namespace) -> int:
    from gendan.check import load_book
    from gendan.output import receivables_csv, receivables_json, receivables_table, use_color
    from gendan.receivables import receivables

    as_of = _as_of(args.as_of)
    tables, schema = load_book(args.book, _schema(args))
    items = receivables(tables, schema, as_of)
    if args.format == "json":
        _emit(receivables_json(items), args.out)
    elif args.format == "csv":
        _emit(receivables_csv(items), args.out)
    else:
        _emit(receivables_table(items, _lang(args), use_color(sys.stdout) and not args.out, as_of.isoformat()), args.out)
    return 0


def cmd_docs(args: argparse.Namespace) -> int:
    from gendan.documents import generate

    if not args.all and not args.order:
        raise _UsageError("Name the orders with --order NO … or use --all.", "请用 --order 合同号 … 指定订单，或用 --all。")
    result = generate(Path(args.book), args.out, orders=args.order, all=args.all, pdf_dir=args.pdf,
                      schema=_schema(args), issue=args.issue, documents=args.document)
    print(result.summary(_lang(args)))
    return 0


def cmd_annotate(args: argparse.Namespace) -> int:
    from gendan.marks import annotate_file, clear_file

    if getattr(args, "clear", False):
        written = clear_file(args.book, args.out, lang=_lang(args), in_place=args.in_place)
        print(f"已清除标记：{written}" if _lang(args) == "zh" else f"Marks cleared: {written}")
        return 0

    report = annotate_file(args.book, args.out, schema=_schema(args), as_of=_as_of(args.as_of),
                           in_place=args.in_place, lang=_lang(args))
    counts = report.count_by_severity()
    msg = (f"已写入 {args.out or args.book}：{counts['error']} 个错误，{counts['warning']} 个警告"
           if _lang(args) == "zh" else
           f"Wrote {args.out or args.book}: {counts['error']} errors, {counts['warning']} warnings")
    print(msg)
    return 1 if report.has_errors else 0


def cmd_new(args: argparse.Namespace) -> int:
    from gendan.template import write_template

    path = Path(args.book)
    if path.exists() and not args.force:
        raise _UsageError(f"{path} exists already; use --force to replace it.", f"{path} 已存在；如需覆盖请加 --force。")
    write_template(path, _schema(args))
    print(f"已创建空白工作簿 {path}" if _lang(args) == "zh" else f"Created the blank master workbook {path}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from gendan.check import check_workbook
    from gendan.output import findings_table, receivables_table, use_color
    from gendan.receivables import receivables
    from gendan.sample import build_sample

    folder = Path(args.dir or "gendan-demo")
    folder.mkdir(parents=True, exist_ok=True)
    book = folder / "sample.xlsx"
    manifest = build_sample(book)
    as_of = _as_of(args.as_of) if args.as_of else manifest.as_of
    schema = _schema(args)
    lang = _lang(args)
    color = use_color(sys.stdout)
    report = check_workbook(book, schema, as_of)
    sys.stdout.write(findings_table(report.findings, lang, color, title=f"gendan check {book}", stats=report.stats))
    from gendan.check import load_book

    tables, _ = load_book(book, schema)
    sys.stdout.write("\n" + receivables_table(receivables(tables, schema, as_of), lang, color, as_of.isoformat()))
    try:
        from gendan.documents import generate
    except ImportError:
        return 0
    first = [r for r in tables.master.column("contract_no") if r][:3]
    out = folder / "sample-docs.xlsx"
    result = generate(book, out, orders=first, all=False, pdf_dir=None, schema=schema)
    print("\n" + result.summary(lang))
    return 0


def cmd_addin(args: argparse.Namespace) -> int:
    from gendan.addin_install import install

    return int(install(lang=_lang(args)) or 0)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="gendan", description="跟单 gendan: check the 工作序列表, list overdue payments, make documents.")
    p.add_argument("--version", action="version", version=_version())
    sub = p.add_subparsers(dest="command", required=True)

    def common(sp: argparse.ArgumentParser, formats: bool = True) -> None:
        sp.add_argument("--schema", help="YAML schema (default: the bundled schemas/master.yaml)")
        sp.add_argument("--lang", choices=("zh", "en"), help="language of messages (default: from the locale)")
        if formats:
            sp.add_argument("--as-of", help="date for overdue checks, YYYY-MM-DD (default: today)")
            sp.add_argument("--format", choices=("table", "json", "csv"), default="table")
            sp.add_argument("--out", help="write to this file instead of stdout")

    sp = sub.add_parser("check", help="all checks; findings to stdout or --out")
    sp.add_argument("book", help="a workbook, or a folder of workbooks")
    sp.add_argument("--jobs", type=int, default=0,
                    help="cores to use: processes for a folder; 1 also keeps one big workbook on one core "
                         "(default: all cores)")
    common(sp)
    sp.set_defaults(fn=cmd_check)

    sp = sub.add_parser("overdue", help="receivables: open orders with due date, days overdue, bucket, dunning level")
    sp.add_argument("book")
    common(sp)
    sp.set_defaults(fn=cmd_overdue)

    sp = sub.add_parser("docs", help="generate the linked document sheets")
    sp.add_argument("book")
    sp.add_argument("--order", nargs="+", metavar="NO", help="contract numbers")
    sp.add_argument("--all", action="store_true", help="every order")
    sp.add_argument("--out", help="output workbook (default: BOOK-docs.xlsx, or .xlsm for a macro workbook)")
    sp.add_argument("--pdf", metavar="DIR", help="also render the documents to PDF in DIR (needs LibreOffice)")
    sp.add_argument("--issue", action="store_true",
                    help="issue the documents: values instead of formulas, with a record the check reads back")
    sp.add_argument("--document", nargs="+", metavar="KEY",
                    help="only these documents (keys of schemas/documents.yaml, e.g. invoice packing_list)")
    common(sp, formats=False)
    sp.set_defaults(fn=cmd_docs)

    sp = sub.add_parser("annotate", help="write the findings into a copy: highlights, notes, a 检查结果 sheet")
    sp.add_argument("book")
    sp.add_argument("--out", help="the annotated copy")
    sp.add_argument("--in-place", action="store_true", help="mark the workbook itself (after a backup and a check that nothing is lost)")
    sp.add_argument("--as-of")
    sp.add_argument("--clear", action="store_true", help="remove gendan's marks and notes instead (the user's stay)")
    common(sp, formats=False)
    sp.set_defaults(fn=cmd_annotate)

    sp = sub.add_parser("new", help="a blank master workbook with dropdowns and formats from the schema")
    sp.add_argument("book")
    sp.add_argument("--force", action="store_true")
    common(sp, formats=False)
    sp.set_defaults(fn=cmd_new)

    sp = sub.add_parser("demo", help="write the sample workbook and run check, overdue and docs on it")
    sp.add_argument("dir", nargs="?")
    sp.add_argument("--as-of")
    common(sp, formats=False)
    sp.set_defaults(fn=cmd_demo)

    sp = sub.add_parser("addin", help="install the Excel add-in (Windows/macOS)")
    sp.add_argument("action", choices=("install",))
    common(sp, formats=False)
    sp.set_defaults(fn=cmd_addin)
    return p


def _version() -> str:
    try:
        from importlib.metadata import version

        return f"gendan {version('gendan')}"
    except Exception:
        return "gendan"


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "annotate" and not args.out and not args.in_place:
        parser.error("annotate needs --out FILE (or --in-place)")
    try:
        return int(args.fn(args))
    except GendanError as exc:
        print(exc.user_text(), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("已中断 interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except MemoryError:
        print("内存不足，无法处理此文件。\nNot enough memory to process this file.", file=sys.stderr)
        return 2
    except Exception as exc:  # the promise is: never a traceback
        if os.environ.get("GENDAN_DEBUG"):
            raise
        print(f"内部错误：{type(exc).__name__}: {exc}（设置 GENDAN_DEBUG=1 可查看详情）\n"
              f"Internal error: {type(exc).__name__}: {exc} (set GENDAN_DEBUG=1 for details).", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
