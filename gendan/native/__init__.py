"""gendan.native: see docs/architecture.md."""
