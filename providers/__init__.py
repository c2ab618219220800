"""Adapters to live accounts: a small typed protocol (:mod:`syncset.providers.base`) and a
registry (:mod:`syncset.providers.registry`); one package per provider: sandbox, http, xurrent,
rest."""
