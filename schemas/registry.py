"""The catalog: every kind by name, built once at import from the kind models."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from syncset.schemas.base import KindSpec, RecordModel, build_spec
from syncset.schemas.integration import KINDS as INTEGRATION_KINDS
from syncset.schemas.xurrent import KINDS as XURRENT_KINDS


class UnknownKindError(KeyError):
    """A kind name the catalog does not hold."""


class Catalog:
    """Kinds by name. Registering a name twice is refused: two models may not claim one kind."""

    def __init__(self, models: Iterable[type[RecordModel]] = ()) -> None:
        self._specs: dict[str, KindSpec] = {}
        for model in models:
            self.register(model)

    def register(self, model: type[RecordModel]) -> KindSpec:
        spec = build_spec(model)
        if spec.name in self._specs:
            raise ValueError(f"kind {spec.name!r} is registered twice")
        self._specs[spec.name] = spec
        return spec

    def validate_references(self) -> None:
        """Every reference must point at a registered kind."""
        for spec in self._specs.values():
            for ref in spec.references:
                if ref.target not in self._specs:
                    raise ValueError(f"{spec.name}.{ref.path} points at unknown kind {ref.target}")

    def __getitem__(self, name: str) -> KindSpec:
        try:
            return self._specs[name]
        except KeyError:
            raise UnknownKindError(name) from None

    def __contains__(self, name: object) -> bool:
        return name in self._specs

    def __iter__(self) -> Iterator[KindSpec]:
        return iter(self._specs.values())

    def names(self) -> list[str]:
        return list(self._specs)

    def config_kinds(self) -> list[KindSpec]:
        """Kinds that are copied between accounts (not reference data)."""
        return [spec for spec in self._specs.values() if not spec.reference_data]

    def reference_kinds(self) -> list[KindSpec]:
        """Kinds that are mapped between accounts, never copied."""
        return [spec for spec in self._specs.values() if spec.reference_data]


CATALOG = Catalog((*XURRENT_KINDS, *INTEGRATION_KINDS))
CATALOG.validate_references()
