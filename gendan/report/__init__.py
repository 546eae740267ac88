"""Reporting: findings and receivables rendered for people.

    output  text / JSON / CSV / Markdown renderings of a Report and of receivables
    todo    the merchandiser's to-do list (what to chase today)
    mail    reminder mails and their attachments
    mail_pdf  the documents an e-mail refers to, rendered to PDF and attached
    dashboard        the sales manager's 看板: figures per stage, month, customer, salesperson
    dashboard_sheet  the 看板 sheet, its drawing and native charts as package parts
    dashboard_run    gendan report: read, compute, write the sheet, render PDF and PNGs

May import: gendan.model, gendan.read, gendan.rules, gendan.documents, gendan.office,
gendan.write.
"""
