"""``gendan report``: write the 看板 sheet into a copy of the book (or the book itself with
``--in-place``), and render it as a PDF and as one PNG picture per chart.

Why the PDF and the pictures come from a stand-alone book: LibreOffice prints every visible
sheet of a workbook, and a team's master has many; a book holding only the dashboard (the
same parts :mod:`gendan.report.dashboard_sheet` writes into the master) prints as one or two A4
landscape pages.  The pictures: one sheet per chart, printed to one page each, cut to the
chart by pdftoppm.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from gendan.model.errors import OutputError
from gendan.report.dashboard import Dashboard
from gendan.report.dashboard_sheet import SHEET, patch_dashboard, standalone_book
from gendan.write.xlsx_patch import Package, Unsupported

__all__ = [
    "ReportResult",
    "render_dashboard_pdf",
    "render_chart_pngs",
    "write_dashboard",
]


@dataclass
class ReportResult:
    """What ``gendan report`` wrote."""

    dashboard: Dashboard
    book: Path | None = None
    sheet: str = SHEET
    backup: Path | None = None

    def summary(self, lang: str) -> str:
        zh = lang == "zh"
        n = sum(1 for b in self.dashboard.blocks if b.chart)
        lines = []
        if self.book is not None:
            lines.append(
                f"已写入 {self.book}：工作表 {self.sheet}，{n} 个图表"
                if zh
                else f"Wrote {self.book}: sheet {self.sheet}, {n} charts"
            )
        if self.backup is not None:
            lines.append(f"备份：{self.backup}" if zh else f"Backup: {self.backup}")
        return "\n".join(lines)


def _refuse(book: Path, exc: Exception) -> OutputError:
    return OutputError(
        f"The dashboard cannot be added to {book.name}: its package has an unexpected shape ({exc}).",
        f"无法向 {book.name} 添加看板：文件结构不常见（{exc}）。",
    )


def write_dashboard(
    book: str | Path,
    dash: Dashboard,
    out: str | Path | None = None,
    *,
    in_place: bool = False,
    name: str = SHEET,
    backup: bool = True,
) -> ReportResult:
    """Write the dashboard sheet into a copy ``out`` of ``book``, or (``in_place``) into the
    book itself after a backup (unless ``backup`` is False: gendan's own working copy)
    and a proof that every other part is unchanged."""
    from gendan.write.safe_write import atomic_write, write_in_place

    book = Path(book)
    if book.suffix.lower() not in (".xlsx", ".xlsm"):
        raise OutputError(
            f"{book.name}: the dashboard can be written into .xlsx and .xlsm workbooks only.",
            f"{book.name}：只能向 .xlsx 和 .xlsm 工作簿写入看板。",
        )
    result = ReportResult(dash)
    touched: list[str] = []

    def writer(tmp: Path) -> None:
        try:
            pkg = Package(book)
        except Unsupported as exc:
            raise _refuse(book, exc) from None
        try:
            result.sheet = patch_dashboard(pkg, dash, name)
            pkg.write(tmp)
            touched[:] = [*pkg.changed, pkg.wb_part, "[Content_Types].xml"]
        except Unsupported as exc:
            raise _refuse(book, exc) from None
        finally:
            pkg.close()

    if in_place:
        result.backup = write_in_place(book, writer, backup=backup, changes=lambda: touched)
        result.book = book
    else:
        if out is None:
            raise OutputError("Give --out FILE or --in-place.", "请指定 --out 文件或 --in-place。")
        atomic_write(out, writer, inputs=[book])
        result.book = Path(out)
    return result


def render_dashboard_pdf(
    dash: Dashboard, pdf: str | Path, inputs: Sequence[str | Path] = ()
) -> Path:
    """The dashboard as a PDF (A4 landscape, charts included) at ``pdf``."""
    from gendan.office.render_pdf import render_pdfs, scratch_dir
    from gendan.write.safe_write import atomic_write_bytes

    tmp = scratch_dir()
    try:
        src = tmp / "dashboard.xlsx"
        standalone_book(dash, src)
        (made,) = render_pdfs([src], tmp)
        return atomic_write_bytes(Path(pdf), made.read_bytes(), inputs=inputs)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def render_chart_pngs(dash: Dashboard, folder: str | Path, dpi: int = 110) -> list[Path]:
    """One PNG picture per chart in ``folder`` (``<n>-<block>.png``), via a PDF of a book
    with one chart per page and pdftoppm (poppler-utils)."""
    from gendan.office.render_pdf import render_pdfs, scratch_dir
    from gendan.write.safe_write import atomic_write_bytes

    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        raise OutputError(
            "pdftoppm is not installed (Debian/Ubuntu: apt-get install poppler-utils); "
            "the chart pictures cannot be made.",
            "未安装 pdftoppm（Debian/Ubuntu：apt-get install poppler-utils），无法生成图表图片。",
        )
    tmp = scratch_dir()
    try:
        src = tmp / "charts.xlsx"
        names = standalone_book(dash, src, per_chart=True)
        (pdf,) = render_pdfs([src], tmp)
        proc = subprocess.run(
            [pdftoppm, "-png", "-r", str(dpi), str(pdf), str(tmp / "page")],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        pages = sorted(tmp.glob("page*.png"), key=lambda p: int(p.stem.split("-")[-1]))
        if proc.returncode != 0 or len(pages) != len(names):
            raise OutputError(
                f"pdftoppm made {len(pages)} pictures for {len(names)} charts.",
                f"pdftoppm 为 {len(names)} 个图表生成了 {len(pages)} 张图片。",
            )
        Path(folder).mkdir(parents=True, exist_ok=True)
        out = []
        for k, (page, name) in enumerate(zip(pages, names, strict=True), 1):
            data = _crop(page.read_bytes())
            out.append(atomic_write_bytes(Path(folder) / f"{k}-{name}.png", data))
        return out
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _crop(png: bytes) -> bytes:
    """The page cut to what is printed on it (Pillow: a declared dependency)."""
    import io

    from PIL import Image, ImageChops

    im = Image.open(io.BytesIO(png)).convert("RGB")
    bg = Image.new("RGB", im.size, (255, 255, 255))
    box = ImageChops.difference(im, bg).getbbox()
    if box is None:
        return png
    pad = 6
    box = (
        max(box[0] - pad, 0),
        max(box[1] - pad, 0),
        min(box[2] + pad, im.width),
        min(box[3] + pad, im.height),
    )
    buf = io.BytesIO()
    im.crop(box).save(buf, "PNG")
    return buf.getvalue()
