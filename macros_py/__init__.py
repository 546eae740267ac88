"""The Excel side of gendan: ribbon functions, worksheet formulas (UDFs) and the xlwings
adapter and applier.  Only these modules import xlwings; the engine (gendan) never does.

    ribbon            one function per button of the 跟单 Gendan tab, and run(id)
    hosts             where a button reads and writes: live Excel or a workbook file
    udfs              GD_… worksheet formulas (xlwings UDFs)
    xlwings_adapter   live workbook → WorkbookData (one used-range read per sheet)
    xlwings_applier   Plan → xlwings calls
    overdue_sheet     the 逾期催款 sheet plan
"""
