"""Command-line tools (admin and sandbox)."""
