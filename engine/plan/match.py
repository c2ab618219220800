"""Match: which live record is the twin of a wanted one, the rules of the design (§4) once.

Resolve matches YAML records against their account; ``compare --live`` matches one account's
records against another's. Both ask :func:`match_kind`, so both follow the same order: the
ownership marker first (a changed name is a rename), then a *link* from mappings.yaml (bind to
an existing record by its natural key), then the natural key among records no syncset
configuration owns. A link or a natural key that fits several records matches none of them: the
caller is told (:attr:`KindMatch.ambiguous`), never handed one at random.

A *re-key* is a record whose ``id`` changed in the YAML (``team/ops`` became
``team/operations``): its live twin still carries the old id's marker. It is found after the
rest, and only where nothing else fits: by a ``moved:`` entry of environment.yaml (the old
marker, whatever the name), or by the natural key on a record managed under another id that no
wanted record has any more. Such a twin is :attr:`KindMatch.rekeys`, never only in the account;
whether it may be written is the planner's question (docs/plan-format.md, "Re-keying").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from syncset.providers.base import MARKER_SOURCE, LiveRecord
from syncset.schemas import KindSpec


class MatchHow(StrEnum):
    MARKER = "marker"
    LINK = "link"
    NATURAL_KEY = "natural_key"
    REKEY = "rekey"
    """The twin carries the marker of another id, one the YAML no longer has."""


@dataclass(frozen=True)
class Wanted:
    """A record looking for its twin: its id (the marker's record id) and its fields."""

    id: str
    fields: Mapping[str, Any]


@dataclass(frozen=True)
class Rekey:
    """A wanted record's twin that carries the marker of the record's old id."""

    old_id: str
    live: LiveRecord
    moved: bool
    """Found through a ``moved:`` entry (the move is consented to), not by natural key."""


@dataclass
class KindMatch:
    """The outcome for one kind: each wanted id's twin and how, and what could not be decided."""

    found: dict[str, tuple[LiveRecord, MatchHow]] = field(default_factory=dict)
    ambiguous: dict[str, int] = field(default_factory=dict)
    """Wanted id → how many live records fit its link or natural key (two or more)."""
    missing_links: dict[str, str] = field(default_factory=dict)
    """Wanted id → the link target that no live record has."""
    managed_links: dict[str, tuple[str, str]] = field(default_factory=dict)
    """Wanted id → (its link, the record id whose marker the link target carries): a link
    binds only records no syncset configuration manages, never takes one from another id."""
    ignored_links: dict[str, tuple[str, str]] = field(default_factory=dict)
    """Wanted id → (its link, the live id of the other record it names): the wanted record is
    bound by its marker already, so the link would be ignored; the caller reports it."""
    unmatched: list[LiveRecord] = field(default_factory=list)
    """Live records no wanted record took, in the account's order."""
    duplicates: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Wanted id → the live ids of the two or more records carrying its marker (e.g. two
    runners created it at once): none is chosen, and none counts as only in the account."""
    rekeys: dict[str, Rekey] = field(default_factory=dict)
    """Wanted id → its twin under an old id's marker; that twin is not in ``unmatched``."""


def natural_key(spec: KindSpec, fields: Mapping[str, Any]) -> tuple[Any, ...]:
    """The natural key of a record, as it is compared (e-mails ignore case)."""
    return tuple(spec.key_value(fields.get(name)) for name in spec.natural_key)


def match_kind(
    spec: KindSpec,
    wanted: Iterable[Wanted],
    pool: list[LiveRecord],
    links: Mapping[str, str] | None = None,
    moved: Mapping[str, str] | None = None,
    *,
    rekeys: bool = True,
) -> KindMatch:
    """Match each wanted record of ``spec``'s kind with at most one record of ``pool``.

    ``links`` maps a wanted id to the natural key of the live record it must bind to; ``moved``
    maps a wanted id to its old id (environment.yaml's ``moved:``). ``rekeys=False`` looks for
    no re-keys at all (``compare --live``, where both sides are accounts).
    """
    wanted = sorted(wanted, key=lambda w: w.id)
    links = links or {}
    by_marker: dict[str, list[LiveRecord]] = {}
    for owned in pool:
        if owned.owned_by(MARKER_SOURCE) and owned.marker:
            by_marker.setdefault(owned.marker.source_id, []).append(owned)
    result = KindMatch()
    taken: set[str] = set()
    # First pass: markers, so that a renamed record is never mistaken for a new one.
    for one in wanted:
        carriers = by_marker.get(one.id, [])
        if len(carriers) > 1:
            result.duplicates[one.id] = tuple(c.live_id for c in carriers)
        elif carriers:
            result.found[one.id] = (carriers[0], MatchHow.MARKER)
        taken.update(c.live_id for c in carriers)
    # Then declared moves: the old marker finds the twin whatever its name, before a link or
    # a record of the new name could take the wanted id.
    if rekeys:
        _declared_moves(wanted, by_marker, moved or {}, taken, result)
    rest = [
        one
        for one in wanted
        if one.id not in result.found
        and one.id not in result.duplicates
        and one.id not in result.rekeys
    ]
    # Only links and records the markers left over look at names: a plan of records that all
    # carry their markers takes no natural key of the account's records.
    by_key, by_first = _by_natural_key(spec, pool) if rest or links else ({}, {})
    for one in rest:
        link = links.get(one.id)
        if link is not None:
            named = [c for c in by_first.get(link, []) if c.live_id not in taken]
            candidates = [c for c in named if not _managed_elsewhere(c, one.id)]
            how = MatchHow.LINK
            if named and not candidates and named[0].marker:
                result.managed_links[one.id] = (link, named[0].marker.source_id)
            elif not candidates:
                result.missing_links[one.id] = link
        else:
            candidates = [
                c
                for c in by_key.get(natural_key(spec, one.fields), [])
                if c.live_id not in taken and not c.owned_by(MARKER_SOURCE)
            ]
            how = MatchHow.NATURAL_KEY
        if len(candidates) > 1:
            result.ambiguous[one.id] = len(candidates)
        elif candidates:
            result.found[one.id] = (candidates[0], how)
            taken.add(candidates[0].live_id)
    if rekeys and spec.unique_natural_key:
        _guessed_rekeys(spec, wanted, by_key, taken, result)
    for wanted_id, link in links.items():
        bound = result.found.get(wanted_id)
        if bound is None or bound[1] is not MatchHow.MARKER:
            continue
        others = [c for c in by_first.get(link, []) if c.live_id != bound[0].live_id]
        if others:
            result.ignored_links[wanted_id] = (link, others[0].live_id)
    result.unmatched = [live for live in pool if live.live_id not in taken]
    return result


def _by_natural_key(
    spec: KindSpec, pool: list[LiveRecord]
) -> tuple[dict[tuple[Any, ...], list[LiveRecord]], dict[Any, list[LiveRecord]]]:
    """The live records by natural key, and by its first value (what a link names)."""
    by_key: dict[tuple[Any, ...], list[LiveRecord]] = {}
    by_first: dict[Any, list[LiveRecord]] = {}
    for candidate in pool:
        key = natural_key(spec, candidate.fields)
        by_key.setdefault(key, []).append(candidate)
        by_first.setdefault(key[0], []).append(candidate)
    return by_key, by_first


def _managed_elsewhere(candidate: LiveRecord, wanted_id: str) -> bool:
    """It carries the ownership marker of another record id than ``wanted_id``."""
    marker = candidate.marker
    owned = candidate.owned_by(MARKER_SOURCE) and marker is not None
    return owned and marker is not None and marker.source_id != wanted_id


def _declared_moves(
    wanted: list[Wanted],
    by_marker: dict[str, list[LiveRecord]],
    moved: Mapping[str, str],
    taken: set[str],
    result: KindMatch,
) -> None:
    """``moved:`` entries: the one record under the old id's marker is the wanted one's twin
    (none, or several, are reported by the caller)."""
    for one in wanted:
        old = moved.get(one.id)
        if old is None or one.id in result.found or one.id in result.duplicates:
            continue
        candidates = [c for c in by_marker.get(old, []) if c.live_id not in taken]
        if len(candidates) == 1:
            result.rekeys[one.id] = Rekey(old, candidates[0], True)
            taken.add(candidates[0].live_id)


def _guessed_rekeys(
    spec: KindSpec,
    wanted: list[Wanted],
    by_key: dict[tuple[Any, ...], list[LiveRecord]],
    taken: set[str],
    result: KindMatch,
) -> None:
    """Re-keys without a ``moved:`` entry, last, and only for kinds whose natural key the
    platform keeps unique (a create would collide on the name): a twin under an old id's
    marker is taken only when nothing else fits and exactly one record fits. For other kinds
    (request templates, holidays) a same-named record is no evidence: only moved: re-keys."""
    ids = {one.id for one in wanted}
    undecided = [
        one
        for one in wanted
        if one.id not in result.found
        and one.id not in result.duplicates
        and one.id not in result.ambiguous
        and one.id not in result.missing_links
        and one.id not in result.managed_links
        and one.id not in result.rekeys
    ]
    for one in undecided:
        candidates = [
            c
            for c in by_key.get(natural_key(spec, one.fields), [])
            if c.live_id not in taken
            and c.owned_by(MARKER_SOURCE)
            and c.marker is not None
            and c.marker.source_id not in ids
        ]
        if len(candidates) == 1:
            live = candidates[0]
            assert live.marker is not None
            result.rekeys[one.id] = Rekey(live.marker.source_id, live, False)
            taken.add(live.live_id)
