"""Promotion: compare, promote and snapshot between folders and accounts."""
