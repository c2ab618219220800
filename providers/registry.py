"""Providers by name. Registering a name twice is refused, as decK's CRUD registry does.

The providers that ship with syncset are listed in :data:`BUILTIN` by module, and a module is
imported only when its provider is first asked for: a sandbox-only run never loads the HTTP
stack, and no provider module needs to import the registry (so there is no import cycle).
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ValidationError

from syncset.errors import ProviderError
from syncset.providers.base import Provider, ProviderContext

ProviderFactory = Callable[[BaseModel, ProviderContext], Provider]

BUILTIN: dict[str, tuple[str, str, str]] = {
    "sandbox": ("syncset.providers.sandbox.provider", "SandboxSettings", "open_sandbox"),
    "xurrent": ("syncset.providers.xurrent.provider", "XurrentSettings", "open_xurrent"),
    "rest": ("syncset.providers.rest.provider", "RestSettings", "open_rest"),
}
"""Name → (module, settings model, factory) of every provider that ships with syncset."""


class ProviderRegistry:
    def __init__(self, builtin: dict[str, tuple[str, str, str]] | None = None) -> None:
        self._factories: dict[str, tuple[type[BaseModel], ProviderFactory]] = {}
        self._lazy = dict(BUILTIN if builtin is None else builtin)
        self._loading = threading.Lock()
        """Environments are planned in threads (``ci plan --workers``): without it, a second
        thread would find a provider neither lazy nor loaded while the first imports it."""

    def register(
        self, name: str, settings_model: type[BaseModel], factory: ProviderFactory
    ) -> None:
        if name in self._factories or name in self._lazy:
            raise ValueError(f"provider {name!r} is registered twice")
        self._factories[name] = (settings_model, factory)

    def names(self) -> list[str]:
        return sorted({*self._factories, *self._lazy})

    def settings_model(self, name: str) -> type[BaseModel]:
        return self._entry(name)[0]

    def validate_settings(self, name: str, settings: dict[str, Any]) -> BaseModel:
        """Check a provider's settings without connecting (raises pydantic's ValidationError)."""
        return self.settings_model(name).model_validate(settings)

    def open(self, name: str, settings: dict[str, Any], context: ProviderContext) -> Provider:
        model, factory = self._entry(name)
        try:
            parsed = model.model_validate(settings)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise ProviderError(
                f"account settings for provider {name!r}: {where}: {first['msg']}"
            ) from None
        return factory(parsed, context)

    def _entry(self, name: str) -> tuple[type[BaseModel], ProviderFactory]:
        with self._loading:
            if name in self._lazy:
                module_name, settings_name, factory_name = self._lazy[name]
                module = importlib.import_module(module_name)
                loaded = (getattr(module, settings_name), getattr(module, factory_name))
                self._factories[name] = loaded
                del self._lazy[name]  # only once it is loaded: a failed import stays lazy
        if name not in self._factories:
            raise ProviderError(f"unknown provider {name!r}: use one of {', '.join(self.names())}")
        return self._factories[name]


REGISTRY = ProviderRegistry()
