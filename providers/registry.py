"""Providers by name. Registering a name twice is refused, as decK's CRUD registry does."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ValidationError

from engine.errors import ProviderError
from providers.base import Provider, ProviderContext

ProviderFactory = Callable[[BaseModel, ProviderContext], Provider]


class ProviderRegistry:
    def __init__(self) -> None:
        self._factories: dict[str, tuple[type[BaseModel], ProviderFactory]] = {}

    def register(
        self, name: str, settings_model: type[BaseModel], factory: ProviderFactory
    ) -> None:
        if name in self._factories:
            raise ValueError(f"provider {name!r} is registered twice")
        self._factories[name] = (settings_model, factory)

    def names(self) -> list[str]:
        return sorted(self._factories)

    def settings_model(self, name: str) -> type[BaseModel]:
        self._ensure_builtins()
        if name not in self._factories:
            raise ProviderError(f"unknown provider {name!r}: use one of {', '.join(self.names())}")
        return self._factories[name][0]

    def validate_settings(self, name: str, settings: dict[str, Any]) -> BaseModel:
        """Check a provider's settings without connecting (raises pydantic's ValidationError)."""
        return self.settings_model(name).model_validate(settings)

    def open(self, name: str, settings: dict[str, Any], context: ProviderContext) -> Provider:
        model = self.settings_model(name)
        try:
            parsed = model.model_validate(settings)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise ProviderError(
                f"account settings for provider {name!r}: {where}: {first['msg']}"
            ) from None
        return self._factories[name][1](parsed, context)

    _builtins_loaded = False

    def _ensure_builtins(self) -> None:
        if ProviderRegistry._builtins_loaded:
            return
        ProviderRegistry._builtins_loaded = True
        import providers.builtin  # noqa: F401  (registers the built-in providers)


REGISTRY = ProviderRegistry()
