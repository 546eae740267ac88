"""gendan.office: see docs/architecture.md."""
