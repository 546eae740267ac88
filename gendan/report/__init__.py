"""Reporting: findings and receivables rendered for people.

    output  text / JSON / CSV / Markdown renderings of a Report and of receivables
    todo    the merchandiser's to-do list (what to chase today)
    mail    reminder mails and their attachments

May import: gendan.model, gendan.read, gendan.rules, gendan.write.
"""
