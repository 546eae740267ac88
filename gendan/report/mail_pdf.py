"""PDF attachments for the e-mail drafts: the documents a letter speaks of, as the buyer
will print them.

Why PDFs and not the .xlsx sheets: the buyer's customs broker and bank want documents that
cannot be edited and look the same everywhere, and most buyers' mail clients preview a PDF.
Why through :mod:`gendan.office.render_pdf` (LibreOffice headless) and not a PDF library: the PDF
must be the very document sheet ``gendan docs`` writes - same layout, merges, wrapping,
A4 page setup - and the same CJK font check guards it (Chinese never prints as boxes).

- **shipping advice**: the order's shipping advice, commercial invoice and packing list
  (:data:`ADVICE_DOCUMENTS`, those the order's payment method has), built from the row as
  issued values (``gendan docs --issue``), never linked formulas;
- **statement of account**: the statement's .xlsx attachment, rendered as it is.

All the PDFs of one run come from one LibreOffice process per kind of source (starting it
costs about a second).  Where LibreOffice or a Chinese font is missing, the drafts are kept
without PDFs and a note (zh / en) says why: a letter the user can send with the documents
attached by hand is better than no letter.  An order whose buyer or goods the 客户 / 产品
sheets do not have gets no documents (an invoice with an empty buyer must not leave the
office), also with a note.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from gendan.model.errors import GendanError
from gendan.report.mail import Attachment, Draft, header_text

if TYPE_CHECKING:
    from gendan.documents.build import DocumentSheet
    from gendan.documents.layout import Layout
    from gendan.read.tables import Tables

__all__ = ["ADVICE_DOCUMENTS", "PdfAttachments", "attach_pdfs", "attachment_name"]

#: documents.yaml keys attached to a shipping advice e-mail, in this order: the advice
#: itself, then what the buyer's broker clears the goods with (issue 13).
ADVICE_DOCUMENTS = ("shipping_advice", "commercial_invoice", "packing_list")

_PDF = ("application", "pdf")


@dataclasses.dataclass(frozen=True)
class PdfAttachments:
    """The drafts with their PDFs attached, and what could not be attached and why."""

    drafts: list[Draft]
    notes: list[str]
    pdfs: int  # how many PDFs were attached in all


def attachment_name(title: str, number: str, suffix: str = ".pdf") -> str:
    """A file name for an attachment: the document's title and number, in the letter's
    language.  Chinese stays Chinese (the .eml carries it RFC 2231-encoded); characters a
    Windows file name cannot hold become ``_``."""
    stem = header_text(f"{title} {number}".strip())
    stem = re.sub(r'[<>:"/\\|?*]', "_", stem).strip(" .") or "document"
    return stem[:120] + suffix


def _why_not(exc: GendanError) -> str:
    return f"PDF 未附上：{exc.message_zh} / PDFs not attached: {exc.message_en}"


def attach_pdfs(
    drafts: Sequence[Draft], tables: Tables, layout: Layout | None = None
) -> PdfAttachments:
    """Each draft with the PDFs its letter refers to (see the module docstring); drafts
    of other kinds (dunning) are returned as they are."""
    from gendan.office.recalc import LibreOfficeMissing, find_soffice
    from gendan.office.render_pdf import CJKFontMissing, cjk_font_available

    drafts = list(drafts)
    wanted = [d for d in drafts if d.kind in ("shipping-advice", "statement")]
    if not wanted:
        return PdfAttachments(drafts, [], 0)
    if find_soffice() is None:
        return PdfAttachments(drafts, [_why_not(LibreOfficeMissing())], 0)
    if not cjk_font_available():
        return PdfAttachments(drafts, [_why_not(CJKFontMissing())], 0)
    notes: list[str] = []
    extra: dict[int, list[Attachment]] = {}
    try:
        for n, atts in _advice_pdfs(drafts, tables, layout, notes).items():
            extra.setdefault(n, []).extend(atts)
        for n, atts in _statement_pdfs(drafts).items():
            extra.setdefault(n, []).extend(atts)
    except GendanError as exc:  # LibreOffice failed or timed out: the letters still go
        return PdfAttachments(drafts, [*notes, _why_not(exc)], 0)
    out = [
        dataclasses.replace(d, attachments=(*d.attachments, *extra[n])) if n in extra else d
        for n, d in enumerate(drafts)
    ]
    return PdfAttachments(out, notes, sum(len(v) for v in extra.values()))


def _advice_pdfs(
    drafts: Sequence[Draft], tables: Tables, layout: Layout | None, notes: list[str]
) -> dict[int, list[Attachment]]:
    """The issued documents of each shipping advice draft's order, as PDFs; the order is
    looked for on every master sheet read (the first that holds it), as make_drafts does."""
    out: dict[int, list[Attachment]] = {}
    claimed: set[int] = set()
    for t in tables.each():
        rows: dict[int, int] = {}  # draft number → master row of this sheet
        for n, d in enumerate(drafts):
            if n not in claimed and d.kind == "shipping-advice" and d.contracts:
                i = t.master.find("contract_no", d.contracts[0])
                if i is not None:
                    rows[n] = i
        claimed |= set(rows)
        if rows:
            out.update(_advice_pdfs_of(drafts, t, rows, layout, notes))
    return out


def _advice_pdfs_of(
    drafts: Sequence[Draft],
    tables: Tables,
    rows: dict[int, int],
    layout: Layout | None,
    notes: list[str],
) -> dict[int, list[Attachment]]:
    """_advice_pdfs for the drafts whose orders are on ``tables.master`` (one sheet)."""
    from gendan.documents.build import ISSUED, contract_text
    from gendan.documents.gendocs import build_all, unresolved, write_pdfs
    from gendan.documents.layout import load_layout

    m = tables.master
    bad, refusal = unresolved(tables, sorted(set(rows.values())))
    if refusal is not None:
        notes.append(_why_not(refusal))
        rows = {n: i for n, i in rows.items() if i not in set(bad)}
    if not rows:
        return {}
    lay = layout or load_layout()
    built, _skipped = build_all(tables, sorted(set(rows.values())), lay, ISSUED, ADVICE_DOCUMENTS)
    order = {k: j for j, k in enumerate(ADVICE_DOCUMENTS)}
    built.sort(key=lambda s: (s.contract_no, order.get(s.doc.key, 99)))
    tmp = _scratch()
    try:
        pdfs = write_pdfs(built, tmp)
        by_contract: dict[str, list[tuple[DocumentSheet, bytes]]] = {}
        for sheet, pdf in zip(built, pdfs, strict=True):
            by_contract.setdefault(sheet.contract_no, []).append((sheet, pdf.read_bytes()))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    out: dict[int, list[Attachment]] = {}
    for n, i in rows.items():
        d = drafts[n]
        no = contract_text(m.get("contract_no", i))
        atts = []
        for sheet, data in by_contract.get(no, []):
            title = sheet.doc.title_zh if d.lang == "zh" else sheet.doc.title_en.title()
            atts.append(Attachment(attachment_name(title, no), data, *_PDF))
        if atts:
            out[n] = atts
    return out


def _statement_pdfs(drafts: Sequence[Draft]) -> dict[int, list[Attachment]]:
    """Each statement draft's .xlsx attachment rendered to PDF, named like it."""
    from gendan.office.render_pdf import render_pdfs

    books: list[tuple[int, str, bytes]] = [
        (n, a.filename, a.data)
        for n, d in enumerate(drafts)
        if d.kind == "statement"
        for a in d.attachments
        if a.filename.lower().endswith(".xlsx")
    ]
    if not books:
        return {}
    tmp = _scratch()
    try:
        paths = []
        for k, (_n, _name, data) in enumerate(books):
            p = tmp / "in" / f"statement-{k:04d}.xlsx"  # unique, ASCII: LibreOffice's own names
            p.parent.mkdir(exist_ok=True)
            p.write_bytes(data)
            paths.append(p)
        pdfs = render_pdfs(paths, tmp / "out")
        out: dict[int, list[Attachment]] = {}
        for (n, name, _data), pdf in zip(books, pdfs, strict=True):
            out.setdefault(n, []).append(
                Attachment(name[: -len(".xlsx")] + ".pdf", pdf.read_bytes(), *_PDF)
            )
        return out
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _scratch() -> Path:
    from gendan.office.render_pdf import scratch_dir

    return scratch_dir()
