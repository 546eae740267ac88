"""Writing back: carrying a plan (gendan.model.plan) out on a workbook, safely.

    safe_write      atomic writes, backups, in-place writes only when nothing is lost
    temps           the temporary-file registry removed on any exit
    write_guard     a written package conforms to its suffix and changed only what it said
    xlsx_patch      byte-level package patching (cells, styles, parts) without openpyxl's loss
    inject          the byte-level graft of new sheets (documents, ribbon sheets) into a copy
    sheet_window    a big sheet part read through a window and streamed back on write
    marks           the check marks as plans (fills, notes, 检查结果, the ledger)
    patch_marks     marks written by patching the package;  patch_notes: notes and VML
    marks_openpyxl  marks on an openpyxl workbook (the ribbon's file host, fallbacks)
    apply_openpyxl  the openpyxl applier of plans (new workbooks; proven-lossless fallbacks)
    annotate        the annotate / clear use cases: check, plan, patch, write

May import: gendan.model, gendan.ooxml, gendan.read, gendan.rules.
"""
