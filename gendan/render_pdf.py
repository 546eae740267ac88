"""Render document workbooks to PDF with LibreOffice headless.

Why LibreOffice and not a PDF library: the PDF must look like what the merchandiser sees
and prints from Excel — the same layout, merges, wrapping and page setup (A4, one page wide,
margins) — and LibreOffice's Calc renders the very .xlsx we write.  Where it is not
installed, the caller gets :class:`gendan.recalc.LibreOfficeMissing`, one sentence in
Chinese and English saying what to install (exit code 2 on the command line), never a
traceback.

One soffice process converts every file of a run (``--convert-to pdf`` takes many inputs),
because starting LibreOffice costs about a second each time.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from gendan.errors import OutputError
from gendan.recalc import LibreOfficeMissing, find_soffice, profile_dir

__all__ = ["LibreOfficeMissing", "pdf_available", "render_pdfs"]


def pdf_available() -> bool:
    """True when LibreOffice can be used here."""
    return find_soffice() is not None


def render_pdfs(books: Sequence[str | Path], out_dir: str | Path, timeout: float = 600) -> list[Path]:
    """Convert each workbook of ``books`` to ``out_dir/<stem>.pdf`` (every printed sheet of
    a book, each sheet's print area and page setup honoured).  Returns the PDFs written."""
    soffice = find_soffice()
    if soffice is None:
        raise LibreOfficeMissing()
    out = Path(out_dir).resolve()
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"Cannot make the PDF folder {out_dir}: {exc.strerror or exc}.",
                          f"无法创建 PDF 文件夹 {out_dir}：{exc.strerror or exc}。") from None
    if not books:
        return []
    stems = [Path(b).stem.casefold() for b in books]
    if len(set(stems)) != len(stems):  # two books would write one PDF: the count would lie
        raise ValueError("render_pdfs: two workbooks with the same name")
    started = time.time() - 2  # file times are coarse on some file systems
    profile = profile_dir()
    try:
        cmd = [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
               "--nolockcheck", "--convert-to", "pdf:calc_pdf_Export", "--outdir", str(out)]
        cmd += [str(Path(b).resolve()) for b in books]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise OutputError(f"LibreOffice did not finish the PDFs within {timeout:.0f} s.",
                          f"LibreOffice 在 {timeout:.0f} 秒内未能生成 PDF。") from None
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    pdfs = [out / f"{Path(b).stem}.pdf" for b in books]
    # a PDF counts only if this run wrote it: one left by an earlier run proves nothing
    missing = [p.name for p in pdfs if not p.exists() or p.stat().st_mtime < started or p.stat().st_size == 0]
    if missing or proc.returncode != 0:
        detail = (proc.stderr or proc.stdout or "").strip().splitlines()[-1:] or [""]
        raise OutputError(
            f"LibreOffice did not write {', '.join(missing) or 'the PDFs'}: {detail[0]}",
            f"LibreOffice 未能生成 {', '.join(missing) or 'PDF'}：{detail[0]}",
        )
    return pdfs


def scratch_dir() -> Path:
    """A temporary folder for the one-document workbooks that are converted."""
    return Path(tempfile.mkdtemp(prefix="gendan-pdf-"))
