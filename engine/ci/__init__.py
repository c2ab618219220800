"""CI: the environments a change touches, planned or applied, and drift."""
