"""The e-mail drafts' PDF attachments: parsed back from the .eml, each is a PDF whose text
(pdftotext) holds the order's figures; Chinese file names travel RFC 2231-encoded; without
LibreOffice the drafts still come, with a note and no PDF; the HTML body keeps cell text as
data (script tags and quotes escaped)."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import pytest
from factory import CUSTOMERS
from test_mail import SCHEMA, ZH_CUSTOMER, _oa, advice_order, tables_for

import gendan.office.recalc
from gendan.office.recalc import find_soffice
from gendan.office.render_pdf import cjk_font_available
from gendan.report.mail import make_drafts
from gendan.report.mail_pdf import ADVICE_DOCUMENTS, attach_pdfs, attachment_name

D = dt.date

needs_pdf = pytest.mark.skipif(
    find_soffice() is None or shutil.which("pdftotext") is None or not cjk_font_available(),
    reason="needs LibreOffice, pdftotext and a CJK font",
)


def parse(data: bytes) -> EmailMessage:
    msg = BytesParser(policy=policy.default).parsebytes(data)
    assert isinstance(msg, EmailMessage)
    return msg


def pdf_text(data: bytes, tmp_path: Path, name: str) -> str:
    assert data.startswith(b"%PDF-")
    p = tmp_path / f"{name}.pdf"
    p.write_bytes(data)
    out = subprocess.run(
        ["pdftotext", "-layout", str(p), "-"], capture_output=True, text=True, check=True
    )
    return out.stdout


@needs_pdf
def test_shipping_advice_carries_the_documents_as_pdfs(tmp_path: Path) -> None:
    order = advice_order()
    tables = tables_for([order])
    drafts = make_drafts(tables, SCHEMA, D(2026, 3, 27), "shipping-advice", orders=["GD26-001"])
    result = attach_pdfs(drafts, tables)
    assert result.notes == [] and result.pdfs == 3
    raw = result.drafts[0].as_bytes()
    # RFC 2231: the Chinese file name is percent-encoded UTF-8, never raw bytes in a header
    assert b"filename*=utf-8''%E8%A3%85%E8%88%B9%E9%80%9A%E7%9F%A5" in raw
    msg = parse(raw)
    assert msg.get_content_type() == "multipart/mixed"
    assert msg.get_body(("plain",)) is not None and msg.get_body(("html",)) is not None
    atts = list(msg.iter_attachments())
    assert [a.get_filename() for a in atts] == [
        "装船通知 GD26-001.pdf",
        "商业发票 GD26-001.pdf",
        "装箱单 GD26-001.pdf",
    ]
    assert all(a.get_content_type() == "application/pdf" for a in atts)
    texts = [pdf_text(a.get_content(), tmp_path, str(n)) for n, a in enumerate(atts)]
    advice, invoice, packing = texts
    for t in texts:
        assert "GD26-001" in t
    assert "QDJKT260001" in advice and "WAN HAI 302" in advice and "装船通知" in advice
    amount = f"{order['cartons'] * order['unit_price']:,.2f}"  # 1,100 x 23.50
    assert amount in invoice and "INV26-001" in invoice and "商业发票" in invoice
    assert "21,340.00" in packing and "1,100" in packing  # gross weight, cartons


@needs_pdf
def test_statement_gets_a_pdf_of_its_xlsx_and_english_names(tmp_path: Path) -> None:
    customers = [dict(CUSTOMERS[0], email="budi@segar.example.id", contact="Budi"), CUSTOMERS[1]]
    orders = [_oa(1, D(2026, 5, 1), received_amount=10000.0), _oa(2, D(2026, 6, 20))]
    tables = tables_for(orders, customers)
    drafts = make_drafts(tables, SCHEMA, D(2026, 6, 1), "statement", customer="PT SEGAR")
    result = attach_pdfs(drafts, tables)
    msg = parse(result.drafts[0].as_bytes())
    names = [a.get_filename() for a in msg.iter_attachments()]
    assert names == ["statement-PT_SEGAR-2026-06-01.xlsx", "statement-PT_SEGAR-2026-06-01.pdf"]
    pdf = list(msg.iter_attachments())[1]
    text = pdf_text(pdf.get_content(), tmp_path, "st")
    assert "GD26-001" in text and "GD26-002" in text
    assert "15,850.00" in text and "41,700.00" in text and "###" not in text  # open, balance
    # the printed page says whose statement it is, of when, and what the last line is
    assert "Statement of account" in text and "as of 2026-06-01" in text
    assert "ACME Fresh Fruit Co., Ltd." in text and "Closing balance" in text
    # the English letter's documents are named in English
    adv = attach_pdfs(
        make_drafts(tables, SCHEMA, D(2026, 6, 1), "shipping-advice", orders=["GD26-001"]), tables
    )
    assert [a.filename for a in adv.drafts[0].attachments][0] == "Shipping Advice GD26-001.pdf"


def test_without_libreoffice_the_drafts_come_without_pdfs_and_a_note(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(gendan.office.recalc, "find_soffice", lambda: None)
    tables = tables_for([advice_order()])
    drafts = make_drafts(tables, SCHEMA, D(2026, 3, 27), "shipping-advice", orders=["GD26-001"])
    result = attach_pdfs(drafts, tables)
    assert result.drafts == drafts and result.pdfs == 0
    (note,) = result.notes
    assert note.startswith("PDF 未附上：") and "LibreOffice" in note


def test_dunning_needs_no_pdf_and_starts_no_libreoffice(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom() -> None:
        raise AssertionError("LibreOffice looked up for a dunning letter")

    monkeypatch.setattr(gendan.office.recalc, "find_soffice", boom)
    tables = tables_for([_oa(1, D(2026, 5, 1))])
    drafts = make_drafts(tables, SCHEMA, D(2026, 6, 1), "dunning", customer="PT SEGAR")
    assert attach_pdfs(drafts, tables).drafts == drafts


@needs_pdf
def test_an_order_whose_goods_are_unknown_gets_no_documents_but_a_note() -> None:
    tables = tables_for([advice_order(product="Dragon Fruit")])  # not on the 产品 sheet
    drafts = make_drafts(tables, SCHEMA, D(2026, 3, 27), "shipping-advice", orders=["GD26-001"])
    result = attach_pdfs(drafts, tables)
    assert result.pdfs == 0 and result.drafts[0].attachments == ()
    assert any("Dragon Fruit" in n for n in result.notes)


def test_attachment_names() -> None:
    assert attachment_name("装船通知", "GD26/001") == "装船通知 GD26_001.pdf"
    assert attachment_name("Invoice", 'a<b>:"c"\r\n') == "Invoice a_b___c_.pdf"
    assert ADVICE_DOCUMENTS[0] == "shipping_advice"


def test_cell_text_with_script_and_quotes_stays_data_in_html() -> None:
    evil = '<script>alert("x")</script> O\'Neil "Fresh" & Co'
    order: dict[str, Any] = advice_order(product=evil, vessel_voyage='" onload="alert(1)')
    (d,) = make_drafts(
        tables_for([order], [dict(ZH_CUSTOMER, contact='"王"<img src=x>'), CUSTOMERS[1]]),
        SCHEMA,
        D(2026, 3, 27),
        "shipping-advice",
        orders=["GD26-001"],
    )
    html = parse(d.as_bytes()).get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "<script" not in html and "<img" not in html and 'onload="' not in html
    assert (
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; O&#x27;Neil &quot;Fresh&quot; &amp; Co"
        in html
    )
    assert "&quot; onload=&quot;alert(1)" in html
    assert html.count("<script") == 0 and html.count("<p>") >= 3  # the letter's own markup stays


_CHROMIUM = (
    shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
)


@pytest.mark.skipif(_CHROMIUM is None, reason="needs headless Chromium")
def test_a_browser_runs_no_script_from_a_cell(tmp_path: Path) -> None:
    """The HTML part opened in a real browser: a cell's <script> and quotes are text on the
    page, the letter is all there (escaping removed, the script would empty the body)."""
    attack = "<script>document.body.innerHTML='PWNED'</script>\"'><img src=x onerror=alert(1)>"
    (d,) = make_drafts(
        tables_for([advice_order(product=attack)]),
        SCHEMA,
        D(2026, 3, 27),
        "shipping-advice",
        orders=["GD26-001"],
    )
    body = parse(d.as_bytes()).get_body(("html",))
    assert body is not None
    page = tmp_path / "mail.html"
    page.write_text(body.get_content(), encoding="utf-8")
    dom = subprocess.run(
        [str(_CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu",
         f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120, check=True,
    ).stdout  # fmt: skip
    assert "QDJKT260001" in dom and "王先生，您好" in dom and "此致" in dom
    assert "<script>" not in dom and "<img" not in dom
    assert "&lt;script&gt;document.body.innerHTML='PWNED'&lt;/script&gt;" in dom
