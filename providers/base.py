"""The provider protocol: what the engine asks of a live account, and nothing more.

A provider speaks the catalog's field names (snake_case), but with *live ids* where YAML has
record ids or natural keys: the engine translates references on both sides (resolve reads live
ids back to YAML ids; apply turns YAML ids into live ids). Providers declare what they can do in
:class:`Capabilities` instead of raising "not supported" at run time.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, Protocol

from pydantic import BaseModel, ConfigDict

from syncset.providers.http.clock import SYSTEM_CLOCK, Clock
from syncset.schemas.types import SLUG_PATTERN

MARKER_SOURCE = "syncset"
_RECORD_ID = re.compile(SLUG_PATTERN)
"""The ``source`` value of the ownership marker on every record syncset manages."""
MARKER_BATCH = 100
"""Markers per list-by-marker query of :meth:`Provider.find_by_markers` (a URL stays short)."""


@dataclass(frozen=True)
class Marker:
    """The ownership marker: ``source`` and ``source_id`` (the record's YAML id)."""

    source: str
    source_id: str


@dataclass(frozen=True)
class LiveRecord:
    """A record as the live account holds it, in catalog field names, references as live ids.

    Child items carry their own live ``id`` so that providers can update them in place.
    """

    kind: str
    live_id: str
    fields: dict[str, Any]
    marker: Marker | None = None
    disabled: bool = False

    def owned_by(self, source: str = MARKER_SOURCE) -> bool:
        """Whether ``source``'s marker is on the record, naming a valid record id.

        A marker id no YAML record can have (``../environment``) was not written by syncset:
        it is not believed, so the record counts as unmanaged and is matched by natural key
        (an apply then marks it anew); such an id never becomes a file name or a plan's id.
        """
        marker = self.marker
        return (
            marker is not None
            and marker.source == source
            and bool(_RECORD_ID.match(marker.source_id))
        )


@dataclass(frozen=True)
class Capabilities:
    """What a provider can do, declared up front."""

    kinds: frozenset[str]
    """Kinds this account holds (reference data included)."""
    removal: Literal["disable", "delete", "both"] = "disable"
    """How records can be removed: ``disable`` only (4me/Xurrent), ``delete`` only, or both."""
    writes_reference_data: bool = False
    """Whether reference data can be written (only the sandbox, for demos and tests)."""
    local: bool = False
    """Reachable without a network (a file): validate may read it to check mapping targets."""
    lists_in_creation_order: bool = False
    """Whether ``find_by_markers`` lists a marker's records oldest first. Apply then keeps the
    first of two copies two runners created at once (docs/ci.md); without it, the copy with the
    smallest live id, which can leave both (a duplicate the next plan reports) but never
    releases both."""


@dataclass
class ApiStats:
    """How much of the account's API a run has used, reported in the plan."""

    calls: int = 0
    budget_remaining: int | None = None
    by_kind: dict[str, int] = field(default_factory=dict)

    def count(self, kind: str | None = None, calls: int = 1) -> None:
        self.calls += calls
        if kind is not None:
            self.by_kind[kind] = self.by_kind.get(kind, 0) + calls


class Provider(Protocol):
    """A live account. Every method may raise :class:`syncset.errors.ProviderError`."""

    name: ClassVar[str]
    settings_model: ClassVar[type[BaseModel]]

    @property
    def capabilities(self) -> Capabilities: ...

    @property
    def stats(self) -> ApiStats: ...

    def describe(self) -> str:
        """A one-line, secret-free description of the account (for plans and ping)."""
        ...

    def list(self, kind: str) -> list[LiveRecord]:
        """Every record of ``kind`` (disabled ones included), read with paged list calls.

        A provider may also have ``list_many(kinds)``, the same for several kinds at once
        (the HTTP providers read them concurrently): call :func:`list_many`, never either.
        """
        ...

    def find_by_marker(self, kind: str, marker: Marker) -> LiveRecord | None:
        """The record carrying ``marker``; used before re-sending a create of unknown outcome."""
        ...

    def find_by_markers(self, kind: str, markers: Sequence[Marker]) -> MarkerHits:
        """Every record carrying one of ``markers`` (all of them, so duplicates show), found
        with one list-by-marker query per page, never one query per marker: apply re-checks a
        batch of creates with it just before sending them."""
        ...

    def get(self, kind: str, live_id: str) -> LiveRecord | None:
        """One record, for apply's re-check before a write."""
        ...

    def create(self, kind: str, fields: dict[str, Any], marker: Marker | None) -> LiveRecord:
        """Create a record; ``fields`` use live ids for references."""
        ...

    def update(
        self, kind: str, live_id: str, fields: dict[str, Any], marker: Marker | None = None
    ) -> LiveRecord:
        """Change the given fields (a child collection is given whole: the provider diffs it).

        ``marker`` None keeps the record's marker; an empty ``Marker("", "")`` clears it.
        """
        ...

    def remove(self, kind: str, live_id: str, how: Literal["disable", "delete"]) -> None:
        """Disable or delete a record."""
        ...

    def close(self) -> None: ...


MarkerHits = dict[Marker, list[LiveRecord]]
"""What :meth:`Provider.find_by_markers` answers: each marker found → the records carrying it."""


def carriers(records: Iterable[LiveRecord], markers: Sequence[Marker]) -> MarkerHits:
    """``records`` grouped by the marker of ``markers`` they carry (the others left out)."""
    wanted = set(markers)
    found: MarkerHits = {}
    for record in records:
        if record.marker in wanted:
            found.setdefault(record.marker, []).append(record)
    return found


KindLists = dict[str, list[LiveRecord]]
"""What :func:`list_many` answers: kind → its records, in the order the kinds were asked for."""


def list_many(
    provider: Provider,
    kinds: Iterable[str],
    listed_one: Callable[[int, str], None] = lambda done, kind: None,
) -> KindLists:
    """Kind → :meth:`Provider.list` of it, for each of ``kinds`` once, in their order.

    Providers that gain from reading kinds at once (over a network, where each page waits a
    round trip) have a ``list_many(kinds)`` that does so within their own rate limit; the
    others (a local file) are read one kind after another, which is as fast for them.
    ``listed_one(done, kind)`` is told as kinds are read (a progress display): after each one
    read in turn, all at the end of a concurrent read.
    """
    wanted = list(dict.fromkeys(kinds))
    method = getattr(provider, "list_many", None)
    if callable(method):
        listed: KindLists = method(wanted)
        for done, kind in enumerate(wanted, start=1):
            listed_one(done, kind)
        return {kind: listed[kind] for kind in wanted}
    out: KindLists = {}
    for kind in wanted:
        out[kind] = provider.list(kind)
        listed_one(len(out), kind)
    return out


def unsupported_fields(provider: Provider) -> dict[str, dict[str, str]]:
    """Kind → catalog field → why this account cannot hold it, from providers that check the
    account's own schema (their ``unsupported_fields()``, as 4me/Xurrent's do); {} otherwise.
    A YAML value for such a field is an error at plan time."""
    method = getattr(provider, "unsupported_fields", None)
    return dict(method()) if callable(method) else {}


def listed_digest(provider: Provider, kinds: Sequence[str]) -> str | None:
    """A digest of what :meth:`Provider.list` returned for each of ``kinds`` in this session,
    from providers that can state one without decoding (the sandbox's
    ``listed_digest(kinds)``); None when the provider cannot, or a kind was not listed.
    Equal to :func:`content_digest` of the same kinds while the account does not change: a
    plan made from these lists is the plan of an account with that digest (plan/reuse.py)."""
    method = getattr(provider, "listed_digest", None)
    return method(list(kinds)) if callable(method) else None


def content_digest(provider: Provider, kinds: Sequence[str]) -> str | None:
    """A digest of what :meth:`Provider.list` would return now for each of ``kinds``, read
    from the account but not decoded (the sandbox's ``content_digest(kinds)``); None from
    providers that cannot say, whose plans are then never reused."""
    method = getattr(provider, "content_digest", None)
    return method(list(kinds)) if callable(method) else None


class ProviderContext(BaseModel):
    """What a provider may know about where it runs (paths relative to the repository root).

    ``clock`` is the time that network providers wait by: the real one, except in tests that
    run a provider and its fake server on a clock that skips the waiting. It is not a setting:
    nothing in environment.yaml can change it.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)
    root: str
    environment: str
    clock: Clock = SYSTEM_CLOCK
