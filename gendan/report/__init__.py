"""gendan.report: see docs/architecture.md."""
