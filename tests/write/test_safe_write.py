"""Safe writes: atomic replace, lock files, never onto the input, timestamped backups."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import stat
from pathlib import Path
from typing import Any

import pytest
from factory import active_sheet

import gendan.write.safe_write as sw
from gendan.model.errors import OutputError
from gendan.write.safe_write import (
    atomic_save_openpyxl,
    atomic_write,
    atomic_write_bytes,
    atomic_write_text,
    backup_path,
    check_not_input,
    check_not_locked,
    check_output_path,
    cleanup_temps,
    is_temp_name,
    lock_files,
    make_backup,
    resolve_output,
    same_file,
    write_in_place,
)
from gendan.write.write_guard import CT_MACRO_WORKBOOK, CT_WORKBOOK, package_changes, package_facts


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".~gendan-"))


def test_atomic_write_creates_and_replaces(tmp_path: Path) -> None:
    out = tmp_path / "report.csv"
    atomic_write_bytes(out, b"one")
    assert out.read_bytes() == b"one"
    atomic_write_bytes(out, b"two")
    assert out.read_bytes() == b"two"
    assert _leftovers(tmp_path) == []


def test_writer_failure_leaves_existing_output_untouched(tmp_path: Path) -> None:
    out = tmp_path / "book.xlsx"
    out.write_bytes(b"the old, complete file")

    def half_then_crash(tmp: Path) -> None:
        tmp.write_bytes(b"PK\x03\x04 half a zip")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        atomic_write(out, half_then_crash)
    assert out.read_bytes() == b"the old, complete file"
    assert _leftovers(tmp_path) == []


def test_interrupt_mid_write_leaves_nothing_behind(tmp_path: Path) -> None:
    out = tmp_path / "new.xlsx"

    def interrupted(tmp: Path) -> None:
        tmp.write_bytes(b"partial")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        atomic_write(out, interrupted)
    assert not out.exists()
    assert _leftovers(tmp_path) == []


def test_temp_file_is_in_the_target_folder(tmp_path: Path) -> None:
    seen: list[Path] = []

    def write(tmp: Path) -> None:
        seen.append(tmp)
        tmp.write_text("x")

    atomic_write(tmp_path / "x.txt", write)
    assert seen[0].parent == tmp_path and seen[0].name.startswith(".~gendan-")


def test_os_error_becomes_output_error(tmp_path: Path) -> None:
    with pytest.raises(OutputError) as info:
        atomic_write_bytes(tmp_path / "no-such-folder" / "out.csv", b"x")
    assert "out.csv" in info.value.message_en and "out.csv" in info.value.message_zh


def test_directory_target_refused(tmp_path: Path) -> None:
    (tmp_path / "out.xlsx").mkdir()
    with pytest.raises(OutputError):
        atomic_write_bytes(tmp_path / "out.xlsx", b"x")


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_permissions_of_existing_output_are_kept(tmp_path: Path) -> None:
    out = tmp_path / "shared.csv"
    out.write_text("old")
    out.chmod(0o640)
    atomic_write_text(out, "new")
    assert stat.S_IMODE(out.stat().st_mode) == 0o640


def test_text_is_written_exactly(tmp_path: Path) -> None:
    out = tmp_path / "r.csv"
    atomic_write_text(out, "a,b\r\n合同号,1\r\n", newline="")
    assert out.read_bytes() == "a,b\r\n合同号,1\r\n".encode()


# --------------------------------------------------------------------------- lock files


@pytest.mark.parametrize("lock", ["~$book.xlsx", ".~lock.book.xlsx#"])
def test_excel_or_libreoffice_lock_refuses(tmp_path: Path, lock: str) -> None:
    out = tmp_path / "book.xlsx"
    out.write_bytes(b"original")
    (tmp_path / lock).write_bytes(b"owner")
    assert lock_files(out)
    with pytest.raises(OutputError) as info:
        atomic_write_bytes(out, b"clobbered")
    assert out.read_bytes() == b"original"
    assert "book.xlsx" in info.value.message_en and "Excel" in info.value.message_zh
    assert _leftovers(tmp_path) == []


def test_no_lock_no_complaint(tmp_path: Path) -> None:
    out = tmp_path / "book.xlsx"
    (tmp_path / "~$other.xlsx").write_bytes(b"owner of another file")
    (tmp_path / "~$ok.xlsx").write_bytes(b"owner of ok.xlsx, not of book.xlsx")
    check_not_locked(out)
    assert lock_files(out) == []


# --------------------------------------------------------------------------- input protection


def test_output_onto_input_refused(tmp_path: Path) -> None:
    book = tmp_path / "book.xlsx"
    book.write_bytes(b"master")
    with pytest.raises(OutputError):
        atomic_write_bytes(book, b"oops", inputs=[book])
    assert book.read_bytes() == b"master"
    atomic_write_bytes(book, b"asked for", inputs=[book], allow_input=True)
    assert book.read_bytes() == b"asked for"


@pytest.mark.skipif(os.name != "posix", reason="symlinks")
def test_output_via_symlink_or_hardlink_is_still_the_input(tmp_path: Path) -> None:
    book = tmp_path / "book.xlsx"
    book.write_bytes(b"master")
    (tmp_path / "alias.xlsx").symlink_to(book)
    os.link(book, tmp_path / "hard.xlsx")
    for alias in ("alias.xlsx", "hard.xlsx", "./book.xlsx"):
        assert same_file(tmp_path / alias, book)
        with pytest.raises(OutputError):
            check_not_input(tmp_path / alias, [book])
    assert not same_file(tmp_path / "other.xlsx", book)


# --------------------------------------------------------------------------- backups


def test_backup_names_are_timestamped_and_unique(tmp_path: Path) -> None:
    book = tmp_path / "工作序列表.xlsx"
    book.write_bytes(b"v1")
    now = dt.datetime(2026, 11, 27, 3, 33, 28)
    assert backup_path(book, now).name == "工作序列表.backup-20261127-033328.xlsx"
    first = make_backup(book, now)
    second = make_backup(book, now)
    assert first != second and first.read_bytes() == second.read_bytes() == b"v1"
    assert second.name == "工作序列表.backup-20261127-033328-1.xlsx"


def test_atomic_save_openpyxl(tmp_path: Path) -> None:
    from openpyxl import Workbook, load_workbook

    wb = Workbook()
    active_sheet(wb)["A1"] = "合同号"
    out = atomic_save_openpyxl(wb, tmp_path / "o.xlsx")
    assert active_sheet(load_workbook(out))["A1"].value == "合同号"
    assert _leftovers(tmp_path) == []


# --------------------------------------------------------------------------- output paths (issue 11)


def _two_lines(exc: OutputError) -> None:
    """One sentence in each language, no newline inside either."""
    assert "\n" not in exc.message_en and "\n" not in exc.message_zh
    assert any("\u4e00" <= ch <= "\u9fff" for ch in exc.message_zh)


def test_missing_folder_is_one_sentence_and_nothing_is_made(tmp_path: Path) -> None:
    with pytest.raises(OutputError) as info:
        atomic_write_bytes(tmp_path / "no-such" / "deeper" / "out.xlsx", b"x")
    assert "does not exist" in info.value.message_en and "no-such" in info.value.message_en
    _two_lines(info.value)
    assert not (tmp_path / "no-such").exists()


def test_parent_that_is_a_file_is_one_sentence(tmp_path: Path) -> None:
    (tmp_path / "afile").write_bytes(b"I am a file")
    for out in (tmp_path / "afile" / "x.xlsx", tmp_path / "afile" / "sub" / "x.xlsx"):
        with pytest.raises(OutputError) as info:
            check_output_path(out)
        assert "is a file, not a folder" in info.value.message_en
        _two_lines(info.value)
        with pytest.raises(OutputError):
            atomic_write_bytes(out, b"x")
    assert (tmp_path / "afile").read_bytes() == b"I am a file"


@pytest.mark.skipif(os.name != "posix", reason="symlinks")
def test_every_spelling_of_the_input_is_the_input(tmp_path: Path) -> None:
    sub = tmp_path / "sub"
    sub.mkdir()
    book = sub / "book.xlsx"
    book.write_bytes(b"master")
    (tmp_path / "link.xlsx").symlink_to(book)
    os.link(book, tmp_path / "hard.xlsx")
    cwd = os.getcwd()
    os.chdir(sub)
    try:
        spellings = [
            "book.xlsx",
            "./book.xlsx",
            "../sub/book.xlsx",
            str(book),
            str(tmp_path / "sub" / ".." / "sub" / "book.xlsx"),
            str(tmp_path / "link.xlsx"),
            str(tmp_path / "hard.xlsx"),
        ]
        for out in spellings:
            with pytest.raises(OutputError):
                atomic_write_bytes(out, b"clobbered", inputs=["book.xlsx"])
            with pytest.raises(OutputError):
                atomic_write_bytes("book.xlsx", b"clobbered", inputs=[out])
    finally:
        os.chdir(cwd)
    assert book.read_bytes() == b"master"


def test_a_case_variant_on_a_case_insensitive_file_system_is_the_input(tmp_path: Path) -> None:
    book = tmp_path / "Book.xlsx"
    book.write_bytes(b"master")
    variant = tmp_path / "BOOK.XLSX"
    if not variant.exists():  # a case-sensitive file system: BOOK.XLSX is another file
        assert not same_file(variant, book)
        atomic_write_bytes(variant, b"another file", inputs=[book])
        assert book.read_bytes() == b"master"
        return
    with pytest.raises(OutputError):
        atomic_write_bytes(variant, b"clobbered", inputs=[book])
    assert book.read_bytes() == b"master"


@pytest.mark.skipif(os.name != "posix", reason="symlinks")
def test_a_write_through_a_symlink_keeps_the_link(tmp_path: Path) -> None:
    real = tmp_path / "data" / "report.csv"
    real.parent.mkdir()
    real.write_bytes(b"old")
    link = tmp_path / "report.csv"
    link.symlink_to(real)
    assert resolve_output(link) == real.resolve()
    atomic_write_bytes(link, b"new")
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_bytes() == b"new"
    assert _leftovers(tmp_path) == [] and _leftovers(real.parent) == []


def test_temp_files_are_registered_and_cleaned(tmp_path: Path) -> None:
    seen: list[Path] = []

    def writer(tmp: Path) -> None:
        seen.append(tmp)
        assert tmp in sw._LIVE
        tmp.write_bytes(b"partial")
        cleanup_temps()  # what atexit / SIGTERM do while a write is under way
        assert not tmp.exists()
        raise RuntimeError("stop")

    with pytest.raises(RuntimeError):
        atomic_write(tmp_path / "o.xlsx", writer)
    assert seen and seen[0] not in sw._LIVE
    assert (
        is_temp_name(seen[0].name) and is_temp_name("~$book.xlsx") and not is_temp_name("book.xlsx")
    )


def _sigterm_script(tmp_path: Path, body: str) -> Path:
    script = tmp_path / "run.py"
    script.write_text(
        "import sys, time\n"
        "from pathlib import Path\n"
        "from gendan.write.safe_write import Terminated, atomic_write, install_signal_cleanup\n"
        "install_signal_cleanup()\n" + body,
        encoding="utf-8",
    )
    return script


@pytest.mark.skipif(os.name != "posix", reason="signals")
@pytest.mark.parametrize("signame", ["SIGTERM", "SIGINT"])
def test_a_killed_write_leaves_no_temp_file(tmp_path: Path, signame: str) -> None:
    import signal
    import subprocess
    import sys

    out = tmp_path / "out" / "book.xlsx"
    out.parent.mkdir()
    script = _sigterm_script(
        tmp_path,
        (
            "def slow(tmp):\n"
            "    tmp.write_bytes(b'PK partial')\n"
            "    print('writing', flush=True)\n"
            "    time.sleep(60)\n"
            "try:\n"
            f"    atomic_write(Path({str(out)!r}), slow)\n"
            "except (Terminated, KeyboardInterrupt):\n"
            "    sys.exit(3)\n"
        ),
    )
    proc = subprocess.Popen(
        [sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "writing"
    assert _leftovers(out.parent)  # the temp file is there while writing
    proc.send_signal(getattr(signal, signame))
    _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 3, err
    assert _leftovers(out.parent) == [] and not out.exists()


def test_full_disk_is_one_sentence_without_a_zipfile_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """openpyxl leaves its archive open when a write fails; its ``__del__`` then writes to
    the full disk again.  Simulated by a file object that refuses writes past 4 KB."""
    import errno
    import gc
    import io
    import sys

    from openpyxl import Workbook

    real_open = io.open

    class Full:
        def __init__(self, fh: Any) -> None:
            self._fh, self._n = fh, 0

        def write(self, b: bytes) -> int:
            self._n += len(b)
            if self._n > 4096:
                raise OSError(errno.ENOSPC, "No space left on device")
            return int(self._fh.write(b))

        def __getattr__(self, name: str) -> Any:
            return getattr(self._fh, name)

    def fake_open(file: Any, mode: str = "r", *a: Any, **k: Any) -> Any:
        fh = real_open(file, mode, *a, **k)
        if "w" in mode and Path(str(file)).name.startswith(".~gendan-"):
            return Full(fh)
        return fh

    unraisable: list[Any] = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    monkeypatch.setattr("zipfile.io.open", fake_open)  # the io module zipfile writes through
    wb = Workbook()
    for r in range(2000):
        active_sheet(wb).append([f"row {r} text that takes room {r * 7919}", r, r * 1.5])
    with pytest.raises(OutputError) as info:
        atomic_save_openpyxl(wb, tmp_path / "big.xlsx")
    gc.collect()
    assert "disk is full" in info.value.message_en and "磁盘已满" in info.value.message_zh
    assert unraisable == []
    assert _leftovers(tmp_path) == [] and not (tmp_path / "big.xlsx").exists()


# --------------------------------------------------------------------------- package type


def _package(path: Path, parts: dict[str, str | bytes]) -> Path:
    import zipfile

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return path


_CT_HEAD = '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
_RELS = '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _macro_package(path: Path, vba: bool = True) -> Path:
    ct = (
        _CT_HEAD
        + '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        + (
            '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
            if vba
            else ""
        )
        + '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.ms-excel.sheet.macroEnabled.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/customUI/customUI14.xml" ContentType="application/xml"/>'
        "</Types>"
    )
    parts: dict[str, str | bytes] = {
        "[Content_Types].xml": ct,
        "_rels/.rels": _RELS
        + f'<Relationship Id="rId1" Type="{_R}/officeDocument" Target="xl/workbook.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.microsoft.com/office/2007/relationships/ui/extensibility" '
        'Target="customUI/customUI14.xml"/></Relationships>',
        "customUI/customUI14.xml": "<customUI/>",
        "xl/workbook.xml": f'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="{_R}">'
        '<sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": _RELS
        + f'<Relationship Id="rId1" Type="{_R}/worksheet" Target="worksheets/sheet1.xml"/>'
        '<Relationship Id="rId9" Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" Target="vbaProject.bin"/>'
        "</Relationships>",
        "xl/worksheets/sheet1.xml": '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData/></worksheet>',
    }
    if vba:
        parts["xl/vbaProject.bin"] = b"\xd0\xcf\x11\xe0 a VBA project"
    return _package(path, parts)


def test_an_xlsx_never_carries_macros(tmp_path: Path) -> None:
    src = _macro_package(tmp_path / "src.bin")
    out = tmp_path / "copy.xlsx"
    atomic_write(out, lambda tmp: shutil.copyfile(src, tmp))
    facts = package_facts(out)
    assert "xl/vbaProject.bin" not in facts.parts
    assert facts.content_type("xl/workbook.xml") == CT_WORKBOOK
    assert all(not r.type.endswith("/vbaProject") for rels in facts.rels.values() for r in rels)
    assert "bin" not in facts.defaults
    # everything else is still there, the ribbon's relationship included
    assert "customUI/customUI14.xml" in facts.parts
    assert any(r.target == "customUI/customUI14.xml" for r in facts.rels["_rels/.rels"])
    assert package_changes(
        src, out, ["xl/vbaProject.bin", "[Content_Types].xml", "xl/_rels/workbook.xml.rels"]
    ) == ["content type of xl/workbook.xml"]  # the one change besides the VBA project


def test_an_xlsm_keeps_its_macros_and_loses_only_a_dangling_vba_relationship(
    tmp_path: Path,
) -> None:
    src = _macro_package(tmp_path / "src.bin")
    out = tmp_path / "copy.xlsm"
    atomic_write(out, lambda tmp: shutil.copyfile(src, tmp))
    assert out.read_bytes() == src.read_bytes()  # already right: not rewritten
    novba = _macro_package(tmp_path / "novba.bin", vba=False)
    atomic_write(out, lambda tmp: shutil.copyfile(novba, tmp))
    facts = package_facts(out)
    assert [r.id for r in facts.rels["xl/_rels/workbook.xml.rels"]] == ["rId1"]
    assert facts.content_type("xl/workbook.xml") == CT_MACRO_WORKBOOK


def test_a_plain_workbook_written_as_xlsm_gets_the_macro_content_type(tmp_path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    out = atomic_save_openpyxl(wb, tmp_path / "plain.xlsm")
    assert package_facts(out).content_type("xl/workbook.xml") == CT_MACRO_WORKBOOK


def test_excel4_macro_sheets_cannot_become_xlsx(tmp_path: Path) -> None:
    import zipfile

    src = _macro_package(tmp_path / "src.bin")
    with zipfile.ZipFile(src, "a") as z:
        z.writestr("xl/macrosheets/sheet1.xml", "<xm:macrosheet/>")
    with pytest.raises(OutputError) as info:
        atomic_write(tmp_path / "copy.xlsx", lambda tmp: shutil.copyfile(src, tmp))
    assert ".xlsm" in info.value.message_en
    assert not (tmp_path / "copy.xlsx").exists() and _leftovers(tmp_path) == []


def test_a_backup_is_a_byte_copy_even_of_a_mislabelled_package(tmp_path: Path) -> None:
    book = _macro_package(tmp_path / "odd.xlsx")  # macros inside an .xlsx name
    backup = make_backup(book)
    assert backup.read_bytes() == book.read_bytes()


# --------------------------------------------------------------------------- the in-place guard by part


def _rewrite(
    src: Path,
    dst: Path,
    *,
    change: dict[str, str | bytes] | None = None,
    drop: tuple[str, ...] = (),
) -> None:
    import zipfile

    with zipfile.ZipFile(src) as zi, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zo:
        for info in zi.infolist():
            if info.filename in drop:
                continue
            zo.writestr(info.filename, (change or {}).get(info.filename, zi.read(info)))
        for name, data in (change or {}).items():
            if name not in zi.namelist():
                zo.writestr(name, data)


def test_in_place_with_named_changes_keeps_a_byte_identical_backup(tmp_path: Path) -> None:
    book = _macro_package(tmp_path / "book.xlsm")
    before = book.read_bytes()
    sheet = '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"/></sheetData></worksheet>'
    now = dt.datetime(2026, 11, 30, 12, 0, 0)
    backup = write_in_place(
        book,
        lambda tmp: _rewrite(book, tmp, change={"xl/worksheets/sheet1.xml": sheet}),
        changes=["xl/worksheets/sheet1.xml"],
        inventory=False,
        now=now,
    )
    assert backup is not None and backup.name == "book.backup-20261130-120000.xlsm"
    assert backup.read_bytes() == before
    assert package_changes(backup, book, ["xl/worksheets/sheet1.xml"]) == []
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize(
    "what",
    [
        "unnamed part changed",
        "part dropped",
        "ribbon relationship dropped",
        "content type changed",
        "dangling relationship",
    ],
)
def test_in_place_refuses_what_the_change_does_not_name(tmp_path: Path, what: str) -> None:
    book = _macro_package(tmp_path / "book.xlsm")
    before = book.read_bytes()
    rels = (
        _RELS
        + f'<Relationship Id="rId1" Type="{_R}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    )
    edits: dict[str, Any] = {
        "unnamed part changed": ({"customUI/customUI14.xml": "<customUI>changed</customUI>"}, ()),
        "part dropped": ({}, ("xl/vbaProject.bin",)),
        "ribbon relationship dropped": ({"_rels/.rels": rels}, ()),
        "content type changed": (
            {
                "[Content_Types].xml": (
                    _CT_HEAD + '<Default Extension="xml" ContentType="application/xml"/>'
                    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                    '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
                    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.ms-excel.sheet.macroEnabled.main+xml"/>'
                    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/xml"/>'
                    '<Override PartName="/customUI/customUI14.xml" ContentType="application/xml"/></Types>'
                )
            },
            (),
        ),
        "dangling relationship": (
            {
                "xl/_rels/workbook.xml.rels": _RELS
                + f'<Relationship Id="rId1" Type="{_R}/worksheet" Target="worksheets/sheet1.xml"/>'
                '<Relationship Id="rId9" Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" Target="vbaProject.bin"/>'
                f'<Relationship Id="rId10" Type="{_R}/comments" Target="comments9.xml"/></Relationships>'
            },
            (),
        ),
    }
    change, drop = edits[what]
    named = ["_rels/.rels", "[Content_Types].xml", "xl/_rels/workbook.xml.rels"]
    with pytest.raises(OutputError) as info:
        write_in_place(
            book,
            lambda tmp: _rewrite(book, tmp, change=change, drop=drop),
            changes=named,
            inventory=False,
        )
    assert "would lose" in info.value.message_en
    assert book.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.xlsm"]  # no backup, no temp file


@pytest.mark.skipif(os.name != "posix", reason="symlinks")
def test_in_place_through_a_symlink_writes_the_target(tmp_path: Path) -> None:
    (tmp_path / "store").mkdir()
    real = _macro_package(tmp_path / "store" / "book.xlsm")
    before = real.read_bytes()
    link = tmp_path / "book.xlsm"
    link.symlink_to(real)
    sheet = '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="2"/></sheetData></worksheet>'
    backup = write_in_place(
        link,
        lambda tmp: _rewrite(real, tmp, change={"xl/worksheets/sheet1.xml": sheet}),
        changes=["xl/worksheets/sheet1.xml"],
    )
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_bytes() != before and backup is not None
    assert backup.parent == real.parent.resolve() and backup.read_bytes() == before


@pytest.mark.skipif(os.name != "posix", reason="hard links")
def test_in_place_through_a_hard_link_gives_that_name_a_new_file(tmp_path: Path) -> None:
    """As docs/robustness.md says: the name written gets a new file (new inode) with the
    change; the workbook's other names keep the old file, as does the backup."""
    book = _macro_package(tmp_path / "book.xlsm")
    before = book.read_bytes()
    other = tmp_path / "other.xlsm"
    os.link(book, other)
    inode = book.stat().st_ino
    sheet = '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="2"/></sheetData></worksheet>'
    backup = write_in_place(
        book,
        lambda tmp: _rewrite(book, tmp, change={"xl/worksheets/sheet1.xml": sheet}),
        changes=["xl/worksheets/sheet1.xml"],
    )
    assert book.stat().st_ino != inode and book.read_bytes() != before
    assert other.stat().st_ino == inode and other.read_bytes() == before
    assert backup is not None and backup.read_bytes() == before


def test_in_place_losses_the_change_names_are_not_losses(tmp_path: Path) -> None:
    """``named`` (i11a's annotate: the tool's own earlier notes it removes) lets exactly
    those inventory losses through; any other loss still refuses."""
    import openpyxl
    from openpyxl.comments import Comment

    book = tmp_path / "book.xlsx"
    wb = openpyxl.Workbook()
    active_sheet(wb)["A1"] = "x"
    active_sheet(wb)["A1"].comment = Comment("[gendan] old mark", "gendan")
    active_sheet(wb)["B1"].comment = Comment("the user's note", "user")
    wb.save(book)

    def drop(cells: tuple[str, ...]) -> Any:
        def writer(tmp: Path) -> None:
            w = openpyxl.load_workbook(book)
            for ref in cells:
                active_sheet(w)[ref].comment = None
            w.save(tmp)

        return writer

    backup = write_in_place(book, drop(("A1",)), named=lambda: {"comment on Sheet!A1"})
    assert backup is not None and active_sheet(openpyxl.load_workbook(book))["A1"].comment is None
    before = book.read_bytes()
    with pytest.raises(OutputError) as info:
        write_in_place(book, drop(("B1",)), named=lambda: {"comment on Sheet!A1"})
    assert "comment on Sheet!B1" in info.value.message_en and book.read_bytes() == before
