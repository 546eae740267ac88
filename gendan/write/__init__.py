"""gendan.write: see docs/architecture.md."""
