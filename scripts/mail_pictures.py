"""Render e-mail drafts of the sample as the reader sees them, for the README and docs/img:

    python scripts/mail_pictures.py [OUT_DIR]      (default docs/img)

Each picture is the HTML part of a real .eml that ``gendan mail`` writes for the sample
(parsed back from its bytes, so the picture shows what travels), drawn by headless
Chromium - the engine of Outlook on the web, Gmail's and Thunderbird's nearest kin - with a
header strip (From, To, Subject, attachments) added the way a mail client shows it.  The
strip's text is escaped like the letter's.

- ``mail-shipping-advice-en.png``: the shipping advice to an English-speaking buyer, with
  its three PDFs;
- ``mail-dunning-zh.png``: a dunning letter in Chinese (the sample's customers write
  English, so this one customer's 语言 is set to zh in memory; the book is not changed).

Needs chromium (Debian: ``apt-get install --no-install-recommends chromium``) and a font
with Chinese glyphs (fonts-noto-cjk); PDFs need LibreOffice, else the strip lists none.
"""

from __future__ import annotations

import html
import shutil
import subprocess
import sys
import tempfile
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

from gendan.book.sample import AS_OF, build_sample
from gendan.report.mail import Draft, make_drafts
from gendan.report.mail_pdf import attach_pdfs
from gendan.rules.engine import load_book

WIDTH = 860


def chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def page(msg: EmailMessage) -> str:
    """The letter's HTML with a mail client's header strip in front of it."""
    body = msg.get_body(("html",))
    assert body is not None
    letter = body.get_content()
    names = [a.get_filename() or "" for a in msg.iter_attachments()]
    rows = [
        ("From", str(msg["From"] or "")),
        ("To", str(msg["To"] or "")),
        ("Cc", str(msg["Cc"] or "")),
        ("Subject", str(msg["Subject"] or "")),
        ("Attachments", "  |  ".join(names)),
    ]
    strip = (
        "<div style=\"font-family:Arial,'Noto Sans CJK SC',sans-serif;font-size:13px;"
        'background:#f3f3f3;border-bottom:1px solid #ccc;padding:10px 14px;margin:-8px -8px 14px">'
        + "".join(
            f'<div><b style="display:inline-block;width:92px;color:#555">{html.escape(k)}</b>'
            f"{html.escape(v)}</div>"
            for k, v in rows
            if v
        )
        + "</div>"
    )
    at = letter.index(">", letter.index("<body")) + 1
    return letter[:at] + strip + letter[at:]


def shoot(html_text: str, png: Path, browser: str) -> Path:
    """One PNG of the page, WIDTH wide, cut below the last line."""
    from PIL import Image, ImageChops

    work = Path(tempfile.mkdtemp(prefix="gendan-mailpic-"))
    try:
        src = work / "mail.html"
        src.write_text(html_text, encoding="utf-8")
        subprocess.run(
            [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
             "--force-device-scale-factor=1", f"--window-size={WIDTH},2400",
             f"--user-data-dir={work / 'profile'}", f"--screenshot={png}", src.as_uri()],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
    finally:
        shutil.rmtree(work, ignore_errors=True)
    img = Image.open(png).convert("RGB")
    box = ImageChops.difference(img, Image.new("RGB", img.size, "white")).getbbox()
    if box:
        img = img.crop((0, 0, img.width, min(box[3] + 16, img.height)))
    img.quantize(colors=128).save(png, optimize=True)
    return png


def _zh(tables: object, customer: str, contact: str) -> None:
    c = tables.customers  # type: ignore[attr-defined]
    i = c.find("customer", customer)
    c.values["language"][i] = "zh"
    c.values["contact"][i] = contact


def drafts(work: Path) -> dict[str, Draft]:
    sample = work / "sample.xlsx"
    build_sample(sample)
    tables, schema = load_book(sample)
    _zh(tables, "MY HARVEST", "陈先生")
    advice = make_drafts(tables, schema, AS_OF, "shipping-advice", due=True)[:1]
    dunning = make_drafts(tables, schema, AS_OF, "dunning", customer="MY HARVEST")
    advice = attach_pdfs(advice, tables).drafts
    return {"mail-shipping-advice-en.png": advice[0], "mail-dunning-zh.png": dunning[0]}


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    dest = Path(args[0]) if args else Path(__file__).resolve().parent.parent / "docs" / "img"
    dest.mkdir(parents=True, exist_ok=True)
    browser = chromium()
    if browser is None:
        print("chromium not found (apt-get install chromium)", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="gendan-mail-"))
    try:
        for name, d in drafts(work).items():
            msg = BytesParser(policy=policy.default).parsebytes(d.as_bytes())
            assert isinstance(msg, EmailMessage)
            print(shoot(page(msg), dest / name, browser))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
