"""Safe writes: nothing the user owns is ever half-written, clobbered or silently thinned.

Why: the master workbook is the team's only record.  A crash or a full disk in the middle
of ``wb.save(path)`` leaves a truncated zip where the old file was; a save while Excel has
the file open loses one side's edits; and an openpyxl round trip drops what openpyxl does
not model (VBA without ``keep_vba``, images without Pillow, shapes, slicers, customUI...).
So every output goes through this module:

* :func:`atomic_write` - the writer fills a temporary file in the *target folder* (same
  file system, so the final ``os.replace`` is atomic), which is fsynced and renamed over
  the target; on any error the temporary file is removed and the old output is untouched.
* :func:`check_not_locked` - Excel's owner file ``~$name`` (and LibreOffice's
  ``.~lock.name#``) beside the target means someone has it open: refuse, never clobber.
* the input file is never a write target unless the caller says so
  (``allow_input=True``, i.e. ``--in-place``).
* :func:`write_in_place` - the ``--in-place`` path: write to a temporary file, prove with
  :func:`parts_lost` that every chart, drawing, image, pivot cache, table, data validation,
  conditional format, defined name, comment, customUI part and the VBA project survived,
  keep a timestamped backup, and only then rename over the workbook.  Otherwise refuse with
  the list of what would be lost.
* :func:`check_output_path` - a missing folder, a folder that is a file, a target that is
  a folder: one sentence before anything is written (the command line checks every
  ``--out`` with it before the work starts).
* a symlink target is written through (:func:`resolve_output`): the link stays a link.
* every temporary file (``.~gendan-*``, :data:`TEMP_PREFIX`) is registered and removed on
  any exit Python sees - exceptions, Ctrl+C, SIGTERM/SIGHUP (:func:`install_signal_cleanup`)
  and ``atexit``; folder runs skip such names (:func:`is_temp_name`).
* the suffix decides the package type (:func:`gendan.write.write_guard.conform_package`): an
  .xlsx never carries a VBA project, an .xlsm no relationship to a missing one.
* a failed writer's open zip archives are closed quietly, so a full disk is one sentence
  and never a traceback from ``ZipFile.__del__``.

Exceptions: :class:`gendan.model.errors.OutputError` (one sentence zh + en) for every refusal.
"""

from __future__ import annotations

import atexit
import contextlib
import datetime as _dt
import errno
import hashlib
import os
import re
import shutil
import stat
import sys
import tempfile
import traceback as traceback_mod
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from gendan.model.errors import OutputError
from gendan.ooxml import clamped_target, rels_part_of
from gendan.write.temps import LIVE, TEMP_PREFIX, is_temp_name

__all__ = [
    "TEMP_PREFIX",
    "PackageInventory",
    "Terminated",
    "atomic_save_openpyxl",
    "atomic_write",
    "atomic_write_bytes",
    "atomic_write_text",
    "backup_path",
    "check_not_input",
    "check_not_locked",
    "check_output_path",
    "cleanup_temps",
    "install_quiet_finalisers",
    "install_signal_cleanup",
    "is_temp_name",
    "lock_files",
    "make_backup",
    "package_inventory",
    "parts_lost",
    "resolve_output",
    "same_file",
    "write_in_place",
]

PathLike = str | os.PathLike[str]


# --------------------------------------------------------------------------- guards


def lock_files(path: PathLike) -> list[Path]:
    """Owner/lock files that exist beside ``path`` (Excel/WPS ``~$name``, LibreOffice ``.~lock.name#``).

    Only these exact forms: Word's shortened ``~$`` names (first characters dropped) would
    match other files' owner files and refuse writes for no reason.
    """
    p = Path(path)
    return [p.parent / c for c in (f"~${p.name}", f".~lock.{p.name}#") if (p.parent / c).exists()]


def check_not_locked(path: PathLike) -> None:
    """Raise OutputError when ``path`` is open in Excel/LibreOffice (its lock file is present)."""
    locks = lock_files(path)
    if locks:
        name = Path(path).name
        raise OutputError(
            f"{name} is open in Excel or another program (lock file {locks[0].name} found); "
            f"close it there and try again.",
            f"{name} 正在 Excel 或其他程序中打开（发现锁定文件 {locks[0].name}）；请先关闭后再试。",
        )


def same_file(a: PathLike, b: PathLike) -> bool:
    """True when both paths name the same file (hard links and symlinks included)."""
    pa, pb = Path(a), Path(b)
    try:
        return os.path.samefile(pa, pb)
    except OSError:
        return pa.resolve() == pb.resolve()


def check_not_input(out: PathLike, inputs: Iterable[PathLike], allow_input: bool = False) -> None:
    """Refuse to write onto an input file unless the caller asked for it (``--in-place``)."""
    if allow_input:
        return
    for src in inputs:
        if same_file(out, src):
            name = Path(out).name
            raise OutputError(
                f"The output {name} is the input workbook itself; choose another --out file "
                f"(or use --in-place, which keeps a backup).",
                f"输出文件 {name} 就是输入的工作簿本身；请另选 --out 文件（或使用会保留备份的 --in-place）。",
            )


# --------------------------------------------------------------------------- atomic writes


def _fsync_dir(folder: Path) -> None:
    """Make the rename durable; not possible on Windows (no O_DIRECTORY), harmless to skip."""
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _out_error(path: Path, exc: OSError) -> OutputError:
    reason = exc.strerror or str(exc)
    if exc.errno == errno.ENOSPC:
        return OutputError(
            f"Cannot write {path.name}: the disk is full; the existing file, if any, is unchanged.",
            f"无法写入 {path.name}：磁盘已满；原有文件（如有）保持不变。",
        )
    return OutputError(
        f"Cannot write {path.name}: {reason}; the existing file, if any, is unchanged.",
        f"无法写入 {path.name}：{reason}；原有文件（如有）保持不变。",
    )


#: the temp registry (one set, shared with the write guard; see gendan.write.temps)
_LIVE = LIVE


def cleanup_temps() -> None:
    """Remove every temporary file this process still has (see :data:`_LIVE`)."""
    for tmp in list(_LIVE):
        _discard(tmp)
        _LIVE.discard(tmp)


atexit.register(cleanup_temps)


class Terminated(BaseException):
    """SIGTERM/SIGHUP arrived: unwinds like Ctrl+C, so every ``finally`` and the temp-file
    cleanup run (the default action would end the process on the spot)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _terminate(signum: int, _frame: Any) -> None:
    raise Terminated(signum)


def install_signal_cleanup() -> None:
    """Turn SIGTERM (and SIGHUP) into :class:`Terminated` in this process (the command line
    calls it once; only the main thread may set handlers)."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return
    for name in ("SIGTERM", "SIGHUP"):
        sig = getattr(signal, name, None)
        if sig is not None:
            with contextlib.suppress(OSError, ValueError):
                signal.signal(sig, _terminate)


def resolve_output(path: PathLike) -> Path:
    """Where an output really goes: through a symlink to the file it names (so the link
    stays a link and its target is what changes), else ``path`` itself."""
    p = Path(path)
    if p.is_symlink():
        return Path(os.path.realpath(p))
    return p


def check_output_path(path: PathLike) -> None:
    """Refuse, with one sentence, an output whose folder is missing or is a file, or that is
    a folder itself (checked before any work is done, and again by :func:`atomic_write`)."""
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if target.is_dir():
        raise OutputError(
            f"The output {target.name} is a folder; give a file name.",
            f"输出 {target.name} 是一个文件夹；请给出文件名。",
        )
    # the nearest part of the folder path that exists tells which of the two it is
    probe = folder
    while not probe.exists() and probe != probe.parent and not probe.is_symlink():
        probe = probe.parent
    if probe.exists() and not probe.is_dir():
        raise OutputError(
            f"Cannot write {target.name}: {probe} is a file, not a folder.",
            f"无法写入 {target.name}：{probe} 是文件而不是文件夹。",
        )
    if not folder.is_dir():
        raise OutputError(
            f"Cannot write {target.name}: the folder {folder} does not exist; create it first.",
            f"无法写入 {target.name}：文件夹 {folder} 不存在；请先创建。",
        )


def _abandon_zips(exc: BaseException, tmp: Path) -> None:
    """Close, silently, every zip archive the failed writer left open on ``tmp``.

    Why: openpyxl's ``save`` (and any ``ZipFile(path, "w")`` without ``with``) leaves the
    archive open when a write fails; when the exception is dropped, ``ZipFile.__del__``
    tries to write the central directory to the full disk and Python prints a traceback
    ("Exception ignored in ...") after gendan's sentence.  The archives are found in the
    frames of the exception's traceback."""
    seen: set[int] = set()
    tb = exc.__traceback__
    while tb is not None:
        for value in list(tb.tb_frame.f_locals.values()):
            for obj in (value, getattr(value, "_archive", None), getattr(value, "archive", None)):
                if isinstance(obj, zipfile.ZipFile) and id(obj) not in seen:
                    seen.add(id(obj))
                    _close_quietly(obj)
        tb = tb.tb_next
    with contextlib.suppress(Exception):
        traceback_mod.clear_frames(exc.__traceback__)


def _close_quietly(zf: zipfile.ZipFile) -> None:
    fp = getattr(zf, "fp", None)
    if fp is None:
        return
    zf.fp = None  # nothing more is written: the file is being discarded
    with contextlib.suppress(Exception):
        fp.close()


def _quiet_unraisable(hook_args: Any) -> None:
    """The command line's ``sys.unraisablehook``: a failure inside a finaliser (a zip
    archive closed by the garbage collector on a full disk) has already been reported as
    one sentence, so it prints nothing (``GENDAN_DEBUG=1`` shows it)."""
    if os.environ.get("GENDAN_DEBUG"):
        sys.__unraisablehook__(hook_args)


def install_quiet_finalisers() -> None:
    """Set :func:`_quiet_unraisable` as ``sys.unraisablehook`` (the command line does)."""
    sys.unraisablehook = _quiet_unraisable


def atomic_write(
    path: PathLike,
    writer: Callable[[Path], Any],
    *,
    inputs: Iterable[PathLike] = (),
    allow_input: bool = False,
    check_lock: bool = True,
    verify: Callable[[Path], Any] | None = None,
    conform: bool = True,
) -> Path:
    """Have ``writer(tmp_path)`` write the whole output, then rename it over ``path``.

    The temporary file lives in the target folder (same file system, so ``os.replace`` is
    atomic on POSIX and Windows), is fsynced before the rename, and is removed if the
    writer or anything after it fails - an existing ``path`` is then left exactly as it was.
    An existing target's permission bits are kept.  A symlink ``path`` is written through:
    its target is replaced and the link stays.  A workbook package is made the type its
    suffix promises (:func:`gendan.write.write_guard.conform_package`; ``conform=False`` for
    byte copies such as backups), then ``verify(tmp)`` may refuse it by raising.  Returns
    the final path (the symlink's target for a symlink).
    """
    named = Path(path)
    check_not_input(named, inputs, allow_input)
    target = resolve_output(named)
    folder = target.parent if str(target.parent) else Path(".")
    check_output_path(target)
    if check_lock:
        check_not_locked(target)
        if target != named:
            check_not_locked(named)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=target.suffix, dir=folder)
    except OSError as exc:
        raise _out_error(target, exc) from None
    os.close(fd)
    tmp = Path(tmp_name)
    _LIVE.add(tmp)
    try:
        writer(tmp)
        if conform:
            from gendan.write.write_guard import conform_package

            conform_package(tmp, target.suffix, display_name=named.name)
        if verify is not None:
            verify(tmp)
        with open(tmp, "rb+") as fh:
            fh.flush()
            os.fsync(fh.fileno())
        if target.exists():
            with contextlib.suppress(OSError):
                os.chmod(tmp, stat.S_IMODE(target.stat().st_mode))
        else:
            with contextlib.suppress(OSError):
                umask = os.umask(0)
                os.umask(umask)
                os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    except OSError as exc:
        _abandon_zips(exc, tmp)
        _discard(tmp)
        raise _out_error(named, exc) from None
    except zipfile.LargeZipFile as exc:
        _abandon_zips(exc, tmp)
        _discard(tmp)
        raise OutputError(
            f"Cannot write {named.name}: the package would exceed 4 GB.",
            f"无法写入 {named.name}：文件包将超过 4 GB。",
        ) from None
    except BaseException as exc:
        _abandon_zips(exc, tmp)
        _discard(tmp)
        raise
    finally:
        _LIVE.discard(tmp)
    _fsync_dir(folder)
    return target


def _discard(tmp: Path) -> None:
    with contextlib.suppress(OSError):
        tmp.unlink()


def atomic_write_bytes(path: PathLike, data: bytes, **kw: Any) -> Path:
    """Atomically write ``data`` to ``path`` (see :func:`atomic_write` for keywords)."""
    return atomic_write(path, lambda tmp: tmp.write_bytes(data), **kw)


def atomic_write_text(
    path: PathLike, text: str, encoding: str = "utf-8", newline: str | None = None, **kw: Any
) -> Path:
    """Atomically write text (CSV: pass ``newline=''`` and already-sanitized cells)."""

    def _w(tmp: Path) -> None:
        with open(tmp, "w", encoding=encoding, newline=newline) as fh:
            fh.write(text)

    return atomic_write(path, _w, **kw)


def atomic_save_openpyxl(wb: Any, path: PathLike, **kw: Any) -> Path:
    """``wb.save`` through :func:`atomic_write` (openpyxl writes the zip to the temp path;
    keywords as there, e.g. ``verify``)."""
    return atomic_write(path, lambda tmp: wb.save(str(tmp)), **kw)


# --------------------------------------------------------------------------- backups


def backup_path(path: PathLike, now: _dt.datetime | None = None) -> Path:
    """``book.xlsx`` -> ``book.backup-20261127-033328.xlsx`` (extension kept so Excel opens it)."""
    p = Path(path)
    ts = (now or _dt.datetime.now()).strftime("%Y%m%d-%H%M%S")
    candidate = p.with_name(f"{p.stem}.backup-{ts}{p.suffix}")
    n = 1
    while candidate.exists():
        candidate = p.with_name(f"{p.stem}.backup-{ts}-{n}{p.suffix}")
        n += 1
    return candidate


def make_backup(path: PathLike, now: _dt.datetime | None = None) -> Path:
    """Copy ``path`` to a new timestamped backup beside it (never over an existing file)."""
    src = Path(path)
    dest = backup_path(src, now)
    atomic_write(dest, lambda tmp: shutil.copy2(src, tmp), check_lock=False, conform=False)
    return dest


# --------------------------------------------------------------------------- package inventory


@dataclass
class PackageInventory:
    """What a workbook package carries that a rewrite could lose, in comparable form.

    Parts are compared by kind and content rather than by name, because writers renumber
    parts (``image3.png`` may come back as ``image1.png``).
    """

    sheets: list[str] = field(default_factory=list)
    charts: int = 0
    chartsheets: int = 0
    drawings: int = 0
    images: Counter[str] = field(default_factory=Counter)  # sha256 of each media part
    pivot_caches: int = 0
    pivot_tables: int = 0
    tables: set[str] = field(default_factory=set)
    slicers: int = 0
    timelines: int = 0
    external_links: int = 0
    embeddings: int = 0
    controls: int = 0
    connections: int = 0
    defined_names: set[str] = field(default_factory=set)
    data_validations: Counter[str] = field(default_factory=Counter)  # "Sheet!sqref"
    conditional_formats: Counter[str] = field(default_factory=Counter)  # "Sheet!sqref"
    comments: set[str] = field(default_factory=set)  # "Sheet!A1"
    threaded_comments: int = 0
    custom_ui: dict[str, str] = field(default_factory=dict)  # part -> sha256
    vba: str | None = None  # sha256 of vbaProject.bin
    vba_signature: bool = False


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _parse(data: bytes) -> Any:
    from defusedxml import ElementTree as DET

    return DET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _rels(zf: zipfile.ZipFile, names: set[str], part: str) -> list[tuple[str, str, str]]:
    """(Id, Type suffix, resolved target) of the relationships of ``part``."""
    pp = PurePosixPath(part)
    rels_part = rels_part_of(part)
    if rels_part not in names:
        return []
    out = []
    for rel in _parse(zf.read(rels_part)):
        if (rel.get("TargetMode") or "").lower() == "external":
            continue
        rtype = (rel.get("Type") or "").rsplit("/", 1)[-1]
        out.append((rel.get("Id") or "", rtype, clamped_target(pp.parent, rel.get("Target") or "")))
    return out


_MEDIA = re.compile(r"^xl/media/", re.I)


def package_inventory(path: PathLike) -> PackageInventory:
    """Inventory an .xlsx/.xlsm package (XML parsed with defusedxml; entities forbidden)."""
    inv = PackageInventory()
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
        for n in sorted(names):
            low = n.lower()
            if low.startswith("xl/charts/chart") and low.endswith(".xml"):
                inv.charts += 1
            elif low.startswith("xl/chartsheets/") and low.endswith(".xml"):
                inv.chartsheets += 1
            elif low.startswith("xl/drawings/drawing") and low.endswith(".xml"):
                inv.drawings += 1
            elif _MEDIA.match(n):
                inv.images[_sha(zf.read(n))] += 1
            elif low.startswith("xl/pivotcache/pivotcachedefinition"):
                inv.pivot_caches += 1
            elif low.startswith("xl/pivottables/") and low.endswith(".xml"):
                inv.pivot_tables += 1
            elif low.startswith("xl/tables/") and low.endswith(".xml"):
                t = _parse(zf.read(n))
                inv.tables.add(t.get("displayName") or t.get("name") or n)
            elif low.startswith("xl/slicers/"):
                inv.slicers += 1
            elif low.startswith("xl/timelines/"):
                inv.timelines += 1
            elif low.startswith("xl/externallinks/") and low.endswith(".xml"):
                inv.external_links += 1
            elif low.startswith("xl/embeddings/"):
                inv.embeddings += 1
            elif low.startswith(("xl/activex/", "xl/ctrlprops/")) and not low.endswith(".rels"):
                inv.controls += 1
            elif low == "xl/connections.xml":
                inv.connections += 1
            elif low.startswith("xl/threadedcomments/"):
                inv.threaded_comments += 1
            elif low.startswith("customui/") and low.endswith(".xml"):
                inv.custom_ui[n] = _sha(zf.read(n))
            elif low == "xl/vbaproject.bin":
                inv.vba = _sha(zf.read(n))
            elif low == "xl/vbaprojectsignature.bin":
                inv.vba_signature = True
        wb_part = "xl/workbook.xml"
        for _id, rtype, target in _rels(zf, names, ""):
            if rtype == "officeDocument":
                wb_part = target
        if wb_part not in names:
            return inv
        wb = _parse(zf.read(wb_part))
        sheet_targets = {rid: t for rid, _rt, t in _rels(zf, names, wb_part)}
        sheet_list: list[tuple[str, str]] = []
        for el in wb.iter():
            tag = _local(el.tag)
            if tag == "sheet":
                rid = next((v for k, v in el.attrib.items() if _local(k) == "id"), "")
                sheet_list.append((el.get("name") or "", sheet_targets.get(rid, "")))
            elif tag == "definedName":
                local = el.get("localSheetId")
                name = el.get("name") or ""
                inv.defined_names.add(f"{name}@{local}" if local is not None else name)
        inv.sheets = [s for s, _t in sheet_list]
        # sheet-scoped names are stored by index; give them the sheet's name instead
        scoped = set()
        for dn in inv.defined_names:
            if "@" in dn:
                name, idx = dn.rsplit("@", 1)
                label = (
                    sheet_list[int(idx)][0] if idx.isdigit() and int(idx) < len(sheet_list) else idx
                )
                scoped.add(f"{label}!{name}")
            else:
                scoped.add(dn)
        inv.defined_names = scoped
        for sheet, part in sheet_list:
            if part not in names:
                continue
            _sheet_inventory(zf, names, sheet, part, inv)
    return inv


def _sheet_inventory(
    zf: zipfile.ZipFile, names: set[str], sheet: str, part: str, inv: PackageInventory
) -> None:
    from defusedxml import ElementTree as DET

    with zf.open(part) as fh:
        for _event, el in DET.iterparse(fh, events=("end",), forbid_dtd=True, forbid_entities=True):
            tag = _local(el.tag)
            if tag == "dataValidation":
                inv.data_validations[f"{sheet}!{el.get('sqref') or _child_text(el, 'sqref')}"] += 1
            elif tag == "conditionalFormatting":
                ref = el.get("sqref") or _child_text(el, "sqref")
                inv.conditional_formats[f"{sheet}!{ref}"] += max(
                    1, sum(1 for c in el if _local(c.tag) == "cfRule")
                )
            elif tag == "row":
                el.clear()  # sheetData can be large; we need nothing from it
    for _id, rtype, target in _rels(zf, names, part):
        if rtype == "comments" and target in names:
            for el in _parse(zf.read(target)).iter():
                if _local(el.tag) == "comment":
                    inv.comments.add(f"{sheet}!{el.get('ref')}")


def _child_text(el: Any, local: str) -> str:
    for c in el.iter():
        if _local(c.tag) == local and c.text:
            return str(c.text)
    return ""


def _describe_missing(label_en: str, before: Counter[str], after: Counter[str]) -> list[str]:
    lost = before - after
    return [f"{label_en} {k}" + (f" (x{v})" if v > 1 else "") for k, v in sorted(lost.items())]


def parts_lost(before: PathLike, after: PathLike) -> list[str]:
    """What ``before`` carries that ``after`` lacks, one readable item per loss (empty = safe).

    Counts may only stay or grow (the tool adds its own notes and sheets); content-hashed
    parts (images, VBA project, customUI) must survive byte for byte.
    """
    b = package_inventory(before)
    a = package_inventory(after)
    lost: list[str] = []
    for sheet in b.sheets:
        if sheet not in a.sheets:
            lost.append(f"sheet '{sheet}'")
    counted = [
        ("charts", "chart"),
        ("chartsheets", "chart sheet"),
        ("drawings", "drawing"),
        ("pivot_caches", "pivot cache"),
        ("pivot_tables", "pivot table"),
        ("slicers", "slicer part"),
        ("timelines", "timeline part"),
        ("external_links", "external link"),
        ("embeddings", "embedded object"),
        ("controls", "form/ActiveX control part"),
        ("connections", "data connection part"),
        ("threaded_comments", "threaded comments part"),
    ]
    for attr, label in counted:
        nb, na = getattr(b, attr), getattr(a, attr)
        if na < nb:
            lost.append(f"{nb - na} of {nb} {label}{'s' if nb > 1 else ''}")
    n_img = sum((b.images - a.images).values())
    if n_img:
        lost.append(f"{n_img} of {sum(b.images.values())} image{'s' if n_img > 1 else ''}")
    for t in sorted(b.tables - a.tables):
        lost.append(f"table '{t}'")
    for n in sorted(b.defined_names - a.defined_names):
        lost.append(f"defined name '{n}'")
    lost += _describe_missing("data validation on", b.data_validations, a.data_validations)
    lost += _describe_missing("conditional format on", b.conditional_formats, a.conditional_formats)
    for c in sorted(b.comments - a.comments):
        lost.append(f"comment on {c}")
    for part, digest in sorted(b.custom_ui.items()):
        if digest not in a.custom_ui.values():
            lost.append(f"ribbon customUI {part}")
    if b.vba is not None and a.vba != b.vba:
        lost.append("VBA project xl/vbaProject.bin" + (" (changed)" if a.vba else ""))
    if b.vba_signature and not a.vba_signature:
        lost.append("VBA digital signature")
    return lost


# --------------------------------------------------------------------------- in-place writes


def write_in_place(
    path: PathLike,
    writer: Callable[[Path], Any],
    *,
    backup: bool = True,
    now: _dt.datetime | None = None,
    changes: Iterable[str] | Callable[[], Iterable[str]] | None = None,
    inventory: bool = True,
    named: Callable[[], Iterable[str]] | None = None,
) -> Path | None:
    """Rewrite the workbook ``path`` itself, only if nothing it carries would be lost.

    ``writer(tmp)`` writes the new workbook to a temporary file beside ``path``.  Then the
    guard runs on it:

    * ``changes`` given (a writer that patches the package: the part names it rewrites,
      adds or deletes; or a callable giving them once the writer has run): :func:`gendan.write.write_guard.package_changes` - every other part byte
      for byte (CRC-32 and size), every relationship and content type of the original
      still there, no relationship to a missing part;
    * ``inventory`` (default): :func:`parts_lost` - sheets, charts, images, names,
      validations, conditional formats, comments, VBA... by kind and content (the only
      possible guard for a writer that renumbers parts, such as openpyxl).

    ``named``, called after the writer, gives the losses the change itself names (as
    :func:`parts_lost` words them): the annotate writer takes away its own earlier notes.

    If anything is missing the temporary file is discarded and OutputError lists the
    losses.  Otherwise a byte-identical timestamped backup is made beside the file and the
    new file renamed over it.  A symlink is written through: the backup and the new file
    are beside its target, and the link stays a link.  Returns the backup path.
    """
    target = resolve_output(path)
    given = Path(path)
    check_not_locked(target)
    holder: dict[str, Path | None] = {"backup": None}

    def _guard(tmp: Path) -> None:
        # a callable ``changes`` is asked after the writer ran (a patcher knows its parts then)
        allowed = None if changes is None else list(changes() if callable(changes) else changes)
        try:
            lost: list[str] = []
            if allowed is not None:
                from gendan.write.write_guard import package_changes

                lost += package_changes(target, tmp, allowed)
            if inventory:
                allowed_losses = set(named()) if named is not None else set()
                lost += [
                    x for x in parts_lost(target, tmp) if x not in lost and x not in allowed_losses
                ]
        except OutputError:
            raise
        except Exception as exc:  # hostile XML etc: refuse, never half-write
            raise OutputError(
                f"Cannot compare {given.name} with the new version ({type(exc).__name__}); "
                f"the workbook was left unchanged.",
                f"无法比较 {given.name} 与新版本（{type(exc).__name__}）；工作簿保持不变。",
            ) from None
        if lost:
            shown = "; ".join(lost[:12]) + ("; ..." if len(lost) > 12 else "")
            raise OutputError(
                f"Writing into {given.name} would lose: {shown}; the workbook was left "
                f"unchanged - write to a copy with --out instead.",
                f"写入 {given.name} 会丢失：{shown}；工作簿保持不变，请改用 --out 写入副本。",
            )
        if backup:
            holder["backup"] = make_backup(target, now)

    atomic_write(target, writer, allow_input=True, verify=_guard)
    return holder["backup"]
