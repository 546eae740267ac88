"""gendan.model: see docs/architecture.md."""
