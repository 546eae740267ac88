"""The books gendan makes from the schema: the blank template (template, with its data
validations as data in validations), the sample master (sample) and the schema's reference
page (schemadoc → docs/schema.md).

May import: gendan.model, gendan.native.
"""
