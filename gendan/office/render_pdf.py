"""Render document workbooks to PDF with LibreOffice headless.

Why LibreOffice and not a PDF library: the PDF must look like what the merchandiser sees
and prints from Excel — the same layout, merges, wrapping and page setup (A4, one page wide,
margins) — and LibreOffice's Calc renders the very .xlsx we write.  Where it is not
installed, the caller gets :class:`gendan.office.recalc.LibreOfficeMissing`, one sentence in
Chinese and English saying what to install (exit code 2 on the command line), never a
traceback.

One soffice process converts every file of a run (``--convert-to pdf`` takes many inputs),
because starting LibreOffice costs about a second each time.

LibreOffice on a machine without a font that has Chinese glyphs (a fresh Linux server, CI)
prints every Chinese character as an empty box and says nothing.  So before rendering,
:func:`cjk_font_available` asks fontconfig (``fc-list :lang=zh``) — or, without fc-list,
looks for the usual CJK font files — and :class:`CJKFontMissing` names the package to
install.  Windows and macOS ship CJK fonts, so the check is for fontconfig systems only.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from gendan.model.errors import OutputError
from gendan.office.recalc import LibreOfficeMissing, find_soffice, profile_dir

__all__ = [
    "CJKFontMissing",
    "LibreOfficeMissing",
    "cjk_font_available",
    "pdf_available",
    "render_pdfs",
]

#: Font files with Chinese glyphs, by name (used only where fc-list is not installed).
_CJK_FILES = (
    "notosanscjk",
    "notoserifcjk",
    "sourcehansans",
    "sourcehanserif",
    "wqy",
    "droidsansfallback",
    "ukai",
    "uming",
    "arphic",
    "simsun",
    "simhei",
    "msyh",
    "pingfang",
    "hiragino",
    "notosanssc",
    "notoserifsc",
)
_FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.fonts", "~/.local/share/fonts")


class CJKFontMissing(OutputError):
    """No font with Chinese glyphs: LibreOffice would print the Chinese text as boxes."""

    def __init__(self) -> None:
        super().__init__(
            "No font with Chinese glyphs is installed, so LibreOffice would print every Chinese "
            "character of the documents as an empty box; install one (Debian/Ubuntu: apt-get install "
            "fonts-noto-cjk) and run again.",
            "本机没有含中文字形的字体，LibreOffice 会把单据上的每个汉字印成空框；请先安装"
            "（Debian/Ubuntu：apt-get install fonts-noto-cjk）再运行。",
        )


def cjk_font_available(fc_list: str | None = None, font_dirs: Sequence[str] = _FONT_DIRS) -> bool:
    """Whether LibreOffice can reach a font with Chinese glyphs.  On Windows and macOS:
    yes (the system fonts have them).  Elsewhere fontconfig decides what LibreOffice finds:
    ``fc-list :lang=zh`` lists the fonts covering Chinese; without fc-list, the font
    folders are searched for the usual CJK font files."""
    if sys.platform.startswith(("win", "darwin")):
        return True
    fc = fc_list if fc_list is not None else shutil.which("fc-list")
    if fc:
        try:
            proc = subprocess.run(
                [fc, ":lang=zh", "family"], capture_output=True, text=True, timeout=60, check=False
            )
        except (OSError, subprocess.TimeoutExpired):
            proc = None
        if proc is not None and proc.returncode == 0:
            return bool(proc.stdout.strip())
    for folder in font_dirs:
        root = Path(os.path.expanduser(folder))
        if not root.is_dir():
            continue
        for _dirpath, _dirs, files in os.walk(root):
            for f in files:
                low = f.lower().replace("-", "").replace("_", "").replace(" ", "")
                if low.endswith((".ttf", ".ttc", ".otf", ".otc")) and any(
                    k in low for k in _CJK_FILES
                ):
                    return True
    return False


def pdf_available() -> bool:
    """True when LibreOffice can be used here."""
    return find_soffice() is not None


def render_pdfs(
    books: Sequence[str | Path], out_dir: str | Path, timeout: float = 600
) -> list[Path]:
    """Convert each workbook of ``books`` to ``out_dir/<stem>.pdf`` (every printed sheet of
    a book, each sheet's print area and page setup honoured).  Returns the PDFs written."""
    soffice = find_soffice()
    if soffice is None:
        raise LibreOfficeMissing()
    if not cjk_font_available():
        raise CJKFontMissing()
    out = Path(out_dir).resolve()
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(
            f"Cannot make the PDF folder {out_dir}: {exc.strerror or exc}.",
            f"无法创建 PDF 文件夹 {out_dir}：{exc.strerror or exc}。",
        ) from None
    if not books:
        return []
    stems = [Path(b).stem.casefold() for b in books]
    if len(set(stems)) != len(stems):  # two books would write one PDF: the count would lie
        raise ValueError("render_pdfs: two workbooks with the same name")
    started = time.time() - 2  # file times are coarse on some file systems
    profile = profile_dir()
    try:
        cmd = [
            soffice,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            "pdf:calc_pdf_Export",
            "--outdir",
            str(out),
        ]
        cmd += [str(Path(b).resolve()) for b in books]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise OutputError(
            f"LibreOffice did not finish the PDFs within {timeout:.0f} s.",
            f"LibreOffice 在 {timeout:.0f} 秒内未能生成 PDF。",
        ) from None
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    pdfs = [out / f"{Path(b).stem}.pdf" for b in books]
    # a PDF counts only if this run wrote it: one left by an earlier run proves nothing
    missing = [
        p.name
        for p in pdfs
        if not p.exists() or p.stat().st_mtime < started or p.stat().st_size == 0
    ]
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
