"""The model: what every layer speaks, with no I/O of a workbook and no third-party writer.

    errors      the exception tree (GendanError → InputError / SchemaError / OutputError)
    grid        SheetGrid / WorkbookData: a workbook's cells as plain values
    values      cell value → date / number / text, as the checks read them
    normalize   text normalisation (full-width, spaces) used in every comparison
    sanitize    text made safe for terminals, XML and formulas
    terms       payment terms (T/T, L/C, D/P …) parsed into PaymentTerms
    words       amounts in words (English, Chinese capitals) for documents
    iso6346     container numbers and their check digits
    resources   the shipped data files (schemas/*.yaml) found through importlib.resources
    yamldata    YAML loading with one error sentence
    schema      schemas/master.yaml → Schema (sheets, columns, settings, enums)
    findings    Finding / Report: the frozen result of a check
    messages    each finding code's severity and zh/en message templates
    plan        write plans as data (SetValues, Fill, Note, …): what the writers carry out
    parallel    how many cores a run may use

May import: nothing else in gendan (the bottom layer).
"""
