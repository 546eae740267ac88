"""The YAML files gendan ships: master.yaml (the schema and settings), documents.yaml (the
document layouts) and limits.yaml (the input gate's limits).

This file makes the folder the regular package ``gendan.schemas`` (setup.py maps it into
gendan), so importlib.resources finds the YAML the same way in a wheel, an sdist and a
checkout.  Copy master.yaml to customise it; nothing here needs editing.
"""
