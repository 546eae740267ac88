"""Native rules: the checks written into the workbook itself as Excel data validations and
conditional formats, so Excel flags a wrong cell as it is typed.

    rules   the rule set derived from the schema and the checks (as data)
    terms   payment-terms checks as Excel formulas
    patch   the rule set written into a user's package (byte patch, no openpyxl round trip)

May import: gendan.model, gendan.ooxml, gendan.read, gendan.rules, gendan.write, gendan.book
(book.validations: the template's validations as data).
"""
