"""The in-place guard: a rewrite that loses any chart, image, validation, format, name,
comment, ribbon or VBA project is caught and named; one that loses nothing passes."""

from __future__ import annotations

import re
import shutil
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent.parent / "corpus"))

import make_corpus

from gendan.model.errors import OutputError
from gendan.write.safe_write import package_inventory, parts_lost, write_in_place


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_corpus.build_roundtrip_xlsm(tmp_path_factory.mktemp("rt") / "roundtrip.xlsm")


def _surgery(
    src: Path,
    dest: Path,
    change: Callable[[str, bytes], bytes | None],
    extra: dict[str, bytes] | None = None,
) -> Path:
    make_corpus._rewrite_zip(src, dest, change, extra)
    return dest


def _drop(*names: str) -> Callable[[str, bytes], bytes | None]:
    return lambda n, d: None if n in names else d


def _sub(part: str, pattern: bytes, repl: bytes = b"") -> Callable[[str, bytes], bytes | None]:
    def change(n: str, d: bytes) -> bytes:
        if n == part:
            new = re.sub(pattern, repl, d, flags=re.S)
            assert new != d, f"surgery on {part} changed nothing"
            return new
        return d

    return change


def test_the_workbook_carries_everything(book: Path) -> None:
    inv = package_inventory(book)
    assert inv.sheets == ["工作序列表"]
    assert inv.charts == 1 and inv.drawings == 1 and sum(inv.images.values()) == 1
    assert inv.defined_names == {"Ports"}
    assert len(inv.data_validations) == 1 and len(inv.conditional_formats) == 1
    assert inv.comments == {"工作序列表!A2"}
    assert list(inv.custom_ui) == ["customUI/customUI14.xml"]
    assert inv.vba is not None


def test_a_byte_copy_loses_nothing(book: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy.xlsm"
    shutil.copy(book, copy)
    assert parts_lost(book, copy) == []


def test_a_rezipped_copy_loses_nothing(book: Path, tmp_path: Path) -> None:
    assert parts_lost(book, _surgery(book, tmp_path / "re.xlsm", lambda n, d: d)) == []


def test_renumbered_image_is_not_a_loss(book: Path, tmp_path: Path) -> None:
    def change(n: str, d: bytes) -> bytes | None:
        if n == "xl/media/image1.png":
            return None
        if n.startswith("xl/drawings/_rels/"):
            return d.replace(b"image1.png", b"image9.png")
        return d

    after = _surgery(
        book, tmp_path / "renum.xlsm", change, {"xl/media/image9.png": make_corpus.PNG_1x1}
    )
    assert parts_lost(book, after) == []


def test_additions_are_not_losses(book: Path, tmp_path: Path) -> None:
    after = _surgery(
        book,
        tmp_path / "more.xlsm",
        _sub(
            "xl/comments1.xml",
            rb"</commentList>",
            b'<comment ref="B3" authorId="0"><text><t>gendan</t></text></comment></commentList>',
        ),
    )
    assert parts_lost(book, after) == []


LOSSES: dict[str, tuple[Callable[[str, bytes], bytes | None], str]] = {
    "chart": (_drop("xl/charts/chart1.xml"), "1 of 1 chart"),
    "image": (_drop("xl/media/image1.png"), "1 of 1 image"),
    "drawing": (_drop("xl/drawings/drawing1.xml"), "1 of 1 drawing"),
    "data validation": (
        _sub("xl/worksheets/sheet1.xml", rb"<dataValidations.*?</dataValidations>"),
        "data validation on 工作序列表!K2:K100",
    ),
    "conditional format": (
        _sub("xl/worksheets/sheet1.xml", rb"<conditionalFormatting.*?</conditionalFormatting>"),
        "conditional format on 工作序列表!R2:R100",
    ),
    "defined name": (
        _sub("xl/workbook.xml", rb"<definedNames>.*?</definedNames>"),
        "defined name 'Ports'",
    ),
    "comment": (_drop("xl/comments1.xml"), "comment on 工作序列表!A2"),
    "customUI": (_drop("customUI/customUI14.xml"), "ribbon customUI customUI/customUI14.xml"),
    "vba removed": (_drop("xl/vbaProject.bin"), "VBA project xl/vbaProject.bin"),
    "vba changed": (
        lambda n, d: d[:-1] + bytes([d[-1] ^ 1]) if n == "xl/vbaProject.bin" else d,
        "VBA project xl/vbaProject.bin (changed)",
    ),
    "sheet renamed": (
        _sub("xl/workbook.xml", 'name="工作序列表"'.encode(), b'name="Sheet1"'),
        "sheet '工作序列表'",
    ),
}


@pytest.mark.parametrize("what", list(LOSSES))
def test_each_loss_is_named(book: Path, tmp_path: Path, what: str) -> None:
    change, expected = LOSSES[what]
    after = _surgery(book, tmp_path / "after.xlsm", change)
    lost = parts_lost(book, after)
    assert expected in lost, lost


SYNTHETIC = {
    "xl/pivotCache/pivotCacheDefinition1.xml": "1 of 1 pivot cache",
    "xl/pivotTables/pivotTable1.xml": "1 of 1 pivot table",
    "xl/slicers/slicer1.xml": "1 of 1 slicer part",
    "xl/timelines/timeline1.xml": "1 of 1 timeline part",
    "xl/externalLinks/externalLink1.xml": "1 of 1 external link",
    "xl/embeddings/oleObject1.bin": "1 of 1 embedded object",
    "xl/ctrlProps/ctrlProp1.xml": "1 of 1 form/ActiveX control part",
    "xl/connections.xml": "1 of 1 data connection part",
    "xl/threadedComments/threadedComment1.xml": "1 of 1 threaded comments part",
    "xl/chartsheets/sheet2.xml": "1 of 1 chart sheet",
    "xl/vbaProjectSignature.bin": "VBA digital signature",
}


@pytest.mark.parametrize("part", list(SYNTHETIC))
def test_package_parts_openpyxl_does_not_model(book: Path, tmp_path: Path, part: str) -> None:
    before = _surgery(book, tmp_path / "before.xlsm", lambda n, d: d, {part: b"<x/>"})
    lost = parts_lost(before, book)
    assert lost == [SYNTHETIC[part]]


def test_table_loss_is_named(tmp_path: Path) -> None:
    src = tmp_path / "t.xlsx"
    make_corpus.build(tmp_path, only={"listobject-master.xlsx"})
    shutil.move(tmp_path / "listobject-master.xlsx", src)
    assert package_inventory(src).tables == {"Orders"}
    after = _surgery(src, tmp_path / "t2.xlsx", _drop("xl/tables/table1.xml"))
    assert parts_lost(src, after) == ["table 'Orders'"]


# --------------------------------------------------------------------------- real writers


def test_openpyxl_without_keep_vba_is_caught(book: Path, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    out = tmp_path / "openpyxl.xlsm"
    load_workbook(book).save(out)
    lost = parts_lost(book, out)
    assert "VBA project xl/vbaProject.bin" in lost
    assert "ribbon customUI customUI/customUI14.xml" in lost


def test_openpyxl_keep_vba_keeps_macros_and_ribbon(book: Path, tmp_path: Path) -> None:
    """What an openpyxl-based --in-place can keep: everything but images without Pillow."""
    from openpyxl import load_workbook

    out = tmp_path / "openpyxl-vba.xlsm"
    load_workbook(book, keep_vba=True).save(out)
    lost = parts_lost(book, out)
    assert not any(
        "VBA" in x or "customUI" in x or "comment" in x or "defined name" in x for x in lost
    )
    try:
        import PIL  # noqa: F401
    except ImportError:
        assert lost == ["1 of 1 image"]
    else:
        assert lost == []


# --------------------------------------------------------------------------- write_in_place


def _add_sheet_note(src: Path, tmp: Path) -> None:
    """A writer that adds a comment and keeps everything else (zip-level)."""
    _surgery(
        src,
        tmp,
        _sub(
            "xl/comments1.xml",
            rb"</commentList>",
            b'<comment ref="C3" authorId="0"><text><t>gendan</t></text></comment></commentList>',
        ),
    )


def test_in_place_succeeds_with_backup(book: Path, tmp_path: Path) -> None:
    target = tmp_path / "master.xlsm"
    shutil.copy(book, target)
    original = target.read_bytes()
    backup = write_in_place(target, lambda tmp: _add_sheet_note(Path(book), tmp))
    assert backup is not None and backup.read_bytes() == original
    assert target.read_bytes() != original
    assert "工作序列表!C3" in package_inventory(target).comments
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([target.name, backup.name])


def test_in_place_refuses_and_leaves_the_file_alone(book: Path, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    target = tmp_path / "master.xlsm"
    shutil.copy(book, target)
    original = target.read_bytes()
    with pytest.raises(OutputError) as info:
        write_in_place(target, lambda tmp: load_workbook(target).save(tmp))
    assert "VBA project" in info.value.message_en and "VBA project" in info.value.message_zh
    assert "--out" in info.value.message_en
    assert target.read_bytes() == original
    assert [p.name for p in tmp_path.iterdir()] == [target.name]  # no backup, no temp


def test_in_place_refuses_a_locked_workbook_before_writing(book: Path, tmp_path: Path) -> None:
    target = tmp_path / "master.xlsm"
    shutil.copy(book, target)
    (tmp_path / "~$master.xlsm").write_bytes(b"owner")
    calls: list[Path] = []
    with pytest.raises(OutputError):
        write_in_place(target, calls.append)
    assert calls == []


def test_in_place_refuses_a_broken_result(book: Path, tmp_path: Path) -> None:
    target = tmp_path / "master.xlsm"
    shutil.copy(book, target)
    original = target.read_bytes()
    with pytest.raises(OutputError):
        write_in_place(target, lambda tmp: tmp.write_bytes(b"not a zip"))
    assert target.read_bytes() == original


def test_hostile_xml_in_the_new_file_is_refused_not_parsed(book: Path, tmp_path: Path) -> None:
    target = tmp_path / "master.xlsm"
    shutil.copy(book, target)

    def evil(tmp: Path) -> None:
        _surgery(
            book,
            tmp,
            _sub(
                "xl/workbook.xml",
                rb"^(<\?xml[^>]*\?>)?",
                rb'\1<!DOCTYPE w [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
            ),
        )

    with pytest.raises(OutputError):
        write_in_place(target, evil)
    with zipfile.ZipFile(target) as z:
        assert b"DOCTYPE" not in z.read("xl/workbook.xml")
