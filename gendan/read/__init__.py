"""gendan.read: see docs/architecture.md."""
