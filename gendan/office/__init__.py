"""LibreOffice, headless: recalculate a workbook (recalc) and render sheets to PDF
(render_pdf).  Optional everywhere: a missing soffice is one sentence, never a crash.

May import: gendan.model.
"""
