"""``gendan addin install``: the parts of installing the Excel add-in that can be automated.

On Windows and macOS it

1. installs the xlwings add-in (``xlwings addin install``), which gives Excel RunPython
   and ``XLPy.CallUDF``; the gendan ribbon and the GD_ formulas call Python through it;
2. installs ``gendan.xlam`` into Excel's start-up folder (``xlwings addin install --file``),
   so the 跟单 Gendan tab appears and the GD_ formulas work in every workbook (the add-in
   holds their VBA wrappers and references the xlwings project);
3. writes the xlwings user settings (``xlwings.conf``, in the encoding xlwings uses: the
   Windows ANSI code page): the interpreter (this Python) and
   ``UDF Modules = macros_py.udfs``, keeping any other setting already there.

With ``--build-in-excel`` (Windows) step 2 installs a gendan.xlam that Excel itself built
(gendan.addin.excel_build), which needs *Trust access to the VBA project object model*.
xlwings is the extra ``excel`` (``pip install "gendan[excel]"``); without it the command
says so and exits with 2.  The manual steps are in docs/addin.md.

Excel does not run on Linux: there the command explains that in one sentence and points
to ``gendan check`` / ``gendan annotate``, which do the same work on files.
"""

from __future__ import annotations

import importlib.util
import locale
import os
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "LINUX_MESSAGE",
    "Step",
    "conf_path",
    "install",
    "merge_conf",
    "plan_install",
    "read_conf",
    "settings_for",
    "xlam_path",
]

LINUX_MESSAGE_EN = (
    "The Excel add-in needs Microsoft Excel on Windows or macOS; on this system use "
    "'gendan check BOOK' and 'gendan annotate BOOK --out FILE', which do the same checks on files."
)
LINUX_MESSAGE_ZH = (
    "Excel 加载项需要 Windows 或 macOS 上的 Microsoft Excel；在本系统上请用 "
    "'gendan check 工作簿' 和 'gendan annotate 工作簿 --out 文件'，对文件做同样的检查。"
)
LINUX_MESSAGE = f"{LINUX_MESSAGE_ZH}\n{LINUX_MESSAGE_EN}"
NO_XLWINGS_MESSAGE = (
    'Excel 加载项需要 xlwings，请先安装：pip install "gendan[excel]"\n'
    'The Excel add-in needs xlwings; install it first: pip install "gendan[excel]"'
)

#: The module whose ``GD_…`` functions xlwings imports as worksheet formulas.
UDF_MODULE = "macros_py.udfs"


@dataclass(frozen=True)
class Step:
    """One thing the installer does: a command to run, or a settings file to write."""

    what: str
    command: tuple[str, ...] = ()
    conf: Mapping[str, str] | None = None
    path: Path | None = None
    #: Build gendan.xlam through Excel to ``path`` (``--build-in-excel``).
    build: bool = False


def xlam_path() -> Path:
    """The built add-in shipped with the package (gendan.addin; addin/ in a checkout)."""
    from gendan.model.resources import ADDIN, data_file

    return data_file(ADDIN, "gendan.xlam")


def conf_path(platform: str = sys.platform, home: Path | None = None) -> Path:
    """Where the xlwings add-in reads user settings (as xlwings.USER_CONFIG_FILE says;
    on macOS inside Excel's sandbox container)."""
    home = home or Path.home()
    if platform.startswith("darwin"):
        return home / "Library" / "Containers" / "com.microsoft.Excel" / "Data" / "xlwings.conf"
    return home / ".xlwings" / "xlwings.conf"


def settings_for(
    platform: str = sys.platform, python: str = sys.executable, pythonpath: str | None = None
) -> dict[str, str]:
    """The xlwings.conf entries gendan needs."""
    key = "INTERPRETER_MAC" if platform.startswith("darwin") else "INTERPRETER_WIN"
    out = {key: python, "UDF MODULES": UDF_MODULE}
    if pythonpath:
        out["PYTHONPATH"] = pythonpath
    return out


def conf_encoding(platform: str = sys.platform) -> str:
    """The encoding of xlwings.conf.  xlwings writes it with ``open(path, "w")`` (the
    locale's encoding) and its VBA reads it with ``Open … For Input`` (the ANSI code page):
    on Windows that is the ANSI code page whatever Python's UTF-8 mode says, e.g. cp936 on
    a Chinese Windows (:func:`locale.getencoding`); on macOS UTF-8."""
    if platform.startswith("win"):
        return locale.getencoding()
    return "utf-8"


def decode_conf(data: bytes, encoding: str) -> str:
    """The text of an existing xlwings.conf.  UTF-8 first (how gendan 0.1 wrote it):
    Chinese text in cp936 is almost never valid UTF-8, while UTF-8 bytes often decode,
    wrongly, as cp936; then ``encoding``."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode(encoding, errors="replace")


def read_conf(text: str) -> dict[str, str]:
    """Parse xlwings.conf: one ``"KEY","value"`` per line (the format xlwings writes)."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line.startswith('"'):
            continue
        key, sep, value = line[1:].partition('","')
        if sep and value.endswith('"'):
            out[key.upper()] = value[:-1]
    return out


def merge_conf(existing: str, settings: Mapping[str, str]) -> str:
    """The file with ``settings`` set and every other entry kept, in its order."""
    entries = read_conf(existing)
    entries.update({k.upper(): v for k, v in settings.items()})
    return "".join(f'"{k}","{v}"\n' for k, v in entries.items())


def plan_install(
    platform: str = sys.platform,
    python: str = sys.executable,
    xlam: Path | None = None,
    home: Path | None = None,
    pythonpath: str | None = None,
    build_in_excel: bool = False,
) -> list[Step]:
    """What ``install`` will do on ``platform`` (empty on Linux: Excel does not run there).

    ``build_in_excel`` (Windows): gendan.xlam is built by Excel itself into
    ``~/.gendan/gendan.xlam`` (gendan.addin.excel_build) after xlwings' add-in is
    installed, and that file is installed instead of the one shipped in the package."""
    if not (platform.startswith("win") or platform.startswith("darwin")):
        return []
    xlwings_cli = (python, "-m", "xlwings.cli")
    built: list[Step] = []
    if build_in_excel and platform.startswith("win"):
        xlam = (home or Path.home()) / ".gendan" / "gendan.xlam"
        built = [Step("build gendan.xlam in Excel", path=xlam, build=True)]
    xlam = xlam or xlam_path()
    return [
        Step("install the xlwings add-in", command=(*xlwings_cli, "addin", "install")),
        *built,
        Step(
            "install gendan.xlam", command=(*xlwings_cli, "addin", "install", "--file", str(xlam))
        ),
        Step(
            "write xlwings.conf",
            conf=settings_for(platform, python, pythonpath),
            path=conf_path(platform, home),
        ),
    ]


def install(
    platform: str = sys.platform,
    dry_run: bool = False,
    run: Callable[[Sequence[str]], int] | None = None,
    echo: Callable[[str], None] = print,
    home: Path | None = None,
    pythonpath: str | None = None,
    lang: str | None = None,
    encoding: str | None = None,
    have_xlwings: bool | None = None,
    build_in_excel: bool = False,
    excel_builder: Callable[[Path], Path] | None = None,
) -> int:
    """Carry out :func:`plan_install`.  Returns 0 when done, 2 when this system cannot
    have the add-in (Linux) or a step failed; every outcome is one clear line."""
    steps = plan_install(platform, home=home, pythonpath=pythonpath, build_in_excel=build_in_excel)
    if not steps:
        echo(_pick(LINUX_MESSAGE, lang))
        return 2
    if have_xlwings is None:
        have_xlwings = importlib.util.find_spec("xlwings") is not None
    if not have_xlwings:
        echo(_pick(NO_XLWINGS_MESSAGE, lang))
        return 2
    from gendan.model.errors import GendanError

    try:
        xlam_path()
    except GendanError as exc:
        echo(_pick(exc.user_text(), lang))
        return 2
    encoding = encoding or conf_encoding(platform)
    run = run or (lambda cmd: subprocess.run(list(cmd), check=False).returncode)
    for step in steps:
        if step.build and step.path is not None:
            echo(("would build " if dry_run else "building ") + f"{step.path} in Excel")
            if not dry_run:
                builder = excel_builder or _excel_builder()
                try:
                    builder(step.path)
                except Exception as exc:  # a COM error: say which step, and why
                    echo(
                        f"failed: {step.what} ({exc}). Is 'Trust access to the VBA project "
                        "object model' ticked? See docs/addin.md."
                    )
                    return 2
        elif step.command:
            echo(("would run: " if dry_run else "running: ") + " ".join(step.command))
            if not dry_run and run(step.command) != 0:
                echo(f"failed: {step.what}. Is Excel installed, and closed? See docs/addin.md.")
                return 2
        elif step.conf is not None and step.path is not None:
            echo(
                ("would write " if dry_run else "writing ")
                + f"{step.path}: "
                + ", ".join(f"{k}={v}" for k, v in step.conf.items())
            )
            if not dry_run:
                try:
                    _write_conf(step.path, step.conf, encoding)
                except UnicodeEncodeError as exc:
                    bad = exc.object[exc.start : exc.end]
                    echo(
                        f"xlwings.conf 用 {encoding} 编码，写不下 {bad!r}：请把 gendan 装在"
                        f"路径只含本机代码页字符的 Python 里。\n"
                        f"xlwings.conf is read in the {encoding} code page, which cannot hold "
                        f"{bad!r}: install gendan into a Python whose path has no such characters."
                    )
                    return 2
    if not dry_run:
        echo(
            "Done. Restart Excel: the 跟单 Gendan tab is on the ribbon and the GD_ formulas "
            "work in every workbook (docs/addin.md)."
        )
    return 0


def _excel_builder() -> Callable[[Path], Path]:
    from gendan.addin.excel_build import build_in_running_excel

    return build_in_running_excel


def _pick(text: str, lang: str | None) -> str:
    """The zh or en line of a two-line message, or both."""
    lines = text.split("\n")
    if len(lines) == 2 and lang in ("zh", "en"):
        return lines[0] if lang == "zh" else lines[1]
    return text


def _write_conf(path: Path, settings: Mapping[str, str], encoding: str = "utf-8") -> None:
    """Merge ``settings`` into the file, in ``encoding`` (see :func:`conf_encoding`)."""
    old = decode_conf(path.read_bytes(), encoding) if path.is_file() else ""
    data = merge_conf(old, settings).encode(encoding)  # raises before anything is written
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def main(argv: Sequence[str] | None = None) -> int:
    """``gendan addin install [--dry-run]`` (the lead wires this into gendan.cli)."""
    import argparse

    p = argparse.ArgumentParser(prog="gendan addin install")
    p.add_argument("--dry-run", action="store_true", help="show what would be done, change nothing")
    p.add_argument(
        "--pythonpath", help="folder to put on Python's path (when gendan is not pip-installed)"
    )
    args = p.parse_args(argv)
    return install(dry_run=args.dry_run, pythonpath=args.pythonpath)
