"""Safe writes: atomic replace, lock files, never onto the input, timestamped backups."""

from __future__ import annotations

import datetime as dt
import os
import stat
from pathlib import Path

import pytest

from gendan.errors import OutputError
from gendan.safe_write import (
    atomic_save_openpyxl,
    atomic_write,
    atomic_write_bytes,
    atomic_write_text,
    backup_path,
    check_not_input,
    check_not_locked,
    lock_files,
    make_backup,
    same_file,
)


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
    atomic_write(tmp_path / "x.txt", lambda tmp: (seen.append(tmp), tmp.write_text("x")))
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
    wb.active["A1"] = "合同号"
    out = atomic_save_openpyxl(wb, tmp_path / "o.xlsx")
    assert load_workbook(out).active["A1"].value == "合同号"
    assert _leftovers(tmp_path) == []
