"""gendan.rules: see docs/architecture.md."""
