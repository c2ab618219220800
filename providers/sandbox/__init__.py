"""The embedded sandbox account (SQLite)."""
