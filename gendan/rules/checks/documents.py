"""doc-mismatch and doc-missing, registered like every other check.

The comparison itself lives with the documents (:mod:`gendan.documents.audit`), because it
rebuilds each issued document with the code that issued it; this module only puts it in
the check registry, so ``settings.disabled``, the severities and the code registry
(:mod:`gendan.model.codes`) treat the doc-* codes like any other.  Imported last by
:mod:`gendan.rules.checks`, so its findings follow every rule's, as they always have.
"""

from __future__ import annotations

from gendan.documents.audit import check_documents
from gendan.model.findings import Finding
from gendan.rules.checks.base import Context, check


@check("documents", codes=("doc-mismatch", "doc-missing"), cost=5, local=True)
def documents(ctx: Context) -> list[Finding]:
    """Issued document sheets against the master; sent orders without their documents."""
    return check_documents(ctx.tables.data, ctx.tables, ctx.schema)
