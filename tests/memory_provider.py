"""An in-memory live account: the provider protocol over a dict, for tests that need no file.

It keeps the promises every provider makes (tests/provider_contract.py checks them against this
one, the sandbox and the HTTP providers): generated live ids that never look like a YAML slug,
the ownership marker, ``disabled`` kept apart from the fields, references that must point at a
record of the right kind, names unique where the kind says so ("has already been taken", even
against a disabled record), child items that keep their id while their key is unchanged, and a
delete refused while another record still uses the one to delete.

Several providers opened on one :class:`MemoryAccount` see the same records, as two runs against
one live account do.
"""

from __future__ import annotations

import copy
import itertools
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict

from syncset.errors import WriteRejected
from syncset.providers.base import (
    ApiStats,
    Capabilities,
    LiveRecord,
    Marker,
    MarkerHits,
    ProviderContext,
    carriers,
)
from syncset.schemas import CATALOG, KindSpec
from syncset.schemas.base import top_field


@dataclass
class MemoryAccount:
    """The records of one account, shared by every provider opened on it."""

    records: dict[str, LiveRecord] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def new_id(self) -> str:
        return f"MEM-{next(self._ids):06d}"


class MemorySettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    account: str = "default"


ACCOUNTS: dict[str, MemoryAccount] = {}
"""Accounts by name for providers opened through the registry (``provider: memory``)."""


class MemoryProvider:
    name: ClassVar[str] = "memory"
    settings_model: ClassVar[type[BaseModel]] = MemorySettings

    def __init__(self, account: MemoryAccount | None = None) -> None:
        self.account = account if account is not None else MemoryAccount()
        self._stats = ApiStats()

    @property
    def capabilities(self) -> Capabilities:
        return Capabilities(
            kinds=frozenset(CATALOG.names()),
            removal="both",
            writes_reference_data=True,
            local=True,
            lists_in_creation_order=True,  # a dict keeps the order of insertion
        )

    @property
    def stats(self) -> ApiStats:
        return self._stats

    def describe(self) -> str:
        return "memory account"

    def list(self, kind: str) -> list[LiveRecord]:
        self._stats.count(kind)
        with self.account.lock:
            return [copy.deepcopy(r) for r in self.account.records.values() if r.kind == kind]

    def get(self, kind: str, live_id: str) -> LiveRecord | None:
        self._stats.count(kind)
        with self.account.lock:
            found = self.account.records.get(live_id)
            return copy.deepcopy(found) if found is not None and found.kind == kind else None

    def find_by_marker(self, kind: str, marker: Marker) -> LiveRecord | None:
        self._stats.count(kind)
        with self.account.lock:
            for record in self.account.records.values():
                if record.kind == kind and record.marker == marker:
                    return copy.deepcopy(record)
        return None

    def find_by_markers(self, kind: str, markers: Sequence[Marker]) -> MarkerHits:
        self._stats.count(kind)
        with self.account.lock:
            of_kind = [r for r in self.account.records.values() if r.kind == kind]
            return copy.deepcopy(carriers(of_kind, markers))

    def create(self, kind: str, fields: dict[str, Any], marker: Marker | None) -> LiveRecord:
        spec = CATALOG[kind]
        self._stats.count(kind)
        with self.account.lock:
            data = _with_child_ids(self.account, spec, _plain(fields), {})
            self._check(spec, data, None)
            record = LiveRecord(
                kind, self.account.new_id(), data, marker, bool(fields.get("disabled", False))
            )
            self.account.records[record.live_id] = record
            return copy.deepcopy(record)

    def update(
        self, kind: str, live_id: str, fields: dict[str, Any], marker: Marker | None = None
    ) -> LiveRecord:
        spec = CATALOG[kind]
        self._stats.count(kind)
        with self.account.lock:
            current = self.account.records.get(live_id)
            if current is None or current.kind != kind:
                raise WriteRejected(f"{kind} {live_id} does not exist in the account")
            data = {
                **current.fields,
                **_with_child_ids(self.account, spec, _plain(fields), current.fields),
            }
            self._check(spec, data, live_id)
            kept = current.marker if marker is None else (marker if marker.source else None)
            disabled = bool(fields.get("disabled", current.disabled))
            record = LiveRecord(kind, live_id, data, kept, disabled)
            self.account.records[live_id] = record
            return copy.deepcopy(record)

    def remove(self, kind: str, live_id: str, how: Literal["disable", "delete"]) -> None:
        if how == "disable":
            self.update(kind, live_id, {"disabled": True})
            return
        self._stats.count(kind)
        with self.account.lock:
            for other in self.account.records.values():
                if other.live_id != live_id and live_id in _live_ids_in(other):
                    raise WriteRejected(f"is still used by {other.kind} {other.live_id}")
            self.account.records.pop(live_id, None)

    def close(self) -> None:
        """Nothing to release: the account outlives its providers."""

    def _check(self, spec: KindSpec, data: dict[str, Any], live_id: str | None) -> None:
        for path, target, one in spec.reference_values(data):
            found = self.account.records.get(one)
            if found is None or found.kind != target:
                raise WriteRejected(f"no {target} with id {one} in the account", top_field(path))
        if not spec.unique_natural_key:
            return
        key = [data.get(name) for name in spec.natural_key]
        for other in self.account.records.values():
            taken = other.kind == spec.name and other.live_id != live_id
            if taken and [other.fields.get(name) for name in spec.natural_key] == key:
                name = spec.natural_key[0]
                raise WriteRejected(
                    f"{name.replace('_', ' ').capitalize()} has already been taken", name
                )


def _plain(fields: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy({k: v for k, v in fields.items() if k != "disabled"})


def _with_child_ids(
    account: MemoryAccount, spec: KindSpec, fields: dict[str, Any], current: dict[str, Any]
) -> dict[str, Any]:
    out = dict(fields)
    for name, child in spec.children.items():
        if name not in fields:
            continue
        existing = {
            tuple(item.get(k) for k in child.key): item["id"] for item in current.get(name) or []
        }
        out[name] = [
            {**item, "id": existing.get(tuple(item.get(k) for k in child.key)) or account.new_id()}
            for item in fields[name]
        ]
    return out


def _live_ids_in(record: LiveRecord) -> set[str]:
    return {value for _, _, value in CATALOG[record.kind].reference_values(record.fields)}


def open_memory(settings: BaseModel, context: ProviderContext) -> MemoryProvider:
    assert isinstance(settings, MemorySettings)
    return MemoryProvider(ACCOUNTS.setdefault(settings.account, MemoryAccount()))
