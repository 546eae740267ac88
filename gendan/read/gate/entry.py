"""The gate's door: :func:`open_checked` classifies a file by its first bytes and hands it
to the zip, OLE or non-container checks."""

from __future__ import annotations

import os
import struct
import zipfile
import zlib
from pathlib import Path

from gendan.read.gate.biff import _gate_ole
from gendan.read.gate.limits import Limits, MiB, load_limits
from gendan.read.gate.refusals import refuse
from gendan.read.gate.results import GateResult
from gendan.read.gate.sniff import OLE_MAGIC, ZIP_MAGICS, _sniff_non_container
from gendan.read.gate.zipgate import SheetTap, _gate_zip

# --------------------------------------------------------------------------- entry point


def require_file(path: str | os.PathLike[str]) -> None:
    """Refuse ``path`` as :func:`open_checked` would if it is missing or a folder.

    For the commands that look at the path (its suffix, an output beside it) before they read
    it: each said something else of a folder ("file not found", "save it as .xlsx first")."""
    p = Path(path)
    if p.is_dir():
        raise refuse("directory", p.name)
    if not p.is_file():
        raise refuse("not-found", p.name)


def open_checked(
    path: str | os.PathLike[str], limits: Limits | None = None, tap: SheetTap | None = None
) -> GateResult:
    """Classify and bound ``path`` by its bytes; return what a reader needs or raise GateRefusal.

    Reads the file only (never writes, never changes its times beyond the OS's atime).
    ``tap`` (gendan.read.split_read) is shown each worksheet's bytes as soon as they are proven,
    so that parsing can start while the gate goes on.
    """
    lim = limits if limits is not None else load_limits()
    p = Path(path)
    name = p.name
    try:
        st = p.stat()
    except FileNotFoundError:
        raise refuse("not-found", name) from None
    except OSError as exc:
        raise refuse("os-error", name, detail=exc.strerror or str(exc)) from None
    if p.is_dir():
        raise refuse("directory", name)
    size = st.st_size
    if size == 0:
        raise refuse("empty", name)
    if size > lim.max_file_bytes:
        raise refuse(
            "too-large", name, detail=f"{size / MiB:.0f}", limit=f"{lim.max_file_bytes / MiB:.0f}"
        )
    container = ""
    try:
        with open(p, "rb") as fh:
            head = fh.read(4096)
            if head.startswith(OLE_MAGIC):
                container = "corrupt-ole"
                return _gate_ole(fh, p, size, lim)
            if head.startswith(ZIP_MAGICS):
                container = "corrupt-zip"
                return _gate_zip(fh, p, size, lim, tap)
    except OSError as exc:
        raise refuse("os-error", name, detail=exc.strerror or str(exc)) from None
    except _DAMAGE:
        # a structure the specific checks did not anticipate (found by fuzzing: zipfile's
        # NotImplementedError for an unknown "version needed") is damage, not a crash
        raise refuse(container or "unknown", name) from None
    reason = _sniff_non_container(head, size)
    if reason == "csv" and p.suffix.lower() in (".csv", ".tsv", ".txt"):
        reason = "csv-file"  # saved as text on purpose, not a renamed workbook
    raise refuse(reason, name)


#: exceptions that mean "these bytes are not a well-formed container" while parsing
_DAMAGE = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    NotImplementedError,
    ValueError,  # includes UnicodeDecodeError
    IndexError,
    KeyError,
    EOFError,
    OverflowError,
    struct.error,
    zlib.error,
)
