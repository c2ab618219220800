"""Resolve: find each YAML record's live twin and put both sides into one comparable shape.

Matching follows the design (§4): the ownership marker first (so a changed name is a rename),
then a *link* from mappings.yaml, then the natural key (the record will be *adopted*), else the
record does not exist yet. Reference data is translated through the mapping overlay: a value
mapped in mappings.yaml, or automatically a value that exists unchanged in the account; anything
else is *unmapped* and makes the plan *Being Prepared*.

Both sides come out in *YAML terms*: references to config records as record ids, references to
reference data as the target account's natural keys. This module reads nothing by itself:
:func:`read_live` is the one call that touches the provider, and :func:`resolve` is pure.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from syncset.config.load import MAPPINGS_FILE
from syncset.config.yamlio import Locator
from syncset.errors import Problem
from syncset.model import Environment, Record, RecordKey
from syncset.providers.base import MARKER_SOURCE, LiveRecord, Provider
from syncset.schemas import CATALOG, KindSpec


@dataclass(frozen=True)
class LiveState:
    """Every record of every kind read from the account, by kind, in the provider's order."""

    by_kind: dict[str, list[LiveRecord]]
    account: str

    def all(self) -> Iterable[LiveRecord]:
        for records in self.by_kind.values():
            yield from records


def kinds_to_read(provider: Provider) -> list[str]:
    """Every catalog kind the account holds: config kinds (to find managed records that left
    the YAML) and reference data (to map people, organizations and sites)."""
    supported = provider.capabilities.kinds
    return [spec.name for spec in CATALOG if spec.name in supported]


def read_live(provider: Provider, kinds: Iterable[str] | None = None) -> LiveState:
    """List each kind once, with the provider's paged list calls: never one read per record."""
    wanted = kinds_to_read(provider) if kinds is None else list(kinds)
    supported = provider.capabilities.kinds
    return LiveState(
        {kind: provider.list(kind) for kind in wanted if kind in supported}, provider.describe()
    )


def map_references(environment: Environment, live: LiveState) -> list[Reference]:
    """Every reference-data value the environment uses, with its mapping state."""
    problems = _Problems(environment)
    return list(_map_references(environment, live, problems).values())


class MappingState(StrEnum):
    MAPPED = "mapped"
    AUTOMATIC = "automatic"
    UNMAPPED = "unmapped"
    MISSING_TARGET = "missing_target"


@dataclass(frozen=True)
class ReferenceUse:
    record: str
    field: str


@dataclass
class Reference:
    """One reference-data value used by the YAML, and what it means in this account."""

    kind: str
    value: str
    state: MappingState
    target: str | None
    used_by: list[ReferenceUse] = field(default_factory=list)


class MatchHow(StrEnum):
    MARKER = "marker"
    LINK = "link"
    NATURAL_KEY = "natural_key"


@dataclass(frozen=True)
class Match:
    record: Record
    live: LiveRecord | None
    how: MatchHow | None
    note: str = ""


@dataclass
class Resolution:
    """The outcome of resolve: matches, translated references and both sides' fields."""

    environment: Environment
    live: LiveState
    matches: dict[RecordKey, Match]
    references: dict[tuple[str, str], Reference]
    desired: dict[RecordKey, dict[str, Any]]
    """Desired fields in YAML terms, reference data translated to this account's values."""
    unmatched_live: list[LiveRecord]
    """Config records of the account that no YAML record matched (managed or not)."""
    yaml_id_of: dict[str, str]
    """Live id → YAML id of every matched config record."""
    live_by_id: dict[str, LiveRecord]
    problems: list[Problem]
    """Mapping targets or link targets missing from the account, ambiguous matches."""

    def comparable(self, key: RecordKey) -> dict[str, Any] | None:
        """The live twin's fields in YAML terms, limited to what the YAML declares."""
        match = self.matches[key]
        if match.live is None:
            return None
        spec = CATALOG[key[0]]
        return comparable_fields(spec, match.live.fields, self.desired[key], self.display_ref)

    def display_ref(self, target: str, live_id: Any) -> Any:
        """A live id as YAML would write it: a record id, a natural key, or a marked unknown."""
        if live_id is None:
            return None
        if live_id in self.yaml_id_of:
            return self.yaml_id_of[live_id]
        live = self.live_by_id.get(live_id)
        if live is None:
            return f"<missing {target} {live_id}>"
        spec = CATALOG[live.kind]
        key = natural_key(spec, live.fields)
        if spec.reference_data:
            return key[0]
        if live.owned_by() and live.marker is not None:
            return f"<{target} {live.marker.source_id}, no longer in YAML>"
        return f"<unmanaged {target} {key[0]!s}>"

    def reference_ids(self) -> dict[tuple[str, str], str]:
        """``(kind, natural key)`` → live id of every reference-data record read."""
        index: dict[tuple[str, str], str] = {}
        for spec in CATALOG.reference_kinds():
            for live in self.live.by_kind.get(spec.name, []):
                index[(spec.name, str(natural_key(spec, live.fields)[0]))] = live.live_id
        return index


def natural_key(spec: KindSpec, fields: dict[str, Any]) -> tuple[Any, ...]:
    """The natural key of a record; e-mails compare case-insensitively."""
    return tuple(spec.key_value(fields.get(name)) for name in spec.natural_key)


def resolve(environment: Environment, live: LiveState) -> Resolution:
    """Match every YAML record, map reference data, and express both sides in YAML terms."""
    live_by_id = {record.live_id: record for record in live.all()}
    problems = _Problems(environment)
    references = _map_references(environment, live, problems)
    matches, unmatched = _match_records(environment, live, problems)
    yaml_id_of = {m.live.live_id: m.record.id for m in matches.values() if m.live is not None}
    desired = {
        key: desired_fields(CATALOG[key[0]], match.record.fields, references)
        for key, match in matches.items()
    }
    return Resolution(
        environment,
        live,
        matches,
        references,
        desired,
        unmatched,
        yaml_id_of,
        live_by_id,
        problems.items,
    )


class _Problems:
    """Problems found while resolving, placed in mappings.yaml or the record's file."""

    def __init__(self, environment: Environment) -> None:
        self.items: list[Problem] = []
        self._locator = Locator(environment.root)
        self._mappings = f"{environment.relative_folder}/{MAPPINGS_FILE}"

    def in_mappings(self, path: tuple[str, ...], message: str) -> None:
        line, col = self._locator.position(self._mappings, 0, path, at_value=True)
        self.items.append(Problem(self._mappings, line, col, message))

    def in_record(self, record: Record, field: str, message: str) -> None:
        origin = record.origin
        line, col = self._locator.position(origin.path, origin.document, (field,), at_value=True)
        self.items.append(Problem(origin.path, line, col, message, record.ref, field))


def _map_references(
    environment: Environment, live: LiveState, problems: _Problems
) -> dict[tuple[str, str], Reference]:
    index: dict[str, set[str]] = {}
    for spec in CATALOG.reference_kinds():
        index[spec.name] = {
            str(natural_key(spec, record.fields)[0]) for record in live.by_kind.get(spec.name, [])
        }
    overlay = environment.mappings.references
    references: dict[tuple[str, str], Reference] = {}
    for record in environment.records.values():
        for path, target, value in CATALOG[record.kind].reference_values(record.fields):
            if not CATALOG[target].reference_data:
                continue
            reference = references.get((target, value))
            if reference is None:
                reference = _map_one(target, value, overlay.get(target, {}), index[target])
                references[(target, value)] = reference
                if reference.state is MappingState.MISSING_TARGET:
                    problems.in_mappings(
                        ("references", target, value),
                        f"{target} {reference.target!r} does not exist in the account: map "
                        f"{value} to a {target} that does (syncset map --suggest lists them)",
                    )
            reference.used_by.append(ReferenceUse(record.ref, path))
    return dict(sorted(references.items()))


def _map_one(kind: str, value: str, overlay: dict[str, str], existing: set[str]) -> Reference:
    spec = CATALOG[kind]
    key = spec.key_value(value)
    mapped = overlay.get(value) or overlay.get(key)
    if mapped is not None:
        mapped_key = spec.key_value(mapped)
        state = MappingState.MAPPED if mapped_key in existing else MappingState.MISSING_TARGET
        return Reference(kind, value, state, mapped_key)
    if key in existing:
        return Reference(kind, value, MappingState.AUTOMATIC, key)
    return Reference(kind, value, MappingState.UNMAPPED, None)


def _match_records(
    environment: Environment, live: LiveState, problems: _Problems
) -> tuple[dict[RecordKey, Match], list[LiveRecord]]:
    matches: dict[RecordKey, Match] = {}
    unmatched: list[LiveRecord] = []
    for spec in CATALOG.config_kinds():
        records = sorted(environment.of_kind(spec.name), key=lambda r: r.id)
        pool = live.by_kind.get(spec.name, [])
        kind_matches, rest = _match_kind(spec, records, pool, environment.mappings.links, problems)
        matches.update(kind_matches)
        unmatched.extend(rest)
    return matches, unmatched


def _match_kind(
    spec: KindSpec,
    records: list[Record],
    pool: list[LiveRecord],
    links: dict[str, str],
    problems: _Problems,
) -> tuple[dict[RecordKey, Match], list[LiveRecord]]:
    by_marker = {r.marker.source_id: r for r in pool if r.owned_by(MARKER_SOURCE) and r.marker}
    by_key: dict[tuple[Any, ...], list[LiveRecord]] = {}
    by_first: dict[Any, list[LiveRecord]] = {}
    for candidate in pool:
        key = natural_key(spec, candidate.fields)
        by_key.setdefault(key, []).append(candidate)
        by_first.setdefault(key[0], []).append(candidate)
    taken: set[str] = set()
    matches: dict[RecordKey, Match] = {}
    # First pass: markers, so that a renamed record is never mistaken for a new one.
    for record in records:
        owned = by_marker.get(record.id)
        if owned is not None:
            matches[record.key] = Match(record, owned, MatchHow.MARKER)
            taken.add(owned.live_id)
    for record in records:
        if record.key in matches:
            continue
        link = links.get(record.ref)
        if link is not None:
            candidates = [c for c in by_first.get(link, []) if c.live_id not in taken]
            how = MatchHow.LINK
            if not candidates:
                problems.in_mappings(
                    ("links", record.ref),
                    f"link target {spec.name} {link!r} does not exist in the account: fix the "
                    "link, or remove it to create the record",
                )
        else:
            candidates = [
                c
                for c in by_key.get(natural_key(spec, record.fields), [])
                if c.live_id not in taken and not c.owned_by(MARKER_SOURCE)
            ]
            how = MatchHow.NATURAL_KEY
        if len(candidates) > 1:
            shown = natural_key(spec, record.fields)[0] if link is None else link
            problems.in_record(
                record,
                spec.natural_key[0],
                f"{len(candidates)} records of the account have {spec.natural_key[0]} "
                f"{shown!r} and none carries the ownership marker, so none can be chosen: "
                "rename or disable the extra ones in the account (a link matches by name too)",
            )
            matches[record.key] = Match(record, None, None)
            continue
        if candidates:
            matches[record.key] = Match(record, candidates[0], how)
            taken.add(candidates[0].live_id)
        else:
            matches[record.key] = Match(record, None, None)
    rest = [live for live in pool if live.live_id not in taken]
    return matches, rest


def desired_fields(
    spec: KindSpec, fields: dict[str, Any], references: dict[tuple[str, str], Reference]
) -> dict[str, Any]:
    """A record's fields with reference data translated and id lists sorted (they are sets)."""
    out = dict(fields)
    for ref in spec.references:
        if ref.child is not None:
            if ref.child in out:
                out[ref.child] = [
                    _translate_item(item, ref.field, ref.target, ref.many, references)
                    for item in out[ref.child]
                ]
            continue
        if ref.field not in out:
            continue
        out[ref.field] = _translate(out[ref.field], ref.target, ref.many, references)
    return out


def _translate_item(
    item: dict[str, Any],
    name: str,
    target: str,
    many: bool,
    references: dict[tuple[str, str], Reference],
) -> dict[str, Any]:
    if name not in item:
        return item
    return {**item, name: _translate(item[name], target, many, references)}


def _translate(
    value: Any, target: str, many: bool, references: dict[tuple[str, str], Reference]
) -> Any:
    if value is None:
        return None
    if many:
        return sorted(_translate_one(v, target, references) for v in value)
    return _translate_one(value, target, references)


def _translate_one(value: str, target: str, references: dict[tuple[str, str], Reference]) -> str:
    reference = references.get((target, value))
    if reference is None or reference.target is None:
        return value
    return reference.target


def comparable_fields(
    spec: KindSpec,
    live_fields: dict[str, Any],
    declared: dict[str, Any],
    display: Any,
) -> dict[str, Any]:
    """The live fields that the YAML declares, with live ids shown as YAML would write them."""
    out: dict[str, Any] = {}
    for name in declared:
        value = live_fields.get(name)
        if name in spec.children:
            out[name] = [_comparable_item(spec, name, item, display) for item in value or []]
            continue
        ref = spec.reference(name)
        if ref is not None and value is not None:
            if ref.many:
                value = sorted(str(display(ref.target, v)) for v in value)
            else:
                value = display(ref.target, value)
        out[name] = value
    return out


def _comparable_item(spec: KindSpec, child: str, item: dict[str, Any], display: Any) -> dict:
    out = {k: v for k, v in item.items() if k != "id"}
    for ref in spec.references:
        if ref.child == child and out.get(ref.field) is not None:
            out[ref.field] = display(ref.target, out[ref.field])
    return out
