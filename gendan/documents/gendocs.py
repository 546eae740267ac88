"""``gendan docs``: a copy of the master workbook plus one document sheet per order and
document, linked (draft) or frozen (issued); optionally PDFs.

The output is a NEW file — the input is never written.  It is the input workbook loaded by
openpyxl with the document sheets added, so the drafts' INDEX/MATCH formulas point at the
master sheet in the same workbook.  The cost of that copy grows with the master (openpyxl
loads and re-saves every cell; see docs/documents.md for measurements), which is why the
plans are built from the fast calamine read and openpyxl is touched once, at the end.

PDFs are rendered from small one-document workbooks holding values (the Python values the
issued form would hold, identical to what the linked formulas compute), so LibreOffice
need not load, recalculate or print the master.
"""

from __future__ import annotations

import datetime as dt
import shutil
import time
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from gendan.documents.build import DRAFT, ISSUED, DocumentSheet, Order, build_document
from gendan.documents.layout import Layout, load_layout
from gendan.model.errors import InputError, OutputError
from gendan.model.normalize import clean_text, norm
from gendan.model.schema import Schema, load_schema
from gendan.ooxml import Unsupported

if TYPE_CHECKING:
    from gendan.read.tables import Tables

_OPENPYXL_INPUTS = (".xlsx", ".xlsm")


@dataclass
class GenerateResult:
    """What ``generate`` wrote."""

    out: Path
    sheets: list[str] = field(default_factory=list)
    orders: list[str] = field(default_factory=list)
    pdfs: list[Path] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (contract_no, doc key)
    status: str = DRAFT
    seconds: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    #: orders whose documents were refused (buyer or product not found; with --all only)
    refused: list[InputError] = field(default_factory=list)
    method: str = "openpyxl"  # graft: parts added to a copy of the package; openpyxl: load + save

    def summary(self, lang: str = "zh") -> str:
        n_docs, n_orders = len(self.sheets), len(self.orders)
        secs = sum(self.seconds.values())
        if lang == "zh":
            kind = "已出具（数值已冻结）" if self.status == ISSUED else "草稿（公式链接工作序列表）"
            text = (
                f"已为 {n_orders} 个订单生成 {n_docs} 张单据，{kind}：{self.out}（{secs:.1f} 秒）"
            )
            if self.pdfs:
                text += f"\nPDF {len(self.pdfs)} 个：{self.pdfs[0].parent}"
        else:
            kind = (
                "issued (values frozen)"
                if self.status == ISSUED
                else "drafts (formulas linked to the master)"
            )
            orders = "order" if n_orders == 1 else "orders"
            text = f"{n_docs} document sheets for {n_orders} {orders}, {kind}: {self.out} ({secs:.1f} s)"
            if self.pdfs:
                text += f"\n{len(self.pdfs)} PDFs in {self.pdfs[0].parent}"
        for note in self.notes:
            text += "\n" + note
        return text

    def __str__(self) -> str:
        return self.summary("en")


def contract_index(tables: object) -> dict[str, int]:
    """normalised contract number → first master row index (one pass, not one per order)."""
    from gendan.read.tables import Tables

    assert isinstance(tables, Tables)
    index: dict[str, int] = {}
    for i, v in enumerate(tables.master.column("contract_no")):
        if v not in (None, ""):
            index.setdefault(norm(v), i)
    return index


def select_orders(tables: object, orders: Sequence[str] | None, all: bool) -> list[int]:
    """Master row indexes of the orders asked for; an unknown contract number stops the run
    (exit 2) rather than silently producing fewer documents than asked."""
    from gendan.read.tables import Tables

    assert isinstance(tables, Tables)
    master = tables.master
    if all:
        return [i for i in range(master.n) if clean_text(master.get("contract_no", i))]
    out: list[int] = []
    unknown: list[str] = []
    index = contract_index(tables)
    for no in orders or ():
        i = index.get(norm(clean_text(no)))
        if i is None:
            unknown.append(str(no))
        elif i not in out:
            out.append(i)
    if unknown:
        names = ", ".join(unknown)
        raise InputError(
            f"Contract {names} is not in the master sheet {master.sheet}.",
            f"工作表「{master.sheet}」中没有合同号 {names}。",
        )
    return out


def select_in_masters(
    tables: object, orders: Sequence[str] | None, all: bool
) -> list[tuple[Tables, list[int]]]:
    """Per master sheet (a book may keep one per year), the Tables and row indexes of the
    orders asked for; a contract number no master holds stops the run (exit 2)."""
    from gendan.read.tables import Tables

    assert isinstance(tables, Tables)
    subs = tables.each()
    if len(subs) == 1:
        return [(tables, select_orders(tables, orders, all))]
    if all:
        return [(t, select_orders(t, None, True)) for t in subs]
    wanted = [norm(clean_text(no)) for no in orders or ()]
    out: list[tuple[Tables, list[int]]] = []
    found: set[str] = set()
    for t in subs:
        index = contract_index(t)
        mine = [
            no for no, k in zip(orders or (), wanted, strict=True) if k in index and k not in found
        ]
        found.update(norm(clean_text(no)) for no in mine)
        if mine:
            out.append((t, select_orders(t, mine, False)))
    unknown = [str(no) for no, k in zip(orders or (), wanted, strict=True) if k not in found]
    if unknown:
        names, sheets = ", ".join(unknown), ", ".join(tables.sheets)
        raise InputError(
            f"Contract {names} is in none of the master sheets {sheets}.",
            f"主表 {sheets} 中都没有合同号 {names}。",
        )
    return out


def unresolved(tables: object, indexes: Sequence[int]) -> tuple[list[int], InputError | None]:
    """The orders among ``indexes`` whose buyer (the 客户 row: full name, address - also
    the consignee) or goods (the 产品 row) cannot be found, and the one sentence (zh+en)
    that refuses their documents: an invoice with an empty buyer must not leave the
    office."""
    from gendan.read.tables import Tables

    assert isinstance(tables, Tables)
    bad_c: list[str] = []
    bad_p: list[str] = []
    bad: list[int] = []
    for i in indexes:
        o = Order(tables, i)
        if o.customer_index is None:
            bad_c.append(f"{o.contract_no} ({clean_text(tables.master.get('customer', i)) or '—'})")
        if o.product_index is None:
            bad_p.append(f"{o.contract_no} ({clean_text(tables.master.get('product', i)) or '—'})")
        if o.customer_index is None or o.product_index is None:
            bad.append(i)
    if not bad:
        return [], None
    zh, en = [], []
    if bad_c:
        where = "" if tables.customers is not None else "（工作簿中找不到客户表）"
        where_en = "" if tables.customers is not None else " (the workbook has no customers sheet)"
        zh.append(f"客户表中找不到这些订单的买方/收货人{where}：{', '.join(bad_c)}")
        en.append(
            f"the buyer/consignee is not in the customers sheet{where_en} for {', '.join(bad_c)}"
        )
    if bad_p:
        where = "" if tables.products is not None else "（工作簿中找不到产品表）"
        where_en = "" if tables.products is not None else " (the workbook has no products sheet)"
        zh.append(f"产品表中找不到这些订单的品名规格{where}：{', '.join(bad_p)}")
        en.append(f"the product is not in the products sheet{where_en} for {', '.join(bad_p)}")
    return bad, InputError(
        f"No documents were made where {'; '.join(en)}.", f"以下订单未生成单据：{'；'.join(zh)}。"
    )


def build_all(
    tables: object,
    indexes: Sequence[int],
    layout: Layout,
    status: str = DRAFT,
    documents: Sequence[str] | None = None,
    now: dt.datetime | None = None,
    explicit: bool = False,
    lite: bool = False,
) -> tuple[list[DocumentSheet], list[tuple[str, str]]]:
    """Every applicable document of every order, as built sheets (plans + records;
    ``lite``: writes + shape instead of plans, for gendan.documents.fastsheets)."""
    from gendan.read.tables import Tables

    assert isinstance(tables, Tables)
    built: list[DocumentSheet] = []
    skipped: list[tuple[str, str]] = []
    from gendan.documents.build import sheet_name
    from gendan.write.inject import unique_sheet_name

    cache: dict[object, object] = {}  # see build.Builder: layout- and tables-wide results
    types: dict[str, str | None] = {}
    taken: set[str] = set()  # sheet names of this run, case-folded: each order's are unique
    for i in indexes:
        order = Order(tables, i, types=types)
        for doc in layout.documents:
            if documents and doc.key not in documents:
                continue
            if not doc.applies(order.method):
                skipped.append((order.contract_no, doc.key))
                continue
            order.sheet_names[doc.key] = unique_sheet_name(
                sheet_name(doc, order.contract_no), taken
            )
            built.append(build_document(layout, doc, order, status, now, cache, lite))
    return built, skipped


def generate(
    src: str | Path,
    out: str | Path | None = None,
    orders: Sequence[str] | None = None,
    all: bool = False,
    pdf_dir: str | Path | None = None,
    schema: Schema | None = None,
    issue: bool = False,
    documents: Sequence[str] | None = None,
    layout: Layout | str | Path | None = None,
    now: dt.datetime | None = None,
    fast: bool | None = None,
) -> GenerateResult:
    """Write ``out``: the workbook ``src`` plus the document sheets of the chosen orders.

    ``orders``: contract numbers (or ``all=True``); ``issue``: freeze the sheets (values and
    a provenance record, checked by ``gendan check``) instead of linked drafts;
    ``documents``: keys from documents.yaml to limit the set; ``pdf_dir``: also one PDF
    per document sheet there (LibreOffice); ``fast``: the template path of
    gendan.documents.fastsheets (default ``FAST``) or, False, one openpyxl sheet per order."""
    from gendan.read.reader import read_workbook
    from gendan.read.tables import load_tables

    t0 = time.perf_counter()
    src = Path(src)
    out = Path(out) if out else src.with_name(f"{src.stem}-docs.xlsx")
    if src.suffix.lower() not in _OPENPYXL_INPUTS:
        raise InputError(
            f"Documents are added to .xlsx/.xlsm workbooks; save {src.name} as .xlsx first.",
            f"单据只能加入 .xlsx/.xlsm 工作簿；请先把 {src.name} 另存为 .xlsx。",
        )
    if out.suffix.lower() not in (".xlsx", src.suffix.lower()):
        raise OutputError(
            f"The output {out.name} must be an .xlsx file (or .xlsm for an .xlsm input).",
            f"输出文件 {out.name} 必须是 .xlsx（输入为 .xlsm 时也可为 .xlsm）。",
        )
    if not all and not orders:
        raise InputError(
            "Name the orders (contract numbers) or choose all.", "请指定合同号，或选择全部订单。"
        )
    schema = schema or load_schema()
    lay = layout if isinstance(layout, Layout) else load_layout(layout)
    if documents:
        unknown = [d for d in documents if d not in {x.key for x in lay.documents}]
        if unknown:
            raise InputError(
                f"Unknown document {', '.join(unknown)}; known: {', '.join(d.key for d in lay.documents)}.",
                f"未知单据 {', '.join(unknown)}；可用：{', '.join(d.key for d in lay.documents)}。",
            )
    status = ISSUED if issue else DRAFT
    stamp = now or dt.datetime.now(dt.UTC).replace(microsecond=0)
    result = GenerateResult(out=out, status=status)
    data = read_workbook(src)
    tables = load_tables(data, schema)
    t1 = time.perf_counter()
    result.seconds["read"] = t1 - t0
    picks = select_in_masters(tables, orders, all)
    for n, (sub, indexes) in enumerate(picks):
        bad, refusal = unresolved(sub, indexes)
        if refusal is not None and not all:
            raise refusal  # the orders asked for by number: none is made
        if refusal is not None:  # --all: the others are made, these refused (exit 2)
            result.refused.append(refusal)
            drop = set(bad)
            picks[n] = (sub, [i for i in indexes if i not in drop])
    fast = FAST if fast is None else fast
    built, skipped = [], []
    for sub, indexes in picks:
        b, sk = build_all(sub, indexes, lay, status, documents, stamp, lite=fast)
        built += b
        skipped += sk
        result.orders += [clean_text(sub.master.get("contract_no", i)) for i in indexes]
    result.skipped = skipped
    if not built and result.refused:  # --all, and every order refused: nothing to write
        raise result.refused[0]
    t2 = time.perf_counter()
    result.seconds["build"] = t2 - t1

    from gendan.write import inject

    t3 = time.perf_counter()
    try:
        # gendan's own document sheets of an earlier run are replaced, not clashes
        own = inject.own_sheet_names(src)
        existing: set[str] | None = {n.casefold() for n in inject.sheet_names(src)} - own
    except (Unsupported, zipfile.BadZipFile, KeyError, UnicodeDecodeError):
        existing = None
    clash = sorted(
        {b.sheet for b in built if existing is not None and b.sheet.casefold() in existing}
    )
    why: tuple[str, str] = (
        "its package could not be read for grafting",
        "无法读取其文件包以加入单据",
    )
    if clash:
        names = ", ".join(clash[:3]) + (", ..." if len(clash) > 3 else "")
        why = (
            f"it has the document sheets {names} already: run docs on the workbook without them",
            f"其中已有单据工作表 {names}：请对不含这些工作表的工作簿运行 docs",
        )
    if existing is not None and not clash:
        try:
            built = _graft(src, out, built, fast, lay)
            result.sheets = [b.sheet for b in built]
            result.seconds["graft"] = time.perf_counter() - t3
            result.method = "graft"
        except Unsupported as exc:
            why = (
                f"its package has a shape the grafting does not handle: {exc}",
                f"其文件包结构不受支持：{exc}",
            )
            result.notes.append(f"note: the workbook was copied through openpyxl ({exc}).")
    if result.method != "graft":
        if inject.is_strict(src):  # openpyxl reads no sheet of a Strict workbook
            raise OutputError(
                f"{src.name} is saved as Strict Open XML and its documents cannot be added without "
                f'losing sheets; save it in Excel as "Excel Workbook (*.xlsx)" and run again.',
                f"{src.name} 以 Strict Open XML 格式保存，加入单据会丢失工作表；"
                f"请在 Excel 中另存为“Excel 工作簿 (*.xlsx)”后再运行。",
            )
        built = _full(built, lay)
        if out.suffix.lower() != ".xlsx":
            raise OutputError(
                f"The output {out.name} must be an .xlsx file here.",
                f"此处输出文件 {out.name} 必须是 .xlsx。",
            )
        _through_openpyxl(src, out, built, result, why)
    t5 = time.perf_counter()
    if pdf_dir is not None:
        values = (
            _full(built, lay)
            if issue
            else [
                d
                for sub, indexes in picks
                for d in build_all(sub, indexes, lay, ISSUED, documents, stamp)[0]
            ]
        )
        result.pdfs = write_pdfs(values, Path(pdf_dir))
        result.seconds["pdf"] = time.perf_counter() - t5
    return result


def _scratch_bytes(built: Sequence[DocumentSheet]) -> bytes:
    """The document sheets alone, written by openpyxl (see gendan.write.inject)."""
    import io

    import openpyxl

    from gendan.write.apply_openpyxl import apply_plan

    wb = openpyxl.Workbook()
    default = wb.worksheets[0]  # a new workbook: its one (active) sheet
    for sheet in built:
        apply_plan(sheet.plan, wb)
    wb.remove(default)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


#: Use the template path (gendan.documents.fastsheets) when grafting; False restores the
#: per-order openpyxl path (tests compare the two).
FAST = True
#: zlib level of the written package: level 6 (the default) spends most of the time of a
#: 5,000-sheet write compressing repetitive XML that level 1 shrinks nearly as well.
COMPRESSLEVEL = 1


def _rebuild(
    layout: Layout, cache: dict[object, object]
) -> Callable[[DocumentSheet], DocumentSheet]:
    """The full build of a lite sheet (same order, document, status and time)."""
    from gendan.documents.build import Builder

    def full(b: DocumentSheet) -> DocumentSheet:
        if b.writes is None:
            return b
        assert b.order is not None
        return Builder(layout, b.doc, b.order, b.status, b.now, cache).build()

    return full


def _full(built: list[DocumentSheet], layout: Layout) -> list[DocumentSheet]:
    """Full plans for the paths that apply every plan with openpyxl."""
    rebuild = _rebuild(layout, {})
    return [rebuild(b) for b in built]


def _graft(
    src: Path, out: Path, built: list[DocumentSheet], fast: bool, layout: Layout
) -> list[DocumentSheet]:
    """Graft the document sheets onto a copy of ``src``; returns ``built`` (full plans if
    the fast path gave up and the per-order path ran)."""
    from gendan.write import inject
    from gendan.write.safe_write import atomic_write

    if fast:
        from gendan.documents.fastsheets import Templates, scratch_bytes

        try:
            tpl = Templates(built, _rebuild(layout, {}))
            data = scratch_bytes(tpl.templates)
            write = inject.writer(src, data, tpl.expand, COMPRESSLEVEL, tool=True)
            atomic_write(out, write, inputs=[src])
            return built
        except Unsupported:
            built = _full(built, layout)
    data = _scratch_bytes(built)
    atomic_write(out, inject.writer(src, data, tool=True), inputs=[src])
    return built


def _through_openpyxl(
    src: Path,
    out: Path,
    built: Sequence[DocumentSheet],
    result: GenerateResult,
    why: tuple[str, str],
) -> None:
    """The fallback: load the whole workbook, add (or replace) the sheets, save.  Used when
    a document sheet of the same name exists already (a re-run on its own output) or the
    package has a shape the grafting does not handle (``why``: en, zh).

    An openpyxl round trip drops what openpyxl does not model (saved formula results,
    sparklines, shapes...), so, as for marks, it runs only where it provably loses nothing:
    refused before loading when the book has any of that
    (:func:`gendan.write.apply_openpyxl.rewrite_risks`), and the written copy is compared with
    the original kind by kind (:func:`~gendan.write.apply_openpyxl.rewrite_losses`) before it
    takes the output's name."""
    import openpyxl

    from gendan.write.apply_openpyxl import (
        DOCUMENTS,
        apply_plan,
        rewrite_losses,
        rewrite_refusal,
        rewrite_risks,
    )
    from gendan.write.safe_write import atomic_save_openpyxl

    risks = rewrite_risks(src, why[0])
    if risks:
        raise rewrite_refusal(src, [why, *risks], DOCUMENTS)
    t0 = time.perf_counter()
    if src.suffix.lower() == ".xlsm":
        result.notes.append(
            "note: the output is .xlsx, so it carries no macros; the input .xlsm is unchanged."
        )
    try:
        wb = openpyxl.load_workbook(src, rich_text=True)
    except Exception as exc:  # openpyxl raises many types for damaged files
        raise InputError(
            f"{src.name} cannot be opened to add documents: {exc}.",
            f"无法打开 {src.name} 以加入单据：{exc}。",
        ) from None
    t1 = time.perf_counter()
    result.seconds["load"] = t1 - t0
    loaded = list(wb.sheetnames)
    for sheet in built:
        apply_plan(sheet.plan, wb)
    result.sheets = [b.sheet for b in built]
    if built:
        wb.active = wb.sheetnames.index(built[0].sheet)
    t2 = time.perf_counter()
    result.seconds["apply"] = t2 - t1
    sheets_kept = _sheets_kept(src, loaded)
    macros_dropped = (
        src.suffix.lower() == ".xlsm" and out.suffix.lower() == ".xlsx"
    )  # said in a note

    def verify(tmp: Path) -> None:
        sheets_kept(tmp)
        lost = [x for x in rewrite_losses(src, tmp) if not (macros_dropped and "vba" in x.lower())]
        if lost:
            raise rewrite_refusal(src, [why, *lost], DOCUMENTS)

    atomic_save_openpyxl(wb, out, inputs=[src], verify=verify)
    result.seconds["save"] = time.perf_counter() - t2
    result.method = "openpyxl"


def _sheets_kept(src: Path, loaded: Sequence[str]) -> Callable[[Path], None]:
    """For atomic_write's ``verify``: refuse a copy that lacks a sheet of ``src`` (an
    openpyxl round trip of a workbook openpyxl misreads would exit 0 with the master gone).
    ``loaded``: the sheets openpyxl saw, used when the package's own list cannot be read."""
    from gendan.write import inject

    try:
        before = inject.sheet_names(src)
    except (Unsupported, zipfile.BadZipFile, KeyError, UnicodeDecodeError):
        before = list(loaded)

    def verify(tmp: Path) -> None:
        after = {n.casefold() for n in inject.sheet_names(tmp)}
        lost = [n for n in before if n.casefold() not in after]
        if lost:
            raise OutputError(
                f"The copy of {src.name} would lose the sheet {', '.join(lost)}; nothing was written.",
                f"{src.name} 的副本会丢失工作表 {'、'.join(lost)}；未写入任何文件。",
            )

    return verify


def pdf_names(sheets: Sequence[str]) -> list[str]:
    """One file name stem per sheet, unique case-insensitively and valid on Windows too
    (a sheet name may hold ``<>|"``, which a Windows file name may not)."""
    import re

    taken: set[str] = set()
    out = []
    for name in sheets:
        stem = re.sub(r'[<>:"/\\|?*\x00-\x1f]', "_", name).strip(" .") or "document"
        cand, n = stem, 1
        while cand.casefold() in taken:
            n += 1
            cand = f"{stem}~{n}"
        taken.add(cand.casefold())
        out.append(cand)
    return out


def write_pdfs(sheets: Sequence[DocumentSheet], pdf_dir: Path) -> list[Path]:
    """One PDF per document sheet, from one-sheet value workbooks (see module docstring)."""
    import openpyxl

    from gendan.office.recalc import LibreOfficeMissing, find_soffice
    from gendan.office.render_pdf import (
        CJKFontMissing,
        cjk_font_available,
        render_pdfs,
        scratch_dir,
    )
    from gendan.write.apply_openpyxl import apply_plan

    if find_soffice() is None:
        raise LibreOfficeMissing()
    if not cjk_font_available():  # Chinese would print as empty boxes, silently
        raise CJKFontMissing()
    tmp = scratch_dir()
    try:
        books: list[Path] = []
        for s, stem in zip(sheets, pdf_names([s.sheet for s in sheets]), strict=True):
            wb = openpyxl.Workbook()
            default = wb.worksheets[0]  # a new workbook: its one (active) sheet
            apply_plan(s.plan, wb)
            wb.remove(default)
            path = tmp / f"{stem}.xlsx"
            wb.save(path)
            books.append(path)
        return render_pdfs(books, pdf_dir)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
