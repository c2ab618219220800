"""Planning: match, diff and order desired records against the live account."""
