"""Applying: writes in dependency order, the journal, the lock, rollback."""
