"""Resolve: find each YAML record's live twin and put both sides into one comparable shape.

Matching follows the design (§4): the ownership marker first (so a changed name is a rename),
then a *link* from mappings.yaml, then the natural key (the record will be *adopted*), else the
record does not exist yet. Reference data is translated through the mapping overlay: a value
mapped in mappings.yaml, or automatically a value that exists unchanged in the account; anything
else is *unmapped* and makes the plan *Being Prepared*, even when ``map --suggest`` proposed a
target for it: a proposal is carried along for the plan to mention, never used as a mapping.

Both sides come out in *YAML terms*: references to config records as record ids, references to
reference data as the target account's natural keys. This module reads nothing by itself:
:func:`read_live` is the one call that touches the provider, and :func:`resolve` is pure.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from syncset.config.load import ENVIRONMENT_FILE, MAPPINGS_FILE
from syncset.config.templating import dotted
from syncset.config.yamlio import Locator
from syncset.errors import Problem
from syncset.model import Environment, Record, RecordKey
from syncset.plan.match import MatchHow, Wanted, match_kind, natural_key
from syncset.plan.model import MappingState
from syncset.progress_events import Step, notify
from syncset.providers.base import KindLists, LiveRecord, Provider, list_many
from syncset.schemas import CATALOG, KindSpec, RefSpec
from syncset.schemas.base import ReferenceValue
from syncset.schemas.environment import Proposal


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


def read_live(
    provider: Provider, kinds: Iterable[str] | None = None, already: KindLists | None = None
) -> LiveState:
    """List each kind once, with the provider's paged list calls: never one read per record.

    The kinds are read through :func:`syncset.providers.base.list_many`, so an HTTP provider
    reads several at once within its rate limit; the state is in ``kinds``' order either way.
    Kinds in ``already`` (listed while the files were parsed, plan/prefetch.py) are not read
    again.
    """
    wanted = kinds_to_read(provider) if kinds is None else list(kinds)
    supported = provider.capabilities.kinds
    read = [kind for kind in wanted if kind in supported]
    have = {kind: records for kind, records in (already or {}).items() if kind in read}
    missing = [kind for kind in read if kind not in have]
    first = len(read) - len(missing)
    notify(Step.KINDS, first, len(read))
    # Each kind read is told to a display on a terminal (cli/reading.py).
    have.update(
        list_many(
            provider, missing, lambda done, kind: notify(Step.KINDS, first + done, len(read), kind)
        )
    )
    return LiveState({kind: have[kind] for kind in read}, provider.describe())


def map_references(environment: Environment, live: LiveState) -> list[Reference]:
    """Every reference-data value the environment uses, with its mapping state."""
    problems = _Problems(environment)
    return list(_map_references(environment, live, problems, _walked(environment)).values())


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
    proposal: Proposal | None = None
    """A guess of ``map --suggest`` awaiting review (only for an unmapped value: a proposal
    never counts as a mapping)."""


@dataclass(frozen=True)
class Match:
    record: Record
    live: LiveRecord | None
    how: MatchHow | None
    note: str = ""
    duplicates: tuple[str, ...] = ()
    """Live ids of two or more records carrying this record's marker (then ``live`` is None)."""
    rekeyed_from: str | None = None
    """The old id whose marker ``live`` carries (``how`` is REKEY): the YAML id changed."""
    moved: bool = False
    """The re-key is declared in environment.yaml's ``moved:`` (consented to)."""


@dataclass
class Resolution:
    """The outcome of resolve: matches, translated references and both sides' fields."""

    environment: Environment
    live: LiveState
    matches: dict[RecordKey, Match]
    references: dict[tuple[str, str], Reference]
    desired: dict[RecordKey, dict[str, Any]]
    """Desired fields in YAML terms, reference data translated to this account's values."""
    reference_values: dict[RecordKey, list[ReferenceValue]]
    """Each YAML record's :meth:`KindSpec.reference_values`, walked once: resolve maps the
    reference data in them, the planner orders the records by the rest."""
    unmatched_live: list[LiveRecord]
    """Config records of the account that no YAML record matched (managed or not)."""
    yaml_id_of: dict[str, str]
    """Live id → YAML id of every matched config record."""
    live_by_id: dict[str, LiveRecord]
    problems: list[Problem]
    """Mapping targets or link targets missing from the account, ambiguous matches."""
    _shown: dict[tuple[str, Any], Any] = field(default_factory=dict, repr=False, compare=False)
    """:meth:`display_ref` of the live ids no YAML record matched, once each: a plan shows the
    same people and unmanaged records thousands of times."""

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
        shown = self.yaml_id_of.get(live_id)
        if shown is not None:
            return shown
        shown = self._shown.get((target, live_id))
        if shown is None:
            shown = self._shown[(target, live_id)] = self._display_unmatched(target, live_id)
        return shown

    def _display_unmatched(self, target: str, live_id: Any) -> Any:
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


def resolve(environment: Environment, live: LiveState) -> Resolution:
    """Match every YAML record, map reference data, and express both sides in YAML terms."""
    live_by_id = {record.live_id: record for record in live.all()}
    problems = _Problems(environment)
    walked = _walked(environment)
    references = _map_references(environment, live, problems, walked)
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
        walked,
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
        self._config = f"{environment.relative_folder}/{ENVIRONMENT_FILE}"

    def in_config(self, path: tuple[str | int, ...], message: str) -> None:
        line, col = self._locator.position(self._config, 0, path, at_value=True)
        self.items.append(Problem(self._config, line, col, message, field=dotted(path)))

    def in_mappings(self, path: tuple[str, ...], message: str) -> None:
        line, col = self._locator.position(self._mappings, 0, path, at_value=True)
        self.items.append(Problem(self._mappings, line, col, message))

    def in_record(self, record: Record, field: str, message: str) -> None:
        origin = record.origin
        line, col = self._locator.position(origin.path, origin.document, (field,), at_value=True)
        self.items.append(Problem(origin.path, line, col, message, record.ref, field))


def _walked(environment: Environment) -> dict[RecordKey, list[ReferenceValue]]:
    return {
        key: list(CATALOG[record.kind].reference_values(record.fields))
        for key, record in environment.records.items()
    }


def _map_references(
    environment: Environment,
    live: LiveState,
    problems: _Problems,
    walked: dict[RecordKey, list[ReferenceValue]],
) -> dict[tuple[str, str], Reference]:
    index: dict[str, set[str]] = {}
    for spec in CATALOG.reference_kinds():
        index[spec.name] = {
            str(natural_key(spec, record.fields)[0]) for record in live.by_kind.get(spec.name, [])
        }
    overlay = environment.mappings.references
    proposed = environment.mappings.proposed
    references: dict[tuple[str, str], Reference] = {}
    for key, record in environment.records.items():
        for path, target, value in walked[key]:
            if not CATALOG[target].reference_data:
                continue
            reference = references.get((target, value))
            if reference is None:
                reference = _map_one(target, value, overlay.get(target, {}), index[target])
                if reference.state is MappingState.UNMAPPED:
                    reference.proposal = _proposal(target, value, proposed.get(target, {}))
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


def _proposal(kind: str, value: str, proposed: dict[str, Proposal]) -> Proposal | None:
    spec = CATALOG[kind]
    key = spec.key_value(value)
    for source, proposal in proposed.items():
        if spec.key_value(source) == key:
            return proposal
    return None


def _match_records(
    environment: Environment, live: LiveState, problems: _Problems
) -> tuple[dict[RecordKey, Match], list[LiveRecord]]:
    matches: dict[RecordKey, Match] = {}
    unmatched: list[LiveRecord] = []
    moves = environment.config.moves()
    for spec in CATALOG.config_kinds():
        records = sorted(environment.of_kind(spec.name), key=lambda r: r.id)
        pool = live.by_kind.get(spec.name, [])
        moved = {new: old for (kind, new), old in moves.items() if kind == spec.name}
        kind_matches, rest = _match_kind(
            spec, records, pool, environment.mappings.links, moved, problems
        )
        matches.update(kind_matches)
        unmatched.extend(rest)
    _check_moves(environment, live, matches, problems)
    return matches, unmatched


def _check_moves(
    environment: Environment,
    live: LiveState,
    matches: dict[RecordKey, Match],
    problems: _Problems,
) -> None:
    """Each ``moved:`` entry, against the account: its old marker must be there (the move is
    still to do) or its new id's marker (done already; the entry may stay, as Terraform's)."""
    for index, move in enumerate(environment.config.moved):
        kind, _, new = move.to.partition("/")
        match = matches.get((kind, new))
        if match is None or match.moved or match.how is MatchHow.MARKER or match.duplicates:
            continue
        old = move.from_.partition("/")[2]
        carriers = [
            r.live_id
            for r in live.by_kind.get(kind, [])
            if r.owned_by() and r.marker is not None and r.marker.source_id == old
        ]
        if carriers:
            message = (
                f"{len(carriers)} records of the account carry the ownership marker of "
                f"{move.from_} (live ids {', '.join(carriers)}), so none can be moved: delete, "
                "disable and unmark all but one in the account, then plan again"
            )
        else:
            message = (
                f"no {kind} of the account carries the ownership marker of "
                f"{move.from_} (nor of {move.to}), so there is nothing to move: remove this "
                "entry, or correct 'from' to the id the account's record was written with "
                "(plan lists it as only in the account)"
            )
        problems.in_config(("moved", index, "from"), message)


def _match_kind(
    spec: KindSpec,
    records: list[Record],
    pool: list[LiveRecord],
    links: dict[str, str],
    moved: dict[str, str],
    problems: _Problems,
) -> tuple[dict[RecordKey, Match], list[LiveRecord]]:
    by_id = {record.id: record for record in records}
    kind_links = {r.id: links[r.ref] for r in records if r.ref in links}
    wanted = [Wanted(r.id, r.fields) for r in records]
    result = match_kind(spec, wanted, pool, kind_links, moved)
    for record_id, link in result.missing_links.items():
        problems.in_mappings(
            ("links", by_id[record_id].ref),
            f"link target {spec.name} {link!r} does not exist in the account: fix the link, or "
            "remove it to create the record",
        )
    for record_id, (link, owner) in result.managed_links.items():
        problems.in_mappings(
            ("links", by_id[record_id].ref),
            f"link target {spec.name} {link!r} is managed as {spec.name}/{owner} (it carries "
            "that ownership marker): a link binds only a record syncset does not manage yet; "
            "remove the link (to give a managed record a new id, add a moved: entry to "
            "environment.yaml: docs/plan-format.md, Re-keying)",
        )
    for record_id, (link, other) in result.ignored_links.items():
        problems.in_mappings(
            ("links", by_id[record_id].ref),
            f"link ignored: {by_id[record_id].ref} is bound by its ownership marker already, "
            f"but the link names another record ({spec.name} {link!r}, {other}); remove the "
            "link, or the marker from the record that should not be managed",
        )
    for record_id, count in result.ambiguous.items():
        record = by_id[record_id]
        shown = kind_links.get(record_id) or natural_key(spec, record.fields)[0]
        problems.in_record(
            record,
            spec.natural_key[0],
            f"{count} records of the account have {spec.natural_key[0]} {shown!r} and none "
            "carries the ownership marker, so none can be chosen: rename or disable the extra "
            "ones in the account (a link matches by name too)",
        )
    matches = {}
    for record in records:
        live, how = result.found.get(record.id, (None, None))
        twins = result.duplicates.get(record.id, ())
        rekey = result.rekeys.get(record.id)
        if rekey is not None:
            matches[record.key] = Match(
                record, rekey.live, MatchHow.REKEY, rekeyed_from=rekey.old_id, moved=rekey.moved
            )
            continue
        matches[record.key] = Match(record, live, how, duplicates=twins)
    return matches, result.unmatched


def desired_fields(
    spec: KindSpec, fields: dict[str, Any], references: dict[tuple[str, str], Reference]
) -> dict[str, Any]:
    """A record's fields with reference data translated and id lists sorted (they are sets)."""

    def translate(ref: RefSpec, value: Any) -> Any:
        reference = references.get((ref.target, value))
        return value if reference is None or reference.target is None else reference.target

    return spec.map_references(fields, translate, sort_sets=True)


def comparable_fields(
    spec: KindSpec,
    live_fields: dict[str, Any],
    declared: dict[str, Any],
    display: Callable[[str, Any], Any],
) -> dict[str, Any]:
    """The live fields that the YAML declares, with live ids shown as YAML would write them."""
    out: dict[str, Any] = {}
    for name in declared:
        value = live_fields.get(name)
        if name in spec.children:
            value = [{k: v for k, v in item.items() if k != "id"} for item in value or []]
        out[name] = value
    return spec.map_references(out, lambda ref, v: display(ref.target, v), sort_sets=True)
