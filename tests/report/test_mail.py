"""gendan mail: every .eml parses back into the right headers, a text and an HTML part (and
the attachments); Chinese subjects round-trip through RFC 2047; cell text is escaped in
HTML and cannot inject headers; dunning follows the level; statements balance."""

from __future__ import annotations

import datetime as dt
import io
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from factory import CUSTOMERS, active_sheet, clean_order, make_data, write_xlsx

from gendan.book.sample import AS_OF, build_sample
from gendan.cli import main
from gendan.model.errors import InputError
from gendan.model.schema import load_schema
from gendan.office.recalc import find_soffice
from gendan.office.render_pdf import cjk_font_available
from gendan.read.tables import load_tables
from gendan.report.mail import addresses, header_text, make_drafts, write_drafts

D = dt.date
SCHEMA = load_schema()
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = find_soffice() is not None and cjk_font_available()  # else drafts come without PDFs
COMPANY = {
    "seller_name": "ACME Fresh Fruit Co., Ltd.",
    "seller_name_zh": "烟台艾克美果业有限公司",
    "email": "export@acme.example.cn",
    "bank_name": "Bank of China, Yantai Branch",
    "account_no": "2378 0512 3456 7890",
    "swift": "BKCHCNBJ51A",
    "signature": "ZHANG WEI",
}
ZH_CUSTOMER = dict(
    CUSTOMERS[0],
    language="zh",
    contact="王先生",
    email="wang@segar.example.id",
    cc="ops@segar.example.id; acct@segar.example.id",
)


def parse(data: bytes) -> EmailMessage:
    msg = BytesParser(policy=policy.default).parsebytes(data)
    assert isinstance(msg, EmailMessage)
    return msg


def parts(msg: EmailMessage) -> tuple[str, str]:
    text, html = msg.get_body(("plain",)), msg.get_body(("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()


def tables_for(orders: list[dict[str, Any]], customers: Any = None) -> Any:
    return load_tables(
        make_data(orders, customers=customers or [ZH_CUSTOMER, CUSTOMERS[1]], company=COMPANY),
        SCHEMA,
    )


def advice_order(**kw: Any) -> dict[str, Any]:
    return clean_order(
        1,
        container_nos="CSQU3054383 / TRIU8812345",
        containers=2,
        dispatch_method="DHL",
        tracking_no="1234567890",
        payment_terms="T/T 30% deposit, 70% against B/L copy",
        collecting_bank=None,
        eta=D(2026, 4, 5),
        **kw,
    )


def test_shipping_advice_in_chinese_round_trips() -> None:
    tables = tables_for([advice_order()])
    (d,) = make_drafts(tables, SCHEMA, D(2026, 3, 27), "shipping-advice", orders=["GD26-001"])
    raw = d.as_bytes()
    head = raw.split(b"\n\n", 1)[0]
    assert b"=?utf-8?" in head.lower() and "装船".encode() not in head  # RFC 2047, not raw UTF-8
    msg = parse(raw)
    assert msg["Subject"] == "装船通知 合同 GD26-001 提单 QDJKT260001 WAN HAI 302 V.N123"
    assert msg["To"].addresses[0].addr_spec == "wang@segar.example.id"
    assert msg["To"].addresses[0].display_name == "王先生"
    assert [a.addr_spec for a in msg["Cc"].addresses] == [
        "ops@segar.example.id",
        "acct@segar.example.id",
    ]
    assert msg["From"].addresses[0].addr_spec == "export@acme.example.cn"
    assert msg["X-Unsent"] == "1" and msg.get_content_type() == "multipart/alternative"
    text, html = parts(msg)
    for want in (
        "WAN HAI 302 V.N123",
        "QDJKT260001",
        "2026-03-20",
        "2026-04-05",
        "CSQU3054383 / TRIU8812345",
        "1,100",
        "19,800.00",
        "21,340.00",
        "DHL",
        "1234567890",
        "王先生，您好",
    ):
        assert want in text and want in html, want
    assert "此致" in text and html.startswith("<!DOCTYPE html>") and 'lang="zh-CN"' in html


def test_shipping_advice_in_english_and_not_for_unshipped() -> None:
    customers = [dict(CUSTOMERS[0], email="budi@segar.example.id", contact="Budi"), CUSTOMERS[1]]
    tables = tables_for(
        [
            advice_order(docs_sent_date=None),
            clean_order(2, bl_date=None, bl_no=None, vessel_voyage=None, status="生产中"),
        ],
        customers,
    )
    drafts = make_drafts(
        tables, SCHEMA, D(2026, 3, 22), "shipping-advice", orders=["GD26-001", "GD26-002"]
    )
    assert [d.contracts for d in drafts] == [("GD26-001",)]  # the unshipped one has no advice
    msg = parse(drafts[0].as_bytes())
    assert msg["Subject"].startswith("Shipping advice - contract GD26-001")
    text, _ = parts(msg)
    assert "Dear Budi," in text and "waybill number as soon as" in text
    with pytest.raises(InputError):
        make_drafts(tables, SCHEMA, D(2026, 3, 22), "shipping-advice", orders=["GD26-002"])
    with pytest.raises(InputError):
        make_drafts(tables, SCHEMA, D(2026, 3, 22), "shipping-advice", orders=["NO-SUCH"])


def test_cell_text_is_escaped_in_html_and_cannot_inject_headers() -> None:
    evil = dict(
        ZH_CUSTOMER,
        contact="<b>Boss</b>\r\nBcc: spy@evil.example",
        email="wang@segar.example.id\r\nBcc:",
    )
    order = advice_order(
        product="<script>alert(1)</script>", vessel_voyage="MSC & <i>ANNA</i>\r\nBcc: x@y.z"
    )
    (d,) = make_drafts(
        tables_for([order], [evil, CUSTOMERS[1]]),
        SCHEMA,
        D(2026, 3, 27),
        "shipping-advice",
        orders=["GD26-001"],
    )
    msg = parse(d.as_bytes())
    assert msg["Bcc"] is None and len(msg.get_all("Subject") or []) == 1
    assert "\n" not in msg["Subject"] and "Bcc: x@y.z" in msg["Subject"]  # kept as text, one line
    assert [a.addr_spec for a in msg["To"].addresses] == ["wang@segar.example.id"]
    _, html = parts(msg)
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<i>ANNA</i>" not in html and "MSC &amp; &lt;i&gt;ANNA&lt;/i&gt;" in html
    assert "<b>Boss</b>" not in html
    assert any("Bcc:" in n for n in d.notes)  # the rejected part is reported


def test_addresses_and_header_text() -> None:
    assert addresses("a@b.com; c@d.org, e@f.net\nfoo") == (
        ["a@b.com", "c@d.org", "e@f.net"],
        ["foo"],
    )
    assert addresses(None) == ([], [])
    assert header_text("a\r\nb\x00\tc\u202e") == "a b c"


def _oa(n: int, due: dt.date, **kw: Any) -> dict[str, Any]:
    bl = due - dt.timedelta(days=30)
    return clean_order(
        n,
        payment_terms="O/A 30 days",
        bl_date=bl,
        etd=bl,
        docs_sent_date=bl + dt.timedelta(days=2),
        dispatch_method="DHL",
        tracking_no="1234567890",
        collecting_bank=None,
        **kw,
    )


@pytest.mark.parametrize(
    "late,subject,words",
    [
        (5, "付款提醒", "友情提醒"),
        (20, "逾期付款催告", "7 日内付款"),
        (40, "最后付款通知", "最后通知"),
    ],
)
def test_dunning_follows_the_level(late: int, subject: str, words: str) -> None:
    as_of = D(2026, 6, 1)
    orders = [
        _oa(1, as_of - dt.timedelta(days=late)),
        _oa(2, as_of + dt.timedelta(days=10)),
        _oa(3, as_of - dt.timedelta(days=100), received_amount=25850.0, status="已收款"),
    ]
    (d,) = make_drafts(tables_for(orders), SCHEMA, as_of, "dunning", customer="PT SEGAR")
    msg = parse(d.as_bytes())
    assert msg["Subject"].startswith(subject)
    text, html = parts(msg)
    assert words in text and words in html
    assert (
        "GD26-001" in text and "GD26-002" in text and "GD26-003" not in text
    )  # every open line, not paid ones
    assert "USD 未收 51,700.00，其中逾期 25,850.00" in text
    for bank in ("Bank of China, Yantai Branch", "2378 0512 3456 7890", "BKCHCNBJ51A"):
        assert bank in text and bank in html


def test_dunning_for_a_customer_with_nothing_overdue_is_refused() -> None:
    tables = tables_for([_oa(1, D(2026, 6, 10))])
    with pytest.raises(InputError):
        make_drafts(tables, SCHEMA, D(2026, 6, 1), "dunning", customer="PT SEGAR")


def test_statement_of_account_balances_and_attaches_xlsx() -> None:
    as_of = D(2026, 6, 1)
    orders = [
        _oa(1, D(2026, 5, 1), received_amount=10000.0),
        _oa(2, D(2026, 6, 20)),
        _oa(3, D(2026, 4, 1), received_amount=25850.0, status="已收款"),
        _oa(4, D(2026, 3, 1), status="已结案"),  # closed: not on the statement
        clean_order(
            5, bl_date=None, bl_no=None, vessel_voyage=None, docs_sent_date=None, status="生产中"
        ),
    ]
    (d,) = make_drafts(tables_for(orders), SCHEMA, as_of, "statement", customer="PT SEGAR")
    assert d.contracts == ("GD26-001", "GD26-002", "GD26-003")
    msg = parse(d.as_bytes())
    assert msg.get_content_type() == "multipart/mixed"
    text, html = parts(msg)
    assert "期末余额 USD: 41,700.00" in text and "41,700.00" in html  # 15,850 + 25,850 + 0
    (att,) = list(msg.iter_attachments())
    assert att.get_filename() == "statement-PT_SEGAR-2026-06-01.xlsx"
    ws = active_sheet(openpyxl.load_workbook(io.BytesIO(att.get_content())))
    assert [ws.cell(row=r, column=1).value for r in (2, 3, 4)] == [
        "GD26-001",
        "GD26-002",
        "GD26-003",
    ]
    assert [ws.cell(row=r, column=7).value for r in (2, 3, 4)] == [15850.0, 25850.0, 0.0]
    assert ws.cell(row=6, column=7).value == 41700.0


# ----------------------------------------------------------------------------- CLI


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("mail") / "sample.xlsx"
    build_sample(path)
    return path


@pytest.mark.parametrize("kind", ["shipping-advice", "dunning", "statement"])
def test_every_draft_of_the_sample_parses(kind: str, sample: Path, tmp_path: Path) -> None:
    out = tmp_path / "drafts"
    before = sample.read_bytes()
    assert (
        main(
            [
                "mail",
                str(sample),
                "--kind",
                kind,
                "--due",
                "--as-of",
                AS_OF.isoformat(),
                "--out",
                str(out),
            ]
        )
        == 0
    )
    files = sorted(out.glob("*.eml"))
    assert files and all(f.name.startswith(kind) for f in files)
    for f in files:
        msg = parse(f.read_bytes())
        assert msg["Subject"] and msg["To"] and msg["From"] and msg["X-Unsent"] == "1"
        text, html = parts(msg)
        assert "Best regards," in text and "</html>" in html
        for no in (
            (msg["Subject"].split("contract ")[1].split(",")[0],)
            if kind == "shipping-advice"
            else ()
        ):
            assert no in text and no in html
        types = [a.get_content_type() for a in msg.iter_attachments()]
        want = {
            "shipping-advice": ["application/pdf"] * 3 if PDF else [],
            "dunning": [],
            "statement": [XLSX, "application/pdf"] if PDF else [XLSX],
        }[kind]
        assert types == want, (f.name, types)
    assert sample.read_bytes() == before  # the book is only read


def test_no_pdf_leaves_the_documents_out(sample: Path, tmp_path: Path) -> None:
    out = tmp_path / "d"
    args = ["mail", str(sample), "--kind", "statement", "--customer", "PT SEGAR"]
    assert main([*args, "--as-of", AS_OF.isoformat(), "--out", str(out), "--no-pdf"]) == 0
    (f,) = out.glob("*.eml")
    msg = parse(f.read_bytes())
    assert [a.get_content_type() for a in msg.iter_attachments()] == [XLSX]


def test_mail_bad_input_exits_2(
    sample: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = str(tmp_path / "d")
    bad = [
        ["--kind", "letter", "--due", "--out", out],
        ["--kind", "dunning", "--out", out],
        ["--kind", "dunning", "--due", "--customer", "PT SEGAR", "--out", out],
        ["--kind", "dunning", "--due"],
        ["--kind", "shipping-advice", "--order", "NO-SUCH", "--out", out],
        [
            "--kind",
            "dunning",
            "--customer",
            "VINAFRUIT",
            "--out",
            out,
            "--as-of",
            AS_OF.isoformat(),
        ],
    ]
    for extra in bad:
        assert main(["mail", str(sample), *extra]) == 2, extra
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 2 and any("\u4e00" <= ch <= "\u9fff" for ch in err[0]), (extra, err)
    afile = tmp_path / "file.txt"
    afile.write_text("x")
    assert main(["mail", str(sample), "--kind", "statement", "--due", "--out", str(afile)]) == 2
    assert (
        main(["mail", str(tmp_path / "nope.xlsx"), "--kind", "statement", "--due", "--out", out])
        == 2
    )


def test_write_drafts_never_overwrites_the_input_and_numbers_collisions(tmp_path: Path) -> None:
    book = write_xlsx(
        make_data([advice_order()], customers=[ZH_CUSTOMER, CUSTOMERS[1]], company=COMPANY),
        tmp_path / "book.xlsx",
    )
    tables = load_tables(
        make_data([advice_order()], customers=[ZH_CUSTOMER, CUSTOMERS[1]], company=COMPANY), SCHEMA
    )
    (d,) = make_drafts(tables, SCHEMA, D(2026, 3, 27), "shipping-advice", orders=["GD26-001"])
    paths = write_drafts([d, d], tmp_path / "out", inputs=[book])
    assert [p.name for p in paths] == [
        "shipping-advice-GD26-001.eml",
        "shipping-advice-GD26-001-2.eml",
    ]
    clash = type(d)(**{**d.__dict__, "name": "book"})  # a draft whose file would be …/book.eml
    assert write_drafts([clash], tmp_path, inputs=[book])[0].name == "book.eml"


def test_mail_notes_keep_terminal_escapes_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A customer name is untrusted text: the note naming it (no e-mail on 客户) must not
    reach the terminal as escape sequences. ``_x001B_`` is how a package stores ESC;
    openpyxl writes it through as text and the reader decodes it."""
    evil = "_x001B_]8;;http://evil.example_x0007_X_x001B_[2J"
    customers = [dict(CUSTOMERS[0], customer=evil, email=""), CUSTOMERS[1]]
    book = write_xlsx(
        make_data([clean_order(1, customer=evil)], customers=customers), tmp_path / "e.xlsx"
    )
    out = tmp_path / "d"
    args = ["mail", str(book), "--kind", "dunning", "--due", "--out", str(out), "--no-pdf"]
    assert main([*args, "--as-of", "2026-12-01"]) == 0
    err = capsys.readouterr().err
    assert "evil.example" in err  # the note is there ...
    assert "\x1b" not in err and "\x07" not in err  # ... as data, not as terminal control


def _two_year_book() -> Any:
    """A book kept one master sheet per year: OLD-001 on 2025年, NEW-002 on 2026年."""
    from gendan.model.grid import SheetGrid, WorkbookData

    old = make_data([clean_order(1, contract_no="OLD-001")])
    new = make_data([clean_order(2, contract_no="NEW-002")])
    grids = (
        SheetGrid(name="2025年", rows=old.sheets[0].rows),
        SheetGrid(name="2026年", rows=new.sheets[0].rows),
        *new.sheets[1:],
    )
    return WorkbookData(sheets=grids, path="<memory>")


@pytest.mark.parametrize("kind", ["statement", "dunning", "shipping-advice"])
def test_mail_covers_every_master_sheet(kind: str) -> None:
    """A book kept one sheet per year: this year's orders are on the second sheet, and the
    letters must speak of them too (they used to read the first master sheet only)."""
    tables = load_tables(_two_year_book(), SCHEMA)
    assert len(tables.masters) == 2
    as_of = D(2026, 12, 1)
    drafts = make_drafts(tables, SCHEMA, as_of, kind, due=True)
    text = " ".join(c for d in drafts for c in d.contracts)
    if kind != "shipping-advice":  # the due advice may be long sent; name the orders instead
        assert "OLD-001" in text and "NEW-002" in text, (kind, text)
    named = make_drafts(tables, SCHEMA, as_of, kind, orders=["NEW-002", "OLD-001"])
    got = {c for d in named for c in d.contracts}
    assert {"OLD-001", "NEW-002"} <= got, (kind, got)
