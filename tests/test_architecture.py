"""The import graph of gendan/ and macros_py/ keeps the layers of docs/architecture.md.

Every module is parsed with :mod:`ast` (nothing is imported), and every ``import`` counts,
also those inside functions: a function-level import is how a circle hides, and it runs the
first time the function does.  Only imports under ``if TYPE_CHECKING:`` are left out, as they
never run.

Three rules:

* no import circles between modules;
* the engine (everything but the writers listed in ``MAY_USE_OPENPYXL`` and the doors) imports
  neither openpyxl nor xlwings;
* each package imports only the packages its ``__init__`` docstring allows (``ALLOWED``; the
  docstring's "May import:" line must say the same).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
ROOTS = ("gendan", "macros_py")

#: layer -> the layers it may import (itself always allowed).  A layer is a subpackage of
#: gendan; "doors" are the command line, the add-in installer and the public API, which may
#: import anything, as may macros_py (the Excel door).
ALLOWED: dict[str, set[str]] = {
    "model": set(),
    "ooxml": set(),
    "read": {"model", "ooxml"},
    "office": {"model"},
    "documents": {"model", "ooxml", "read", "office", "write"},
    "rules": {"model", "read", "documents"},
    "write": {"model", "ooxml", "read", "rules"},
    "native": {"model", "ooxml", "read", "rules", "write", "book"},
    "report": {"model", "read", "rules", "documents", "office", "write"},
    "book": {"model", "native"},
}
DOORS = {"gendan", "gendan.api", "gendan.cli", "gendan.addin_install"}

#: modules that write workbooks through openpyxl (never a user's book: see safe_write)
MAY_USE_OPENPYXL = (
    "gendan.write.",
    "gendan.documents.gendocs",
    "gendan.documents.fastsheets",
    "gendan.report.mail",
    "gendan.book.",
)
FORBIDDEN_IN_ENGINE = ("openpyxl", "xlwings")


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _type_checking_only(tree: ast.AST) -> set[int]:
    """ids of the import nodes under ``if TYPE_CHECKING:``."""
    out: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for inner in node.body:
                out.update(id(n) for n in ast.walk(inner))
    return out


def import_graph(
    root: Path, packages: tuple[str, ...] = ROOTS
) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """(module -> modules of ``packages`` it imports, module -> external top-level names)."""
    files = {
        module_name(p, root): p for pkg in packages for p in sorted((root / pkg).rglob("*.py"))
    }
    graph: dict[str, set[str]] = {}
    external: dict[str, set[str]] = {}
    for mod, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = _type_checking_only(tree)
        is_pkg = path.name == "__init__.py"
        deps: set[str] = set()
        ext: set[str] = set()
        for node in ast.walk(tree):
            if id(node) in skip:
                continue
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = mod.split(".") if is_pkg else mod.split(".")[:-1]
                    anchor = anchor[: len(anchor) - (node.level - 1)]
                    base = ".".join([*anchor, base] if base else anchor)
                subs = [f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in files]
                targets = subs if len(subs) == len(node.names) else [base, *subs]
            for t in targets:
                if t.split(".")[0] in packages:
                    while t not in files and "." in t:
                        t = t.rsplit(".", 1)[0]
                    if t in files and t != mod:
                        deps.add(t)
                else:
                    ext.add(t.split(".")[0])
        graph[mod] = deps
        external[mod] = ext
    return graph, external


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on.add(start)
        while work:
            v, it = work[-1]
            for w in it:
                if w not in graph:
                    continue
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(graph[w]))))
                    break
                if w in on:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    comp = []
                    while True:
                        w = stack.pop()
                        on.discard(w)
                        comp.append(w)
                        if w == v:
                            break
                    if len(comp) > 1:
                        out.append(sorted(comp))
    return out


def layer(mod: str) -> str:
    if mod.startswith("macros_py") or mod in DOORS:
        return "doors"
    return mod.split(".")[1]


GRAPH, EXTERNAL = import_graph(REPO)


def test_the_graph_sees_the_modules() -> None:
    assert "gendan.rules.engine" in GRAPH and "macros_py.ribbon" in GRAPH
    assert "gendan.read.reader" in GRAPH["gendan.rules.engine"] or any(
        d.startswith("gendan.read") for d in GRAPH["gendan.rules.engine"]
    )


def test_no_import_circles() -> None:
    found = cycles(GRAPH)
    assert not found, "import circles: " + "; ".join(" <-> ".join(c) for c in found)


def test_the_engine_imports_neither_openpyxl_nor_xlwings() -> None:
    bad = {
        mod: sorted(EXTERNAL[mod] & set(FORBIDDEN_IN_ENGINE))
        for mod in GRAPH
        if layer(mod) != "doors" and not mod.startswith(MAY_USE_OPENPYXL)
    }
    assert not {m: v for m, v in bad.items() if v}


def test_no_xlwings_outside_the_doors() -> None:
    assert not [m for m in GRAPH if layer(m) != "doors" and "xlwings" in EXTERNAL[m]]


def test_each_package_imports_only_what_it_may() -> None:
    bad = []
    for mod, deps in GRAPH.items():
        own = layer(mod)
        if own == "doors":
            continue
        for dep in deps:
            other = layer(dep)
            if other == "doors":
                bad.append(f"{mod} -> {dep} (a door)")
            elif other != own and other not in ALLOWED[own]:
                bad.append(f"{mod} -> {dep}")
    assert not bad, "\n".join(sorted(bad))


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_each_package_says_what_it_may_import(package: str) -> None:
    """The ``__init__`` docstring's "May import:" line names exactly the allowed layers."""
    init = REPO / "gendan" / package / "__init__.py"
    if not init.exists():
        init = REPO / "gendan" / f"{package}.py"
    doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
    m = re.search(r"May import:([^\n]*(?:\n(?!\n)[^\n]*)*)", doc)
    assert m, f"{init}: no 'May import:' line"
    named = set(re.findall(r"gendan\.(\w+)", m.group(1)))
    assert named == ALLOWED[package], f"{init} says {sorted(named)}"


def test_a_deliberate_circle_is_found(tmp_path: Path) -> None:
    """The checker itself: a function-level import that closes a circle is reported."""
    pkg = tmp_path / "gendan"
    (pkg / "rules").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "rules" / "__init__.py").write_text("")
    (pkg / "rules" / "a.py").write_text("from gendan.rules import b\n")
    (pkg / "rules" / "b.py").write_text("def f():\n    from gendan.rules.a import x\n")
    (pkg / "rules" / "c.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from gendan.rules import a\n"
    )
    graph, _ = import_graph(tmp_path, ("gendan",))
    assert cycles(graph) == [["gendan.rules.a", "gendan.rules.b"]]
    assert graph["gendan.rules.c"] == set()


def test_the_table_in_docs_architecture_says_the_same() -> None:
    """docs/architecture.md is what a newcomer reads first; its "may import" table drifted
    from ``ALLOWED`` once (report's documents and office were missing)."""
    text = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `(\w+)`\s*\|\s*([^|]+?)\s*\|$", text, flags=re.M))
    doc = {
        pkg: set()
        if "nothing" in allowed
        else set(re.findall(r"\b[a-z]+\b", allowed.split("(")[0]))
        for pkg, allowed in rows.items()
    }
    assert doc == ALLOWED
