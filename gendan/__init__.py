"""gendan 跟单: checks, documents and receivables for an export merchandiser's master workbook.

The public API (checked by tests/doors/test_api.py):

    check_workbook(path, schema=None, as_of=None) -> Report
    check_data(WorkbookData, schema=None, as_of=None) -> Report
    load_schema(path=None) -> Schema
    parse_terms(text) -> PaymentTerms | None
    due_date(terms, contract_date=…, etd=…, bl_date=…, docs_sent_date=…) -> date | None
    Finding, Report, SheetGrid, WorkbookData, GendanError, InputError, SchemaError
"""

from gendan.model.errors import GendanError, InputError, SchemaError
from gendan.model.findings import Finding, Report
from gendan.model.grid import SheetGrid, WorkbookData
from gendan.model.schema import load_schema
from gendan.model.terms import PaymentTerms, parse_terms
from gendan.rules.engine import check_data, check_workbook
from gendan.rules.receivables import due_date

__all__ = [
    "Finding",
    "GendanError",
    "InputError",
    "PaymentTerms",
    "Report",
    "SchemaError",
    "SheetGrid",
    "WorkbookData",
    "check_data",
    "check_workbook",
    "due_date",
    "load_schema",
    "parse_terms",
]
__version__ = "0.1.0"
