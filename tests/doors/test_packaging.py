"""What a user installs holds everything the program uses.

The sdist is built from the checkout, the wheel from the unpacked sdist (as ``pip install``
from a package index does), both with setuptools' PEP 517 hooks.  The wheel must hold every
module under gendan/ and macros_py/, every data file, and no top-level package but those
two; then, run from the unpacked wheel in a folder outside the checkout, every data file
the code looks up must resolve inside the wheel, and a check of the sample workbook must
find what it finds from the checkout, document checks included.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow

#: Data files, by repository path → where the wheel must hold them.
DATA = {
    **{f"schemas/{p.name}": f"gendan/schemas/{p.name}" for p in (ROOT / "schemas").glob("*.yaml")},
    "addin/gendan.xlam": "gendan/addin/gendan.xlam",
    "addin/customUI14.xml": "gendan/addin/customUI14.xml",
    **{
        f"addin/vba/{p.name}": f"gendan/addin/vba/{p.name}"
        for p in (ROOT / "addin/vba").glob("*.bas")
    },
    "gendan/py.typed": "gendan/py.typed",
}


def _sdist(source: Path, out: Path) -> Path:
    """setuptools' PEP 517 sdist hook, in a fresh process, as a frontend runs it."""
    code = "import sys, setuptools.build_meta as b; print(b.build_sdist(sys.argv[1]))"
    done = subprocess.run(
        [sys.executable, "-c", code, str(out)],
        cwd=source,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return out / done.stdout.strip().splitlines()[-1]


def _wheel(source: Path, out: Path) -> Path:
    """``pip wheel``: the build a user's ``pip install`` does (isolated, pyproject's
    build requirements)."""
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out), str(source)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    (wheel,) = out.glob("gendan-*.whl")
    return wheel


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("pkg")
    sdist = _sdist(ROOT, tmp)
    with tarfile.open(sdist) as tf:
        tf.extractall(tmp / "src", filter="data")
    (unpacked,) = (tmp / "src").iterdir()
    wheel = _wheel(unpacked, tmp / "dist")
    site = tmp / "site"
    with zipfile.ZipFile(wheel) as z:
        z.extractall(site)
    return {"sdist": sdist, "wheel": wheel, "site": site}


def _sources(folder: str) -> set[str]:
    return {
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / folder).rglob("*.py")
        if "__pycache__" not in p.parts
    }


def test_wheel_holds_every_module_and_data_file(built: dict[str, Path]) -> None:
    names = set(zipfile.ZipFile(built["wheel"]).namelist())
    modules = _sources("gendan") | _sources("macros_py")
    assert modules - names == set()
    mapped = {f"gendan/addin/{Path(p).name}" for p in _sources("addin")} | {
        "gendan/schemas/__init__.py"
    }
    assert mapped - names == set()
    assert {want for want in DATA.values()} - names == set()
    tops = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert tops == {"gendan", "macros_py"}  # nothing generic such as a top-level "addin"


def test_sdist_holds_the_sources_of_every_data_file(built: dict[str, Path]) -> None:
    with tarfile.open(built["sdist"]) as tf:
        names = {n.split("/", 1)[1] for n in tf.getnames() if "/" in n}
    assert set(DATA) - names == set()
    assert "setup.py" in names and "pyproject.toml" in names


def test_installed_wheel_runs_outside_the_checkout(built: dict[str, Path], tmp_path: Path) -> None:
    """From the unpacked wheel (first on sys.path) in a folder outside the checkout: every
    data file resolves inside the wheel, and ``gendan check`` of the sample finds
    document checks too (exit 1)."""
    sample = tmp_path / "book.xlsx"
    sample.write_bytes((ROOT / "xlsx" / "sample.xlsx").read_bytes())
    probe = (
        "import gendan, sys\n"
        "from gendan.model.schema import default_schema_path\n"
        "from gendan.documents.layout import default_layout_path\n"
        "from gendan.read.gate.limits import _default_limits_path\n"
        "from gendan.addin_install import xlam_path\n"
        "from gendan.addin import build, formulas\n"
        "print(gendan.__file__)\n"
        "for p in (default_schema_path(), default_layout_path(), _default_limits_path(),\n"
        "          xlam_path(), build.CUSTOM_UI, *build.vba_sources()):\n"
        "    assert p.is_file(), p\n"
        "    print(p)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(built["site"])
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    paths = done.stdout.split()
    assert len(paths) == 1 + 5 + len(list((ROOT / "addin/vba").glob("*.bas")))
    assert all(Path(p).resolve().is_relative_to(built["site"].resolve()) for p in paths), paths

    def gendan(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-c", "from gendan.cli import main; raise SystemExit(main())", *args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )

    first = gendan("check", str(sample), "--format", "json")
    assert first.returncode == 1, first.stderr[-2000:]
    # Documents issued for one order, then its port of destination corrected in the
    # master: the check reports the issued documents that now disagree (doc-mismatch).
    issued = gendan("docs", str(sample), "--order", "YGO26-004", "--issue", "--out", "issued.xlsx")
    assert issued.returncode == 0, issued.stderr[-2000:]
    import openpyxl

    wb = openpyxl.load_workbook(tmp_path / "issued.xlsx")
    wb["工作序列表"]["U7"] = "ROTTERDAM"
    wb.save(tmp_path / "edited.xlsx")
    after = gendan("check", "edited.xlsx", "--format", "json")
    assert after.returncode == 1, after.stderr[-2000:]
    assert '"doc-mismatch"' in after.stdout
    assert '"doc-mismatch"' not in first.stdout


def _third_party_imports(folder: str) -> set[str]:
    import ast

    names: set[str] = set()
    for path in (ROOT / folder).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return {n for n in names if n not in sys.stdlib_module_names} - {"gendan", "macros_py"}


def _declared() -> dict[str, set[str]]:
    import re
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]

    def names(reqs: list[str]) -> set[str]:
        return {re.split(r"[<>=!~\[; ]", r, maxsplit=1)[0].lower().replace("_", "-") for r in reqs}

    extras = project["optional-dependencies"]
    return {"core": names(project["dependencies"])} | {k: names(v) for k, v in extras.items()}


def _distribution(module: str) -> str:
    from importlib.metadata import packages_distributions

    (dist,) = set(packages_distributions()[module])
    return dist.lower().replace("_", "-")


def test_declared_dependencies_are_the_imported_ones() -> None:
    """The engine's imports are core dependencies; the Excel side's are core or the extra
    'excel'; the add-in build's are in 'test'.  And nothing is declared that nothing
    imports (Pillow too: the dashboard's chart pictures are cropped with it, and openpyxl keeps
    images only with it)."""
    declared = _declared()
    engine = {_distribution(m) for m in _third_party_imports("gendan")}
    excel = {_distribution(m) for m in _third_party_imports("macros_py")}
    build = {_distribution(m) for m in _third_party_imports("addin")}
    assert engine - declared["core"] == set()
    assert excel - (declared["core"] | declared["excel"]) == set()
    assert build - (declared["core"] | declared["excel"] | declared["test"]) == set()
    assert declared["core"] - engine == set()
    assert declared["excel"] == {"xlwings"}
    assert "pandas" not in set().union(*declared.values())
