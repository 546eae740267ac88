"""Helpers for the agreement test of the native rules (tests/native/test_native_rules_libreoffice.py):
helper cells that compute each rule's formula, one LibreOffice run over many books, and the
comparison with ``gendan check``."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from gendan.model.grid import column_letter
from gendan.native.rules import RuleSet
from gendan.office.recalc import find_soffice, profile_dir
from gendan.rules.engine import check_workbook


@dataclass
class Probe:
    """Where the helper cells of one rule are: sheet, helper column, data rows."""

    rule_id: str
    code: str
    sheet: str
    key_letter: str
    column: str
    rows: list[int]


def add_probes(
    book: Path, out: Path, rs: RuleSet, data_rows: dict[str, list[int]], validations: bool = False
) -> list[Probe]:
    """Copy ``book`` to ``out`` with, right of each table, one column per rule whose cells
    hold the rule's formula for their row (as array formulas: a conditional format is
    evaluated as an array formula too), 1 where the rule flags the row."""
    import openpyxl
    from openpyxl.worksheet.formula import ArrayFormula

    wb = openpyxl.load_workbook(book)
    probes: list[Probe] = []
    next_col: dict[str, int] = {}
    for rule in rs.rules:
        lay = rs.layout(rule.role)
        ws = wb[lay.sheet]
        j = next_col.get(lay.sheet, max(lay.span[1], ws.max_column) + 2)
        next_col[lay.sheet] = j + 1
        letter = column_letter(j)
        rows = data_rows[lay.sheet]
        for r in rows:
            ref = f"{letter}{r}"
            ws[ref] = ArrayFormula(ref, f"=IF({rs.formula(rule, r)},1,0)")
        probes.append(Probe(rule.id, rule.code, lay.sheet, lay.letter(rule.key), letter, rows))
    if validations:  # one column per validation: 1 where it would refuse the cell's value
        from gendan.native.patch import typed_checks

        typed, _lists = typed_checks(rs.schema)
        for v in rs.validations(typed):  # as gendan rules writes them
            lay = rs.layout(v.role)
            ws = wb[lay.sheet]
            j = next_col.get(lay.sheet, max(lay.span[1], ws.max_column) + 2)
            next_col[lay.sheet] = j + 1
            letter = column_letter(j)
            rows = data_rows[lay.sheet]
            for r in rows:
                formula = next(
                    x for x in rs.validations(typed, row=r) if x.key == v.key and x.role == v.role
                )
                ws[f"{letter}{r}"] = ArrayFormula(f"{letter}{r}", f"=IF({formula.formula},0,1)")
            probes.append(
                Probe(
                    f"dv:{v.role}:{v.key}",
                    "dv:" + ",".join(v.codes),
                    lay.sheet,
                    lay.letter(v.key),
                    letter,
                    rows,
                )
            )
    wb.save(out)
    return probes


def recalc_many(books: list[Path], out_dir: Path, timeout: float = 900) -> list[Path]:
    """Every book recalculated by one LibreOffice run (always-recalc profile)."""
    soffice = find_soffice()
    assert soffice is not None
    out_dir.mkdir(parents=True, exist_ok=True)
    profile = profile_dir()
    try:
        cmd = [
            soffice,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            "xlsx:Calc MS Excel 2007 XML",
            "--outdir",
            str(out_dir),
        ] + [str(b) for b in books]
        subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    return [out_dir / b.name for b in books]


def native_flags(
    recalculated: Path, probes: list[Probe]
) -> tuple[set[tuple[str, str, str]], list[str]]:
    """(sheet, cell, code) of every helper cell that says 1; errors found in helper cells."""
    import python_calamine

    wb = python_calamine.CalamineWorkbook.from_path(str(recalculated))
    grids = {n: wb.get_sheet_by_name(n).to_python() for n in {p.sheet for p in probes}}
    flags, errors = set(), []
    for p in probes:
        grid = grids[p.sheet]
        j = sum((ord(ch) - 64) * 26**k for k, ch in enumerate(reversed(p.column))) - 1
        for r in p.rows:
            v = grid[r - 1][j] if r - 1 < len(grid) and j < len(grid[r - 1]) else None
            if v in (1, 1.0):
                if p.code.startswith("dv:"):
                    cell = grid[r - 1][_col(p.key_letter) - 1] if r - 1 < len(grid) else ""
                    if cell in ("", None) or (isinstance(cell, str) and not cell.strip()):
                        continue  # a validation never looks at a blank cell ("ignore blank")
                flags.add((p.sheet, f"{p.key_letter}{r}", p.code))
            elif v not in (0, 0.0):
                errors.append(f"{p.rule_id} {p.sheet}!{p.column}{r}: {v!r}")
    return flags, errors


def _col(letters: str) -> int:
    return sum((ord(ch) - 64) * 26**k for k, ch in enumerate(reversed(letters)))


def engine_flags(book: Path, rs: RuleSet, as_of: dt.date) -> set[tuple[str, str, str]]:
    """(sheet, cell, code) of the engine's findings for the codes and columns the rules cover."""
    covered = {(rs.layout(r.role).sheet, rs.layout(r.role).letter(r.key), r.code) for r in rs.rules}
    out = set()
    for f in check_workbook(book, rs.schema, as_of).findings:
        letter = "".join(ch for ch in f.cell if ch.isalpha())
        if (f.sheet, letter, f.code) in covered and f.row > rs.layout_for(f.sheet).header_row:
            out.add((f.sheet, f.cell, f.code))
    return out
