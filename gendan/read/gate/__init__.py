"""The input gate: look at a file's bytes before any parser touches it.

Why a gate: the readers we rely on (python-calamine, openpyxl) trust their input.  A 1 KB
.xlsx with one value in A1 and one in XFD1048576 makes calamine allocate 512 GB and abort
the whole process with a Rust backtrace; a zip whose parts inflate a thousandfold exhausts
memory; a CSV renamed to .xlsx yields "Cannot detect file format".  None of those may reach
the user as a crash.  So every command first calls :func:`open_checked`, which

* classifies the file by its bytes, never its extension (empty, CSV/HTML/SpreadsheetML 2003
  renamed, PDF, zip, OLE container, raw BIFF);
* inside an OLE container tells a password-protected OOXML workbook (``EncryptionInfo`` +
  ``EncryptedPackage`` streams) from a legacy .xls (``Workbook``/``Book`` stream), and a
  password-protected .xls (``FILEPASS`` record) from a readable one;
* inside a zip tells .xlsx/.xlsm/.xlsb/.ods from Word/PowerPoint/other zips;
* checks decompression-bomb limits from ``schemas/limits.yaml``: entry count, declared sizes
  and ratios from the central directory *before* inflating, then the actual sizes while
  inflating each part with a bounded zlib stream (a part that inflates past its declared size
  is refused - the declared size lied);
* refuses any XML part whose prolog has a DOCTYPE or ENTITY declaration (Excel never writes
  one; they are how XXE and billion-laughs attacks start), after decoding the prolog in the
  part's own declared encoding so UTF-16/UTF-7 cannot hide it;
* scans every worksheet for the extent of its value cells (the dense rectangle calamine will
  allocate) and refuses workbooks beyond ``max_cells``;
* notes what a reader cannot see: formulas without cached values (calamine reads them as
  blank - the workbook must be recalculated and saved in Excel), error values, the 1904 date
  system, macros.

Refusals raise :class:`GateRefusal` (a :class:`gendan.model.errors.UnreadableWorkbook`) with one
sentence in Chinese and one in English and a stable ``reason`` code; nothing else escapes.

Exception tree (from :mod:`gendan.model.errors`)::

    GendanError
     └── InputError
          └── UnreadableWorkbook
               └── GateRefusal        (reason: "empty", "encrypted", "zip-bomb", ...)
     └── SchemaError                  (limits.yaml malformed)

The package, in the order a file meets it::

    entry      open_checked: first bytes -> zip, OLE or non-container
    sniff      non-containers (CSV, text, HTML, 2003 XML, PDF, raw BIFF); the magic numbers
    zipgate    zip packages: central directory, package kind, every part inflated once, the
               byte pump to a SheetTap (gendan.read.split_read)
    parts      bounded inflater, small-part parsing, XML prolog verdict
    xlsx_scan  worksheet XML value extents;  ods_scan: OpenDocument;  xlsb: BIFF12 records
    biff       OLE/CFB containers and the BIFF8 record scan of a .xls
    limits     schemas/limits.yaml;  refusals: the zh+en sentence per reason (data);
    results    SheetScan, GateResult, notes

May import: gendan.model, gendan.ooxml (nothing above the read layer).
"""

from gendan.read.gate.entry import open_checked, require_file
from gendan.read.gate.limits import Format, Limits, MiB, load_limits
from gendan.read.gate.refusals import REFUSALS, GateRefusal
from gendan.read.gate.results import NATIVE_HELPER_SHEET, NOTE_MESSAGES, GateResult, SheetScan
from gendan.read.gate.zipgate import SheetTap

__all__ = [
    "Format",
    "GateRefusal",
    "GateResult",
    "Limits",
    "MiB",
    "NATIVE_HELPER_SHEET",
    "NOTE_MESSAGES",
    "REFUSALS",
    "SheetScan",
    "SheetTap",
    "load_limits",
    "open_checked",
    "require_file",
]
