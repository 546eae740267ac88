"""E-mail drafts (.eml) for the merchandiser's letters: shipping advice, dunning, statement.

gendan never sends mail.  It writes standard RFC 5322 messages the user opens in Outlook,
Foxmail or Thunderbird, reads, and sends themselves (``X-Unsent: 1`` makes Outlook open
the file as an editable draft).  Every draft is built from the same rows, receivables
lines and to-do rules as the rest of gendan:

- **shipping advice** (装船通知), one per order: vessel, B/L, ETD/ETA, ports, containers
  and seals, cartons and weights, and the courier and waybill of the original documents;
- **dunning** (催款), one per customer: every open line of that customer from
  :func:`gendan.rules.receivables.receivables_book`, the tone set by the highest dunning level
  reached (reminder → firm → final), and the company's bank details from 公司;
- **statement of account** (对账单), one per customer: the shipped orders not closed, what
  was received and what is open, with the closing balance per currency; the same table
  as an .xlsx attachment.

To and Cc come from the 客户 sheet (邮箱 / 抄送), the language from its 语言 column (zh or
en; English when blank).  A cell's text is data: in the HTML part every value is
escaped, and header values lose control characters and line breaks (no header
injection); an address that does not look like one is left out, with a note.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gendan.model.errors import InputError
from gendan.model.normalize import norm
from gendan.rules.receivables import Receivable, receivables_book
from gendan.rules.stages import SHIPPED, order_stages

if TYPE_CHECKING:
    from gendan.model.schema import Schema
    from gendan.read.tables import Table, Tables

KINDS = ("shipping-advice", "dunning", "statement")
_EMAIL = re.compile(r"^[^@\s<>\"(),;:]+@[^@\s<>\"(),;:]+\.[^@\s<>\"(),;:]+$")
_LEVEL_RANK = {"upcoming": 0, "reminder": 1, "firm": 2, "final": 3, "escalate": 4}


@dataclass(frozen=True)
class Attachment:
    filename: str
    data: bytes
    maintype: str
    subtype: str


@dataclass(frozen=True)
class Draft:
    """One letter: who it goes to, in which language, its subject and both bodies."""

    kind: str
    customer: str
    lang: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    sender: str | None
    subject: str
    text: str
    html: str
    name: str  # file name stem
    contracts: tuple[str, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    notes: tuple[str, ...] = field(default=())

    def message(self) -> EmailMessage:
        """The draft as an :class:`EmailMessage`: text and HTML alternatives (UTF-8), any
        attachments, subject RFC 2047-encoded when it is not ASCII."""
        msg = EmailMessage(policy=policy.default)
        msg["Subject"] = self.subject
        if self.sender:
            msg["From"] = self.sender
        if self.to:
            msg["To"] = ", ".join(self.to)
        if self.cc:
            msg["Cc"] = ", ".join(self.cc)
        msg["X-Unsent"] = "1"
        msg["X-Mailer"] = "gendan"
        msg.set_content(self.text, charset="utf-8")
        msg.add_alternative(self.html, subtype="html", charset="utf-8")
        for a in self.attachments:
            msg.add_attachment(a.data, maintype=a.maintype, subtype=a.subtype, filename=a.filename)
        return msg

    def as_bytes(self) -> bytes:
        """The .eml bytes.  An ASCII subject is written unfolded (up to RFC 5322's 998
        characters): Python folds a subject just over 78 characters onto a continuation
        line of its own, which parsers then read back with a leading space.  A subject
        that needs RFC 2047 encoded words keeps the 78-character folding they require."""
        pol = policy.default
        if self.subject.isascii() and len(self.subject) < 900:
            pol = pol.clone(max_line_length=998)
        return self.message().as_bytes(policy=pol)


# ----------------------------------------------------------------------------- helpers


def header_text(value: object) -> str:
    """Text fit for a header: no control characters, no line breaks, spaces collapsed."""
    text = "" if value is None else str(value)
    text = "".join(" " if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") else c for c in text)
    return " ".join(text.split())


def addresses(cell: object) -> tuple[list[str], list[str]]:
    """The e-mail addresses in a cell (split at , ; and white space), and the rejected parts."""
    good: list[str] = []
    bad: list[str] = []
    for part in re.split(r"[,;，；\s]+", "" if cell is None else str(cell)):
        p = part.strip().strip("<>")
        if not p:
            continue
        (good if _EMAIL.match(p) and p.isascii() else bad).append(p)
    return good, bad


def _fmt_address(name: str, addr: str) -> str:
    user, _, domain = addr.partition("@")
    return str(Address(display_name=header_text(name), username=user, domain=domain))


def _slug(text: str) -> str:
    s = re.sub(r"[^\w.-]+", "_", header_text(text), flags=re.UNICODE).strip("._")
    return s[:60] or "draft"


def _d(x: object) -> str:
    return x.isoformat() if isinstance(x, dt.date) else ("" if x is None else str(x))


def _num(x: object, fmt: str = "{:,.2f}") -> str:
    return fmt.format(x) if isinstance(x, (int, float)) else ("" if x is None else str(x))


def _e(x: object) -> str:
    return html.escape("" if x is None else str(x), quote=True)


Block = str | tuple[list[str], list[list[str]]]  # a paragraph, or a table (header, rows)


def _html_letter(lang: str, blocks: Sequence[Block], signature: Sequence[str]) -> str:
    """A plain, mail-client-safe HTML letter; every text is raw and escaped here."""
    css_td = "border:1px solid #bbb;padding:4px 8px;text-align:left;vertical-align:top"
    parts = [
        f'<!DOCTYPE html><html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">'
        "<title></title></head><body style=\"font-family:Arial,'Microsoft YaHei','Noto Sans CJK SC',"
        'sans-serif;font-size:14px;color:#222">'
    ]
    for b in blocks:
        if isinstance(b, str):
            parts.append("<p>" + "<br>".join(_e(x) for x in b.split("\n")) + "</p>")
            continue
        head, rows = b
        parts.append('<table style="border-collapse:collapse;margin:8px 0">')
        if head:
            parts.append(
                "<tr>"
                + "".join(f'<th style="{css_td};background:#d9e1f2">{_e(h)}</th>' for h in head)
                + "</tr>"
            )
        for r in rows:
            parts.append(
                "<tr>" + "".join(f'<td style="{css_td}">{_e(c)}</td>' for c in r) + "</tr>"
            )
        parts.append("</table>")
    parts.append("<p>" + "<br>".join(_e(x) for x in signature if x) + "</p></body></html>")
    return "".join(parts)


def _text_table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    if not head:
        return "\n".join(f"  {r[0]}: {r[1]}" for r in rows if len(r) >= 2 and r[1] != "")
    return "\n".join("  " + " | ".join(r) for r in [list(head)] + [list(r) for r in rows])


@dataclass(frozen=True)
class _Customer:
    name: str
    lang: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    contact: str
    full_name: str
    notes: tuple[str, ...]


def _customer(tables: Tables, name: str) -> _Customer:
    c = tables.customers
    i = c.find("customer", name) if c is not None else None
    get = (lambda k: c.get(k, i)) if c is not None and i is not None else (lambda k: None)
    lang = str(get("language") or "en").strip().lower()
    lang = "zh" if lang.startswith("zh") or lang in ("中文", "cn") else "en"
    contact = header_text(get("contact") or "")
    to, bad_to = addresses(get("email"))
    cc, bad_cc = addresses(get("cc"))
    notes = []
    if not to:
        notes.append(
            f"客户 {name} 在「客户」表中没有可用的邮箱，草稿的收件人为空。 / "
            f"Customer {name} has no usable e-mail on the 客户 sheet: the draft has no To."
        )
    for b in bad_to + bad_cc:
        notes.append(
            f"客户 {name} 的邮箱 {header_text(b)!r} 不像邮件地址，已略过。 / "
            f"Customer {name}: {header_text(b)!r} is not an e-mail address and was left out."
        )
    return _Customer(
        name=name,
        lang=lang,
        to=tuple(_fmt_address(contact, a) for a in to[:1])
        + tuple(_fmt_address("", a) for a in to[1:]),
        cc=tuple(_fmt_address("", a) for a in cc),
        contact=contact,
        full_name=header_text(get("full_name") or name),
        notes=tuple(notes),
    )


def _sender(tables: Tables) -> str | None:
    good, _ = addresses(tables.company.get("email"))
    if not good:
        return None
    return _fmt_address(tables.company.get("seller_name", ""), good[0])


def _signature(tables: Tables, lang: str) -> list[str]:
    co = tables.company
    name = (
        co.get("seller_name_zh")
        if lang == "zh" and co.get("seller_name_zh")
        else co.get("seller_name")
    )
    return [
        co.get("signature", ""),
        name or "",
        co.get("address", ""),
        (("电话 " if lang == "zh" else "Tel ") + co["tel"]) if co.get("tel") else "",
        co.get("email", ""),
    ]


def _bank(tables: Tables, lang: str) -> list[list[str]]:
    co = tables.company
    labels = {
        "seller_name": ("收款人", "Beneficiary"),
        "bank_name": ("开户银行", "Bank"),
        "bank_address": ("银行地址", "Bank address"),
        "account_no": ("账号", "Account no."),
        "swift": ("SWIFT", "SWIFT"),
    }
    return [[zh if lang == "zh" else en, co[k]] for k, (zh, en) in labels.items() if co.get(k)]


def _greeting(c: _Customer) -> str:
    if c.lang == "zh":
        return f"{c.contact}，您好：" if c.contact else "您好："
    return f"Dear {c.contact}," if c.contact else "Dear Sirs,"


def _draft(
    kind: str,
    c: _Customer,
    tables: Tables,
    subject: str,
    blocks: list[Block],
    name: str,
    contracts: Sequence[str],
    attachments: Sequence[Attachment] = (),
) -> Draft:
    sig = _signature(tables, c.lang)
    closing = "此致\n敬礼" if c.lang == "zh" else "Best regards,"
    body = [_greeting(c), ""]
    for b in blocks:
        body += [b if isinstance(b, str) else _text_table(*b), ""]
    body += [closing, ""] + [x for x in sig if x]
    return Draft(
        kind=kind,
        customer=c.name,
        lang=c.lang,
        to=c.to,
        cc=c.cc,
        sender=_sender(tables),
        subject=header_text(subject),
        text="\n".join(body) + "\n",
        html=_html_letter(c.lang, [_greeting(c), *blocks, closing], sig),
        name=name,
        contracts=tuple(contracts),
        attachments=tuple(attachments),
        notes=c.notes,
    )


# ----------------------------------------------------------------------------- letters


def shipping_advice(tables: Tables, i: int) -> Draft:
    """The shipping advice (装船通知) of master row ``i``."""
    m = tables.master

    def g(k: str) -> Any:
        return m.get(k, i)

    c = _customer(tables, str(g("customer") or ""))
    zh = c.lang == "zh"
    no = str(g("contract_no") or "")
    containers = " x ".join(
        x for x in (_num(g("containers"), "{:,.0f}"), str(g("container_type") or "")) if x
    )
    fields = [
        ("合同号", "Contract no.", no),
        ("发票号", "Invoice no.", g("invoice_no")),
        ("品名", "Goods", " ".join(str(x) for x in (g("product"), g("spec")) if x)),
        ("船名航次", "Vessel / voyage", g("vessel_voyage")),
        ("提单号", "B/L no.", g("bl_no")),
        ("提单日期", "B/L date", _d(g("bl_date"))),
        ("开船日期", "ETD", _d(g("etd"))),
        ("预计到港", "ETA", _d(g("eta"))),
        ("装运港", "Port of loading", g("port_of_loading")),
        ("目的港", "Port of discharge", g("port_of_discharge")),
        ("柜型柜数", "Containers", containers),
        ("柜号", "Container nos.", g("container_nos")),
        ("封号", "Seal nos.", g("seal_nos")),
        ("箱数", "Cartons", _num(g("cartons"), "{:,.0f}")),
        ("净重 (kg)", "Net weight (kg)", _num(g("net_weight_kg"))),
        ("毛重 (kg)", "Gross weight (kg)", _num(g("gross_weight_kg"))),
        ("温度 °C", "Temperature °C", _num(g("temperature_c"), "{:.1f}")),
    ]
    rows = [
        [zh_ if zh else en, "" if v is None else str(v)]
        for zh_, en, v in fields
        if v not in (None, "")
    ]
    courier, waybill = g("dispatch_method"), g("tracking_no")
    if courier and waybill and g("docs_sent_date"):
        docs = (
            f"正本单据已于 {_d(g('docs_sent_date'))} 通过 {courier} 寄出，运单号 {waybill}。"
            if zh
            else f"The original documents were sent on {_d(g('docs_sent_date'))} by {courier}, waybill {waybill}."
        )
    elif courier and not _is_courier(tables, courier):
        docs = "正本单据将通过银行寄送。" if zh else "The original documents go through the banks."
    else:
        docs = (
            "正本单据寄出后我们会告知快递单号。"
            if zh
            else "We will advise the courier and waybill number as soon as the original documents are sent."
        )
    subject = (
        f"装船通知 合同 {no} 提单 {g('bl_no') or ''} {g('vessel_voyage') or ''}"
        if zh
        else f"Shipping advice - contract {no}, B/L {g('bl_no') or ''}, {g('vessel_voyage') or ''}"
    )
    intro = (
        f"贵司合同 {no} 项下货物已装船，详情如下："
        if zh
        else f"We are pleased to advise that the goods under contract {no} have been shipped as follows:"
    )
    ask = (
        "请安排清关提货。如有任何问题请随时联系我们。"
        if zh
        else "Please arrange customs clearance. Do not hesitate to contact us with any question."
    )
    return _draft(
        "shipping-advice",
        c,
        tables,
        subject,
        [intro, ([], rows), docs, ask],
        f"shipping-advice-{_slug(no)}",
        [no],
    )


def _is_courier(tables: Tables, value: object) -> bool:
    spec = tables.master.spec
    if not spec.has("dispatch_method"):
        return True
    for e in spec.column("dispatch_method").enum:
        if e.value == value:
            return bool(getattr(e, "courier", True))
    return True


_TONE = {
    "reminder": (
        "友情提醒：以下款项已到期，烦请安排付款。如已付款，请将水单发给我们，谢谢。",
        "This is a friendly reminder that the items below are now due. If you have already paid, "
        "please send us the bank slip; thank you.",
    ),
    "firm": (
        "以下款项已逾期，请于 7 日内付款，并告知付款日期。",
        "The items below are overdue. Please settle them within 7 days and let us know the payment date.",
    ),
    "final": (
        "最后通知：以下款项已严重逾期。如 7 日内仍未收到货款，我们将暂停发货并采取进一步措施。",
        "Final notice: the items below are seriously overdue. If payment is not received within 7 days, "
        "we will suspend shipments and take further steps.",
    ),
}


def dunning(tables: Tables, lines: Sequence[Receivable], customer: str) -> Draft | None:
    """The dunning letter for ``customer``: every open line, the tone of the highest level
    reached; None when nothing of theirs is overdue."""
    mine = [r for r in lines if r.customer is not None and norm(r.customer) == norm(customer)]
    late = [r for r in mine if (r.days_overdue or 0) > 0]
    if not late:
        return None
    level = max((r.level or "reminder" for r in late), key=lambda lv: _LEVEL_RANK.get(lv, 1))
    tone = "final" if _LEVEL_RANK.get(level, 1) >= 3 else level if level in _TONE else "reminder"
    c = _customer(tables, customer)
    zh = c.lang == "zh"
    head = (
        ["合同号", "款项", "币种", "金额", "已收", "未收", "到期日", "逾期天数"]
        if zh
        else ["Contract", "Item", "Currency", "Amount", "Received", "Open", "Due", "Days overdue"]
    )
    part = {
        "deposit": ("定金", "deposit"),
        "balance": ("尾款", "balance"),
        "full": ("货款", "payment"),
    }
    rows = [
        [
            r.contract_no or "",
            part.get(r.instalment, (r.instalment,) * 2)[0 if zh else 1],
            r.currency or "",
            _num(r.amount),
            _num(r.received),
            _num(r.outstanding),
            _d(r.due_date),
            str(r.days_overdue) if (r.days_overdue or 0) > 0 else "",
        ]
        for r in mine
    ]
    totals: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for r in mine:
        totals[r.currency or ""][0] += r.outstanding
        totals[r.currency or ""][1] += r.overdue_amount
    summary = (
        "；".join(
            f"{cur} 未收 {t[0]:,.2f}，其中逾期 {t[1]:,.2f}" for cur, t in sorted(totals.items())
        )
        if zh
        else "; ".join(
            f"{cur} {t[0]:,.2f} open, of which {t[1]:,.2f} overdue"
            for cur, t in sorted(totals.items())
        )
    )
    words = {
        "reminder": ("付款提醒", "Payment reminder"),
        "firm": ("逾期付款催告", "Overdue payment"),
        "final": ("最后付款通知", "FINAL NOTICE - overdue payment"),
    }[tone]
    subject = f"{words[0 if zh else 1]} - {c.full_name}"
    bank = _bank(tables, c.lang)
    blocks: list[Block] = [
        _TONE[tone][0 if zh else 1],
        (head, rows),
        summary + ("。" if zh else "."),
    ]
    if bank:
        blocks += [
            "请汇款至以下账户，并注明合同号："
            if zh
            else "Please remit to the account below, quoting the contract numbers:",
            ([], bank),
        ]
    return _draft(
        "dunning",
        c,
        tables,
        subject,
        blocks,
        f"dunning-{_slug(customer)}",
        sorted({r.contract_no or "" for r in mine}),
    )


def statement(
    tables: Tables, schema: Schema, as_of: dt.date, customer: str, lines: Sequence[Receivable]
) -> Draft | None:
    """The statement of account (对账单) of ``customer`` on ``as_of``: shipped orders not
    closed, received, open, and the closing balance per currency (with an .xlsx copy).
    Every master sheet read is gone over (a book kept one sheet per year has orders of the
    customer on each); ``lines`` are the open lines of all of them."""
    open_by_row: dict[tuple[str, int], float] = defaultdict(float)
    for r in lines:
        open_by_row[r.sheet, r.index] += r.outstanding
    want = norm(customer)
    idx: list[tuple[Table, int]] = []
    for sub in tables.each():
        m = sub.master
        st = order_stages(m, schema, as_of)
        idx += [
            (m, i)
            for i in range(m.n)
            if m.get("customer", i) is not None
            and norm(str(m.get("customer", i))) == want
            and st.stage[i] >= SHIPPED
            and not st.closed[i]
            and m.get("amount", i) is not None
        ]
    if not idx:
        return None
    c = _customer(tables, customer)
    zh = c.lang == "zh"
    head = (
        ["合同号", "发票号", "提单日期", "币种", "发货金额", "已收", "未收"]
        if zh
        else ["Contract", "Invoice", "B/L date", "Currency", "Shipped", "Received", "Open"]
    )
    rows: list[list[str]] = []
    totals: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    raw: list[list[Any]] = []
    for m, i in idx:

        def g(k: str, i: int = i, m: Table = m) -> Any:
            return m.get(k, i)

        amount, got, owed = (
            float(g("amount")),
            float(g("received_amount") or 0.0),
            round(open_by_row.get((m.sheet, i), 0.0), 2),
        )
        cur = str(g("currency") or "")
        rows.append(
            [
                str(g("contract_no") or ""),
                str(g("invoice_no") or ""),
                _d(g("bl_date")),
                cur,
                _num(amount),
                _num(got),
                _num(owed),
            ]
        )
        raw.append([g("contract_no"), g("invoice_no"), g("bl_date"), cur, amount, got, owed])
        t = totals[cur]
        t[0] += amount
        t[1] += got
        t[2] += owed
    closing = [
        [(f"期末余额 {cur}" if zh else f"Closing balance {cur}"), _num(t[2])]
        for cur, t in sorted(totals.items())
    ]
    subject = (
        f"对账单 {c.full_name} 截至 {as_of.isoformat()}"
        if zh
        else f"Statement of account - {c.full_name} - as of {as_of.isoformat()}"
    )
    intro = (
        f"附上截至 {as_of.isoformat()} 的对账单，请核对。如有差异请告知。"
        if zh
        else f"Please find below our statement of account as of {as_of.isoformat()}. Kindly check it and let us "
        "know of any difference."
    )
    bank = _bank(tables, c.lang)
    xlsx = Attachment(
        f"statement-{_slug(customer)}-{as_of.isoformat()}.xlsx",
        _statement_xlsx(
            head,
            raw,
            totals,
            zh,
            [
                tables.company.get("seller_name", ""),
                "对账单 Statement of account" if zh else "Statement of account",
                f"{c.full_name} - {'截至' if zh else 'as of'} {as_of.isoformat()}",
            ],
        ),
        "application",
        "vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    blocks: list[Block] = [intro, (head, rows), ([], closing)]
    if bank:
        blocks += ["我司收款账户：" if zh else "Our bank details:", ([], bank)]
    return _draft(
        "statement",
        c,
        tables,
        subject,
        blocks,
        f"statement-{_slug(customer)}",
        [r[0] for r in rows],
        [xlsx],
    )


def _statement_xlsx(
    head: Sequence[str],
    rows: Sequence[Sequence[Any]],
    totals: dict[str, list[float]],
    zh: bool,
    title: Sequence[str] = (),
) -> bytes:
    """The statement as a small workbook (values, never formulas; text stays text).  The
    table starts at A1 so the buyer's accountant can sort and filter it; who, what and as
    of when (``title``) is the printed page header, so the PDF made from it says so."""
    import openpyxl
    import openpyxl.utils

    from gendan.model.sanitize import openpyxl_set_text

    wb = openpyxl.Workbook()
    ws = wb.worksheets[0]  # a new workbook: its one (active) sheet
    ws.title = "对账单" if zh else "Statement"
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    for j, h in enumerate(head, start=1):
        cell = ws.cell(row=1, column=j, value=h)
        cell.font = Font(name="Calibri", bold=True)
        cell.fill = PatternFill("solid", fgColor="D9E1F2")  # the HTML letter's header colour
        cell.border = Border(bottom=Side(style="thin"))
        cell.alignment = Alignment(
            horizontal="right" if j >= 5 else "center" if j in (3, 4) else "left"
        )
    for n, r in enumerate(rows, start=2):
        for j, v in enumerate(r, start=1):
            c = ws.cell(row=n, column=j)
            if isinstance(v, str):
                openpyxl_set_text(c, v)
            else:
                c.value = v
                if isinstance(v, float):
                    c.number_format = "#,##0.00"
                elif isinstance(v, dt.date):
                    c.number_format = "yyyy-mm-dd"
            if j in (3, 4):
                c.alignment = Alignment(horizontal="center")
    # widths that hold a contract no., a date and an amount in the millions: the PDF made
    # from this book prints what Excel shows, and a narrow column prints ###
    for j, width in enumerate((16, 18, 12, 9, 15, 15, 15), start=1):
        ws.column_dimensions[openpyxl.utils.get_column_letter(j)].width = width
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    # a new sheet has its page set-up properties, page header and footer (typed optional
    # because a sheet read from a file may lack them)
    fit, header, footer = ws.sheet_properties.pageSetUpPr, ws.oddHeader, ws.oddFooter
    assert fit is not None and header is not None and footer is not None
    fit.fitToPage = True
    ws.print_title_rows = "1:1"
    # left, centre, right of the page header: & starts a header code, so a name like
    # "Smith & Co" is written && to stay text; a line break would be saved as _x000a_
    parts = (header.left, header.center, header.right)
    for part, text in zip(parts, title, strict=False):
        if header_text(text):
            part.text = header_text(text).replace("&", "&&")[:80]
    footer.right.text = "&P / &N"
    n = len(rows) + 3
    for cur, t in sorted(totals.items()):
        openpyxl_set_text(ws.cell(row=n, column=1), "期末余额" if zh else "Closing balance")
        ws.cell(row=n, column=1).font = Font(name="Calibri", bold=True)
        openpyxl_set_text(ws.cell(row=n, column=4), cur)
        ws.cell(row=n, column=4).alignment = Alignment(horizontal="center")
        for j, v in zip((5, 6, 7), t, strict=True):
            ws.cell(row=n, column=j, value=round(v, 2)).number_format = "#,##0.00"
        n += 1
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# ----------------------------------------------------------------------------- selection


def _rows_of(tables: Tables, orders: Iterable[str]) -> list[tuple[Tables, int]]:
    """Each contract named, on whichever master sheet holds it (the first that does)."""
    subs = tables.each()
    out = []
    for no in orders:
        hit = next(
            ((t, i) for t in subs if (i := t.master.find("contract_no", no)) is not None), None
        )
        if hit is None:
            raise InputError(
                f"Contract {header_text(no)} is not in the master sheet.",
                f"合同 {header_text(no)} 不在工作序列表中。",
            )
        out.append(hit)
    return out


def make_drafts(
    tables: Tables,
    schema: Schema,
    as_of: dt.date,
    kind: str,
    *,
    orders: Sequence[str] = (),
    customer: str | None = None,
    due: bool = False,
) -> list[Draft]:
    """The drafts of ``kind`` for the orders named, a customer, or everything due
    (the to-do list's shipping-advice / dunning items; every customer with open items for
    a statement).  Every master sheet read is gone over, as by todo and overdue (a book
    kept one sheet per year has this year's orders on the second); ``--sheet`` chooses
    which are read.  Raises InputError when the selection gives no letter at all."""
    if kind not in KINDS:
        raise InputError(
            f"--kind must be one of {', '.join(KINDS)}.", f"--kind 只能是 {'、'.join(KINDS)}。"
        )
    subs = tables.each()
    lines = [r for t in subs for r in receivables_book(t, schema, as_of).open]
    if kind == "shipping-advice":
        rows: list[tuple[Tables, int]]
        if orders:
            rows = _rows_of(tables, orders)
        elif customer:
            want = norm(customer)
            rows = []
            for t in subs:
                m = t.master
                st = order_stages(m, schema, as_of)
                rows += [
                    (t, i)
                    for i in range(m.n)
                    if m.get("customer", i) is not None
                    and norm(str(m.get("customer", i))) == want
                    and st.stage[i] >= SHIPPED
                    and not st.settled[i]
                    and m.get("shipping_advice_date", i) is None
                ]
        else:
            from gendan.report.todo import todo_items

            by_sheet = {t.master.sheet: t for t in subs}
            found: dict[tuple[int, int], tuple[Tables, int]] = {}
            for item in todo_items(tables, schema, as_of):
                t_ = by_sheet.get(item.sheet)
                if item.kind != "shipping-advice" or not item.contract_no or t_ is None:
                    continue
                i_ = t_.master.find("contract_no", item.contract_no)
                if i_ is not None:
                    found[subs.index(t_), i_] = (t_, i_)
            rows = [found[k] for k in sorted(found)]
        drafts = [
            shipping_advice(t, i)
            for t, i in rows
            if (bl := t.master.get("bl_date", i)) is not None and bl <= as_of
        ]
        if not drafts and (orders or customer):
            raise InputError(
                "None of the selected orders is shipped (a B/L date on or before the as-of date), so "
                "there is no shipping advice to write.",
                "所选订单都还没有装船（提单日期不晚于基准日），无法写装船通知。",
            )
        return drafts
    if orders:
        names = [
            str(t.master.get("customer", i))
            for t, i in _rows_of(tables, orders)
            if t.master.get("customer", i)
        ]
    elif customer:
        names = [customer]
    elif kind == "dunning":
        from gendan.report.todo import todo_items

        names = [
            t.customer
            for t in todo_items(tables, schema, as_of)
            if t.kind == "dunning" and t.customer
        ]
    else:
        names = [r.customer for r in lines if r.customer]
    seen: dict[str, str] = {}
    for n in names:
        seen.setdefault(norm(n), n)
    out: list[Draft] = []
    for n in seen.values():
        d = (
            dunning(tables, lines, n)
            if kind == "dunning"
            else statement(tables, schema, as_of, n, lines)
        )
        if d is not None:
            out.append(d)
    if not out and (orders or customer):
        what = (
            ("nothing overdue", "没有逾期款项")
            if kind == "dunning"
            else ("no shipped open orders", "没有已发货未结案的订单")
        )
        raise InputError(
            f"The selected customer has {what[0]} on {as_of.isoformat()}, so there is no letter to write.",
            f"所选客户截至 {as_of.isoformat()} {what[1]}，无需写信。",
        )
    return out


def write_drafts(
    drafts: Sequence[Draft], out_dir: str | Path, inputs: Sequence[str | Path] = ()
) -> list[Path]:
    """Write each draft as ``<name>.eml`` in ``out_dir`` (created if missing), atomically,
    never onto an input file; names that collide get -2, -3 …"""
    from gendan.model.errors import OutputError
    from gendan.write.safe_write import atomic_write_bytes

    folder = Path(out_dir)
    if folder.exists() and not folder.is_dir():
        raise OutputError(
            f"--out {folder.name} is a file; give a folder for the .eml drafts.",
            f"--out {folder.name} 是文件；请给出存放 .eml 草稿的文件夹。",
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(
            f"Cannot create the folder {folder}: {exc.strerror or exc}.",
            f"无法创建文件夹 {folder}：{exc.strerror or exc}。",
        ) from None
    used: set[str] = set()
    paths = []
    for d in drafts:
        stem, k = d.name, 2
        while stem.lower() in used:
            stem, k = f"{d.name}-{k}", k + 1
        used.add(stem.lower())
        paths.append(atomic_write_bytes(folder / f"{stem}.eml", d.as_bytes(), inputs=list(inputs)))
    return paths
