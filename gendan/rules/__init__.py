"""The rules: what is wrong in the tables, as findings.

    engine       check_workbook / check_data / check_tables: read → tables → every rule →
                 Report (also the documents' audit, gendan.documents.audit)
    checks/      the registered rules (cells, orders, payments, prices) and their registry
                 (checks.base: @check, Context, run_check)
    stages       each order's stage (booked, shipped, paid …) from its dates
    receivables  what is owed and when (due dates from the payment terms)

The engine never writes and imports neither openpyxl nor xlwings.

May import: gendan.model, gendan.read, gendan.documents.
"""
