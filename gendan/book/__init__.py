"""gendan.book: see docs/architecture.md."""
