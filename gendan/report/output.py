"""Render findings and receivables as a person's table, JSON or CSV.

JSON is one array of objects and nothing else on stdout (interfaces.md).  CSV cells that
start with = + - @ are neutralised (gendan.model.sanitize) so a report opened in Excel never
runs a formula.  The table groups by sheet and row, colours by severity when stdout is a
terminal (and NO_COLOR is unset), and speaks zh or en.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import sys
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any, TextIO

from gendan.model.findings import FIELDS, Finding
from gendan.rules.receivables import Receivable

RECEIVABLE_FIELDS = (
    "contract_no",
    "customer",
    "currency",
    "amount",
    "received",
    "outstanding",
    "due_date",
    "days_overdue",
    "bucket",
    "level",
    "method",
    "instalment",
    "overdue_amount",
    "due_basis",
    "sheet",
    "row",
    "cell",
    "status",
)

_COLORS = {
    "error": "\033[31m",
    "warning": "\033[33m",
    "info": "\033[36m",
    "dim": "\033[2m",
    "bold": "\033[1m",
}
_RESET = "\033[0m"


#: What a terminal would act on instead of showing: C0 controls (ESC starts colour, title and
#: cursor sequences; NUL, BEL, BS, CR rewrite the line), DEL, C1 controls (0x9B is a one-byte
#: CSI), the bidi embeddings, overrides and isolates that reorder what follows (U+202A-202E,
#: U+2066-2069, the marks U+200E/U+200F/U+061C), and the line/paragraph separators.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_UNSAFE_BUT_LINES = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)


def _escape_char(m: re.Match[str]) -> str:
    code = ord(m.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def terminal_safe(text: object, keep_lines: bool = False) -> str:
    """``text`` with every character a terminal would act on shown escaped (``\\x1b``,
    ``\\u202e``): cell text is data, never a command to the terminal (a cell holding
    ``ESC]0;...BEL`` retitles the window, U+202E reverses what follows).  ``keep_lines``
    keeps line feeds (for multi-line messages gendan composes itself).  JSON needs none of
    this (json escapes controls; bidi marks are left as data there), CSV written to a file
    neither."""
    s = "" if text is None else str(text)
    pattern = _UNSAFE_BUT_LINES if keep_lines else _UNSAFE
    return pattern.sub(_escape_char, s) if pattern.search(s) else s


def default_lang() -> str:
    """The language of a one-language output when none is asked for: gendan.model.options'
    rule (GENDAN_LANG, the locale; ``both`` shows Chinese)."""
    from gendan.model.options import one_lang, resolve_lang

    return one_lang(resolve_lang())


def use_color(stream: TextIO) -> bool:
    return stream.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


def _paint(text: str, kind: str, color: bool) -> str:
    return f"{_COLORS[kind]}{text}{_RESET}" if color else text


def findings_json(rows: Iterable[dict[str, Any]]) -> str:
    """One JSON array of finding objects (Finding.to_dict, plus "file" in folder runs)."""
    return json.dumps(list(rows), ensure_ascii=False, indent=1)


#: column titles of ``--format csv`` (Excel's CSV), per field and language; ``csv-utf8``
#: keeps the field names, which scripts read
CSV_TITLES: dict[str, tuple[str, str]] = {
    "file": ("文件", "File"),
    "code": ("代码", "Code"),
    "severity": ("级别", "Severity"),
    "sheet": ("工作表", "Sheet"),
    "cell": ("单元格", "Cell"),
    "row": ("行", "Row"),
    "key": ("列", "Column"),
    "contract_no": ("合同号", "Contract No."),
    "value": ("值", "Value"),
    "expected": ("应为", "Expected"),
    "message_zh": ("说明", "Message (zh)"),
    "message_en": ("说明（英文）", "Message"),
    "customer": ("客户", "Customer"),
    "currency": ("币种", "Currency"),
    "amount": ("金额", "Amount"),
    "received": ("已收金额", "Received"),
    "outstanding": ("未收金额", "Outstanding"),
    "due_date": ("到期日", "Due Date"),
    "days_overdue": ("逾期天数", "Days Overdue"),
    "bucket": ("账龄", "Bucket"),
    "level": ("催款级别", "Dunning Level"),
    "method": ("付款方式", "Payment Method"),
    "instalment": ("款项", "Instalment"),
    "overdue_amount": ("逾期金额", "Overdue Amount"),
    "due_basis": ("到期日依据", "Due Date Basis"),
}
_BOM = "\ufeff"


def _titles(header: Sequence[str], lang: str) -> list[str]:
    i = 0 if lang == "zh" else 1
    return [CSV_TITLES[h][i] if h in CSV_TITLES else h for h in header]


def _csv(
    rows: Iterable[Sequence[Any]],
    header: Sequence[str],
    lang: str | None = None,
    excel: bool = False,
) -> str:
    """CSV text; ``excel``: for Excel to open as it is (a BOM, so that a Chinese Excel reads
    UTF-8 rather than GBK, and the column titles in ``lang``), else the bare UTF-8 form
    with the field names (``--format csv-utf8``)."""
    from gendan.model.sanitize import csv_safe

    buf = io.StringIO()
    if excel:
        buf.write(_BOM)
        header = _titles(header, lang or default_lang())
    # CRLF, as RFC 4180 and Excel have it: the csv module then also quotes a field holding
    # a lone CR, which with "\n" it leaves bare - and a reader splits the record there
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(header)
    for r in rows:
        w.writerow([csv_safe("" if v is None else v) for v in r])
    return buf.getvalue()


def findings_csv(
    rows: Sequence[dict[str, Any]],
    with_file: bool = False,
    lang: str | None = None,
    excel: bool = False,
) -> str:
    """The finding objects as CSV, the FIELDS columns (led by "file" in folder runs);
    ``excel``: BOM and titles in ``lang`` (see :func:`_csv`)."""
    header = (("file",) if with_file else ()) + FIELDS
    return _csv(([d[k] for k in header] for d in rows), header, lang, excel)


def findings_table(
    findings: Sequence[Finding],
    lang: str,
    color: bool,
    title: str | None = None,
    stats: dict[str, Any] | None = None,
) -> str:
    out: list[str] = []
    t = terminal_safe
    if title:
        out.append(_paint(t(title), "bold", color))
    if not findings:
        out.append("没有发现问题。" if lang == "zh" else "No problems found.")
        return "\n".join(out) + "\n"
    by_row: dict[tuple[str, int], list[Finding]] = defaultdict(list)
    for f in findings:
        by_row[(f.sheet, f.row)].append(f)
    sheet_now = None
    for (sheet, row), fs in by_row.items():
        if sheet != sheet_now:
            out.append(_paint(f"== {t(sheet)} ==", "bold", color))
            sheet_now = sheet
        cn = t(fs[0].contract_no)
        head = (f"第 {row} 行" if lang == "zh" else f"Row {row}") + (f"  {cn}" if cn else "")
        out.append(_paint(head, "bold", color))
        for f in fs:
            sev = _paint(f"{t(f.severity):<7}", f.severity, color)
            out.append(f"  {t(f.cell):<6} {sev} {t(f.code):<26} {t(f.message(lang))}")
    counts: dict[str, int] = defaultdict(int)
    for f in findings:
        counts[f.severity] += 1
    codes: dict[str, int] = defaultdict(int)
    for f in findings:
        codes[f.code] += 1
    if lang == "zh":
        summary = (
            f"共 {counts['error']} 个错误，{counts['warning']} 个警告，{counts['info']} 条提示"
        )
    else:
        summary = f"{counts['error']} errors, {counts['warning']} warnings, {counts['info']} notes"
    if stats and "rows" in stats:
        sheets = stats.get("sheets") or ([stats["sheet"]] if stats.get("sheet") else [])
        if lang == "zh":
            summary += f"（检查了 {stats['rows']} 行" + (
                f"，工作表：{'、'.join(sheets)}）" if sheets else "）"
            )
        else:
            summary += f" in {stats['rows']} rows" + (f" of {', '.join(sheets)}" if sheets else "")
    out.append("")
    out.append(_paint(summary, "bold", color))
    out.append(
        "  " + ", ".join(f"{t(c)} {n}" for c, n in sorted(codes.items(), key=lambda t: -t[1]))
    )
    return "\n".join(out) + "\n"


def receivables_json(items: Iterable[Receivable]) -> str:
    return json.dumps([r.to_dict() for r in items], ensure_ascii=False, indent=1)


def receivables_csv(
    items: Iterable[Receivable], lang: str | None = None, excel: bool = False
) -> str:
    return _csv(
        ([r.to_dict()[k] for k in RECEIVABLE_FIELDS] for r in items), RECEIVABLE_FIELDS, lang, excel
    )


_LEVEL_ZH = {
    "reminder": "提醒",
    "firm": "催告",
    "final": "最后通知",
    "escalate": "上报经理",
    "upcoming": "即将到期",
}


def receivables_table(
    items: Sequence[Receivable],
    lang: str,
    color: bool,
    as_of: str,
    bank_charges: Sequence[Receivable] = (),
    not_yet_due: Sequence[Receivable] = (),
    advances: Sequence[Receivable] = (),
) -> str:
    """The open lines by customer and currency with their totals; then, apart and outside
    every total, the deposits and advances due before shipment, the receipts short by bank
    charges and the unshipped contracts' value."""
    zh = lang == "zh"
    out = [
        _paint(f"应收账款（截至 {as_of}）" if zh else f"Receivables as of {as_of}", "bold", color)
    ]
    if not items:
        out.append("没有未收款的订单。" if zh else "No open orders.")
        return "\n".join(out + _receivables_apart(advances, bank_charges, not_yet_due, zh)) + "\n"
    hdr = (
        ("合同号", "客户", "币种", "未收金额", "到期日", "逾期天数", "账龄", "催款级别")
        if zh
        else ("Contract", "Customer", "Cur", "Outstanding", "Due", "Days over", "Bucket", "Level")
    )
    widths = (14, 14, 4, 14, 11, 9, 8, 10)
    out.append("  ".join(h.ljust(w) for h, w in zip(hdr, widths, strict=True)))
    groups: dict[tuple[str, str], list[Receivable]] = defaultdict(list)
    for r in items:
        groups[(r.customer or "", r.currency or "")].append(r)
    grand: dict[str, float] = defaultdict(float)
    overdue_total: dict[str, float] = defaultdict(float)
    for (cust, cur), rs in sorted(groups.items()):
        for r in sorted(rs, key=lambda r: (r.due_date is None, r.due_date)):
            days = "" if r.days_overdue is None else str(r.days_overdue)
            level = (_LEVEL_ZH.get(r.level, r.level) if zh and r.level else r.level) or ""
            cells = tuple(
                terminal_safe(c)
                for c in (
                    r.contract_no or "",
                    cust,
                    cur,
                    f"{r.outstanding:,.2f}",
                    r.due_date.isoformat() if r.due_date else "?",
                    days,
                    r.bucket,
                    level,
                )
            )
            line = "  ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True))
            if r.days_overdue is not None and r.days_overdue > 0:
                line = _paint(line, "error" if r.days_overdue > 30 else "warning", color)
            out.append(line)
        total = sum(r.outstanding for r in rs)
        over = sum(r.overdue_amount for r in rs)
        grand[cur] += total
        overdue_total[cur] += over
        label = (
            f"小计 {terminal_safe(cust)} {terminal_safe(cur)}"
            if zh
            else f"Subtotal {terminal_safe(cust)} {terminal_safe(cur)}"
        )
        tail = f"（逾期 {over:,.2f}）" if zh else f" (overdue {over:,.2f})"
        out.append(_paint(f"  {label}: {total:,.2f}{tail}", "bold", color))
    out.append("")
    for cur in sorted(grand):
        label = "合计" if zh else "Total"
        tail = (
            f"，其中逾期 {overdue_total[cur]:,.2f}"
            if zh
            else f", of which overdue {overdue_total[cur]:,.2f}"
        )
        out.append(_paint(f"{label} {terminal_safe(cur)}: {grand[cur]:,.2f}{tail}", "bold", color))
    return "\n".join(out + _receivables_apart(advances, bank_charges, not_yet_due, zh)) + "\n"


_PART_ZH = {"deposit": "定金", "balance": "尾款", "full": "全款"}


def _receivables_apart(
    advances: Sequence[Receivable],
    bank_charges: Sequence[Receivable],
    not_yet_due: Sequence[Receivable],
    zh: bool,
) -> list[str]:
    """The lines that are not receivables of shipped goods, each section with its own sum,
    never in the totals."""
    out: list[str] = []
    if advances:
        out += [
            "",
            "出运前应付的定金 / 预付款（催收，但不计入应收合计）："
            if zh
            else "Deposits and advances due before shipment (chased, but not in the receivables totals):",
        ]
        for r in advances:
            part = _PART_ZH.get(r.instalment, r.instalment) if zh else r.instalment
            due = r.due_date.isoformat() if r.due_date else "?"
            days = "" if r.days_overdue is None else str(r.days_overdue)
            level = (_LEVEL_ZH.get(r.level, r.level) if zh and r.level else r.level) or ""
            out.append(
                f"  {terminal_safe(r.contract_no or ''):<14} {terminal_safe(r.customer or ''):<14} {part:<8} {terminal_safe(r.currency or '')} "
                f"{r.outstanding:,.2f}  {due}  {days}  {level}".rstrip()
            )
    if bank_charges:
        out += [
            "",
            "银行扣费（少收在容差内，不算欠款，不催款，不计入合计）："
            if zh
            else "Bank charges (short within the tolerance: not a debt, not dunned, not in the totals):",
        ]
        for r in bank_charges:
            part = _PART_ZH.get(r.instalment, r.instalment) if zh else r.instalment
            out.append(
                f"  {terminal_safe(r.contract_no or ''):<14} {terminal_safe(r.customer or ''):<14} {part:<8} {terminal_safe(r.currency or '')} "
                + (
                    f"已收 {r.received:,.2f} / {r.amount:,.2f}，扣费 {r.outstanding:,.2f}"
                    if zh
                    else f"received {r.received:,.2f} of {r.amount:,.2f}, charges {r.outstanding:,.2f}"
                )
            )
    if not_yet_due:
        out += [
            "",
            "未出运合同（合同金额尚未到期，不是应收款，不计入合计）："
            if zh
            else "Contracts not shipped (contract value not yet due: not receivables, not in the totals):",
        ]
        sums: dict[str, float] = defaultdict(float)
        for r in not_yet_due:
            part = _PART_ZH.get(r.instalment, r.instalment) if zh else r.instalment
            out.append(
                f"  {terminal_safe(r.contract_no or ''):<14} {terminal_safe(r.customer or ''):<14} {part:<8} {terminal_safe(r.currency or '')} {r.outstanding:,.2f}"
            )
            sums[r.currency or ""] += r.outstanding
        for cur in sorted(sums):
            out.append(f"  {'小计' if zh else 'Sum'} {cur}: {sums[cur]:,.2f}")
    return out


def progress(done: int, total: int, name: str, stream: TextIO | None = None) -> None:
    """One line of progress on stderr for long folder runs (only when it is a terminal)."""
    stream = stream or sys.stderr
    if not stream.isatty():
        return
    width = 30
    filled = int(width * done / max(total, 1))
    stream.write(
        f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {terminal_safe(name)[:40]:<40}"
    )
    if done == total:
        stream.write("\n")
    stream.flush()
