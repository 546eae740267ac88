"""Recalculate a workbook with LibreOffice headless, so formulas written by gendan get values.

openpyxl writes formulas without cached values, and Excel users never see that (Excel
recalculates on open).  But a file read back by Python (tests, ``gendan check`` on a file
that was never opened in Excel) or rendered to PDF needs computed values.  LibreOffice
headless computes them — if told to: by default it recalculates on load only cells that
have no cached value, and it keeps stale cached values of the rest.  A throw-away user
profile whose ``registrymodifications.xcu`` sets ``OOXMLRecalcMode`` (and ``ODFRecalcMode``)
to 0 = "always" makes every load a full recalculation; the profile also keeps runs apart
from a user's own LibreOffice settings and from each other (LibreOffice refuses to start
twice on one profile).

    find_soffice()                      the soffice executable, or None
    recalculate(src, out_dir)           src recalculated, saved as xlsx in out_dir
    convert(src, out_dir, fmt)          any conversion with the always-recalc profile
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from gendan.model.errors import OutputError

__all__ = ["LibreOfficeMissing", "convert", "find_soffice", "profile_dir", "recalculate"]

_XCU = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Misc"><prop oor:name="FirstRun" oor:op="fuse"><value>false</value></prop></item>
</oor:items>
"""


class LibreOfficeMissing(OutputError):
    """soffice is not installed: PDF output and recalculation need LibreOffice."""

    def __init__(self) -> None:
        super().__init__(
            "LibreOffice (soffice) is not installed, so the documents cannot be rendered to PDF. "
            "Install it (Debian/Ubuntu: apt-get install libreoffice-calc; macOS/Windows: "
            "libreoffice.org) or print the document sheets from Excel.",
            "未安装 LibreOffice（soffice），无法把单据转换为 PDF。请安装 LibreOffice"
            "（Debian/Ubuntu：apt-get install libreoffice-calc；macOS/Windows：libreoffice.org），"
            "或在 Excel 中直接打印单据工作表。",
        )


def find_soffice() -> str | None:
    """Path of the LibreOffice executable, or None."""
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    for candidate in (
        "/usr/lib/libreoffice/program/soffice",
        "/Applications/LibreOffice.app/Contents/MacOS/soffice",
        r"C:\Program Files\LibreOffice\program\soffice.exe",
    ):
        if Path(candidate).exists():
            return candidate
    return None


def profile_dir(base: Path | None = None) -> Path:
    """A fresh LibreOffice user profile that recalculates every formula on load."""
    root = Path(tempfile.mkdtemp(prefix="gendan-lo-", dir=base))
    user = root / "user"
    user.mkdir(parents=True)
    (user / "registrymodifications.xcu").write_text(_XCU, encoding="utf-8")
    return root


def convert(src: str | Path, out_dir: str | Path, fmt: str, timeout: float = 240) -> Path:
    """Run ``soffice --convert-to fmt`` on ``src`` into ``out_dir`` with an always-recalc
    profile; returns the written file.  Raises :class:`LibreOfficeMissing` without soffice
    and :class:`OutputError` when the conversion fails."""
    soffice = find_soffice()
    if soffice is None:
        raise LibreOfficeMissing()
    src = Path(src).resolve()
    out = Path(out_dir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    profile = profile_dir()
    try:
        cmd = [
            soffice,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            fmt,
            "--outdir",
            str(out),
            str(src),
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise OutputError(
            f"LibreOffice did not finish converting {src.name} within {timeout:.0f} s.",
            f"LibreOffice 在 {timeout:.0f} 秒内未能完成 {src.name} 的转换。",
        ) from None
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    ext = fmt.split(":", 1)[0]
    target = out / f"{src.stem}.{ext}"
    if proc.returncode != 0 or not target.exists():
        detail = (proc.stderr or proc.stdout or "").strip().splitlines()[-1:] or [""]
        raise OutputError(
            f"LibreOffice could not convert {src.name} to {ext}: {detail[0]}",
            f"LibreOffice 无法把 {src.name} 转换为 {ext}：{detail[0]}",
        )
    return target


def recalculate(src: str | Path, out_dir: str | Path, timeout: float = 240) -> Path:
    """``src`` fully recalculated by LibreOffice, saved as ``out_dir/<stem>.xlsx``.

    ``out_dir`` must not be the folder of ``src`` when ``src`` is an .xlsx (it would be
    overwritten)."""
    if (
        Path(out_dir).resolve() == Path(src).resolve().parent
        and Path(src).suffix.lower() == ".xlsx"
    ):
        raise OutputError(
            "recalculate: out_dir must differ from the source's folder.",
            "recalculate：输出目录不能与源文件所在目录相同。",
        )
    return convert(src, out_dir, "xlsx:Calc MS Excel 2007 XML", timeout=timeout)
