"""Reading: a file's bytes proven safe, then its cells, then typed tables.

    gate/       the input gate: every file is classified and bounded by its bytes before any
                parser sees it (a package: entry, sniff, zipgate, parts, scanners, biff)
    split_read  the parallel reader fed by the gate's byte pump (SheetTap)
    reader      read_workbook: gate + calamine → WorkbookData
    tables      WorkbookData + Schema → typed Tables (header found, values parsed)

May import: gendan.model, gendan.ooxml.
"""
