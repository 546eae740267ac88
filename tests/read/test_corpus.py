"""End to end: ``gendan check`` on every corpus file, as a user runs it.

Each run must end with its expected exit code (0/1 findings, 2 unreadable), print no
traceback and no "internal error", leave the file byte-identical, and finish in under 10 s
within 1 GB.  Exit 2 prints one sentence in Chinese and one in English on stderr.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent.parent / "corpus"))

import make_corpus

REPO = Path(__file__).resolve().parents[2]
CJK = re.compile(r"[\u4e00-\u9fff]")
TIME_LIMIT_S = 10.0
MEMORY_LIMIT_KB = 1024 * 1024


@pytest.fixture(scope="module")
def corpus() -> tuple[Path, list[make_corpus.Case]]:
    return make_corpus.corpus_dir()


def run_check(path: Path, *extra: str) -> tuple[subprocess.CompletedProcess[str], float]:
    start = time.monotonic()
    cp = subprocess.run(
        [sys.executable, "-m", "gendan.cli", "check", str(path), *extra],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "PYTHONIOENCODING": "utf-8", "PYTHONPATH": str(REPO)},
    )
    return cp, time.monotonic() - start


def _ids(cases: list[make_corpus.Case]) -> list[str]:
    return [c.name for c in cases]


ALL = make_corpus.cases()


@pytest.mark.parametrize("case", ALL, ids=_ids(ALL))
def test_check_on_corpus_file(
    corpus: tuple[Path, list[make_corpus.Case]], case: make_corpus.Case
) -> None:
    root, _ = corpus
    path = root / case.name
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    cp, elapsed = run_check(path, "--format", "json", "--as-of", "2026-11-27")
    assert "Traceback" not in cp.stderr, cp.stderr
    assert "Internal error" not in cp.stderr and "内部错误" not in cp.stderr, cp.stderr
    assert cp.returncode in case.cli_exit, (cp.returncode, cp.stderr)
    assert elapsed < TIME_LIMIT_S, f"{case.name}: {elapsed:.1f} s"
    assert resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss < MEMORY_LIMIT_KB
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest, "the input was modified"
    if cp.returncode == 2:
        lines = [ln for ln in cp.stderr.strip().splitlines() if ln.strip()]
        zh = [ln for ln in lines if CJK.search(ln) and ln.rstrip().endswith("。")]
        en = [
            ln
            for ln in lines
            if re.search(r"[A-Za-z]{3,} [A-Za-z]{2,}", ln) and ln.rstrip().endswith(".")
        ]
        assert zh and en, cp.stderr
        assert cp.stdout.strip() in ("", "[]")
    else:
        findings = json.loads(cp.stdout)
        assert isinstance(findings, list)
        for f in findings:
            assert {"code", "severity", "sheet", "cell", "row", "message_zh", "message_en"} <= set(
                f
            )


def test_libreoffice_files(corpus: tuple[Path, list[make_corpus.Case]]) -> None:
    root, built = corpus
    made = [c for c in built if "soffice" in c.tags]
    if not made:
        pytest.skip("soffice not installed: no LibreOffice-written files in the corpus")
    for c in made:
        cp, elapsed = run_check(root / c.name, "--format", "json")
        assert (
            cp.returncode in (0, 1) and "Traceback" not in cp.stderr and elapsed < TIME_LIMIT_S
        ), cp.stderr


def test_refusal_sentence_is_the_gates(corpus: tuple[Path, list[make_corpus.Case]]) -> None:
    root, _ = corpus
    cp, _ = run_check(root / "password-protected.xlsx")
    assert cp.returncode == 2
    assert "密码" in cp.stderr and "password-protected" in cp.stderr


def test_formulas_without_values_say_recalculate(
    corpus: tuple[Path, list[make_corpus.Case]],
) -> None:
    root, _ = corpus
    cp, _ = run_check(root / "formulas-no-cache.xlsx", "--format", "json")
    assert "recalculate" in cp.stderr and "重新计算" in cp.stderr, cp.stderr


def test_no_local_file_content_reaches_the_output(
    corpus: tuple[Path, list[make_corpus.Case]],
) -> None:
    root, _ = corpus
    secret = (
        Path("/etc/passwd").read_text(errors="replace").splitlines()[0]
        if Path("/etc/passwd").exists()
        else "root:"
    )
    for name in ("xxe-sheet.xlsx", "xxe-shared-strings.xlsx", "xxe-utf16.xlsx", "xxe-utf7.xlsx"):
        cp, _ = run_check(root / name, "--format", "json")
        assert cp.returncode == 2
        assert secret not in cp.stdout and secret not in cp.stderr
        assert "lollol" not in cp.stdout


def test_csv_report_defuses_formula_text(
    corpus: tuple[Path, list[make_corpus.Case]], tmp_path: Path
) -> None:
    root, _ = corpus
    cp, _ = run_check(root / "formula-injection.xlsx", "--format", "csv", "--as-of", "2026-11-27")
    assert cp.returncode in (0, 1), cp.stderr
    rows = list(csv.reader(io.StringIO(cp.stdout, newline="")))
    assert len(rows) > 1
    payload_seen = False
    for row in rows:
        for field in row:
            if "HYPERLINK" in field or "cmd|" in field:
                payload_seen = True
            s = field.lstrip(" \u00a0\u3000")
            if s and s[0] in "=+-@\t\r\n":
                float(s)  # only a plain number may start like a formula
    assert payload_seen, "the payload rows produced no findings to check"
    # and the same through --out (written atomically)
    out = tmp_path / "report.csv"
    cp, _ = run_check(root / "formula-injection.xlsx", "--format", "csv-utf8", "--out", str(out))
    assert out.read_text(encoding="utf-8").splitlines()[0].startswith("code")


def test_date1904_dates_are_read_as_dates(corpus: tuple[Path, list[make_corpus.Case]]) -> None:
    """Reading, not just the note: a 1904 workbook's contract date is the date written."""
    from gendan.read.reader import read_workbook

    root, _ = corpus
    data = read_workbook(root / "date1904.xlsx")
    assert data.date1904
    master = data.sheets[0]
    header_row = next(
        i for i, r in enumerate(master.rows) if r and r[0] == make_corpus.master_header()[0]
    )
    first = master.rows[header_row + 1]
    assert str(first[1])[:10] == "2026-01-05"


@pytest.mark.parametrize(
    "name",
    [
        "legacy.xls",
        "master.xlsb",
        "master.ods",
        "listobject-master.xlsx",
        "master-renamed-sheet.xlsx",
    ],
)
def test_other_formats_read_the_same_orders(
    corpus: tuple[Path, list[make_corpus.Case]], name: str
) -> None:
    from gendan.rules.engine import load_book

    root, _ = corpus
    tables, _schema = load_book(root / name)
    nos = [n for n in tables.master.values["contract_no"] if n]
    assert nos == ["SC-2026-001", "SC-2026-002", "SC-2026-003"]
