"""Adapters to live accounts: a small typed protocol (:mod:`providers.base`) and a registry."""
