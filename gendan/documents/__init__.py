"""Trade documents made from the master row: layouts as data, linked drafts, issued
(frozen) sheets, and the checks that compare issued documents with the master.

    layout   schemas/documents.yaml → Layout / DocumentSpec / CellSpec   (load_layout)
    expr     the calc: mini-language → Excel formula, and → Python value
    build    one document for one order → Plan (+ field records)        (build_document)
    audit    doc-mismatch / doc-missing from plain cell values           (check_documents)
    gendocs  gendan docs: copy of the workbook + document sheets (+ PDF) (generate)

    fastsheets  document sheets written fast (a scratch package) for gendocs

The engine parts (layout, expr, build, audit) never import openpyxl; the writers (gendocs,
fastsheets) do, lazily.

May import: gendan.model, gendan.ooxml, gendan.read, gendan.office, gendan.write.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = [
    "DRAFT",
    "ISSUED",
    "DocumentSheet",
    "GenerateResult",
    "Order",
    "build_document",
    "check_documents",
    "generate",
    "load_layout",
]

if TYPE_CHECKING:
    from gendan.documents.audit import check_documents
    from gendan.documents.build import DRAFT, ISSUED, DocumentSheet, Order, build_document
    from gendan.documents.gendocs import GenerateResult, generate
    from gendan.documents.layout import load_layout

_WHERE = {
    "DRAFT": "build",
    "ISSUED": "build",
    "DocumentSheet": "build",
    "Order": "build",
    "build_document": "build",
    "check_documents": "audit",
    "GenerateResult": "gendocs",
    "generate": "gendocs",
    "load_layout": "layout",
}


def __getattr__(name: str) -> Any:
    """Lazy exports: ``gendan check`` imports check_documents without loading generate."""
    mod = _WHERE.get(name)
    if mod is None:
        raise AttributeError(name)
    import importlib

    return getattr(importlib.import_module(f"gendan.documents.{mod}"), name)
