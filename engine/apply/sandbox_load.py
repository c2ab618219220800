"""``syncset sandbox load``: put records into a sandbox account as if made by hand.

For demos and tests: people and organizations (reference data) and unmanaged configuration
records, created without the ownership marker, so that a plan finds them by natural key. Records
whose natural key already exists are left alone, so loading twice changes nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from syncset.config.load import read_documents
from syncset.config.validate import normalise
from syncset.errors import ConfigError, Problem, RefusedError
from syncset.model import Environment, RecordKey
from syncset.plan.match import natural_key
from syncset.plan.order import order_records, reference_edges
from syncset.schemas import CATALOG, KindSpec, RefSpec
from syncset.workflow import opened


def load_into_sandbox(environment: Environment, path: Path) -> tuple[int, int]:
    """Create the file's records in the environment's account; returns (created, existing)."""
    root = environment.root
    problems: list[Problem] = []
    documents = read_documents(root, path.resolve(), problems)
    records: dict[tuple[str, str], dict[str, Any]] = {}
    for doc in documents:
        data = doc.data
        kind = data.get("kind") if isinstance(data, dict) else None
        if not isinstance(kind, str) or kind not in CATALOG:
            problems.append(
                Problem(doc.path, 1, 1, f"document {doc.index + 1}: unknown kind {kind!r}")
            )
            continue
        spec = CATALOG[kind]
        try:
            model = spec.model.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            problems.append(Problem(doc.path, 1, 1, f"{kind}/{data.get('id')}: {first['msg']}"))
            continue
        records[(kind, str(data["id"]))] = normalise(spec, model)
    if problems:
        raise ConfigError(problems)
    with opened(environment) as provider:
        if not provider.capabilities.writes_reference_data:
            raise RefusedError("sandbox load works on sandbox accounts only")
        return _create_all(provider, records)


def _create_all(provider: Any, records: dict[tuple[str, str], dict[str, Any]]) -> tuple[int, int]:
    """Create in dependency order; references that close a cycle are set by a final update."""
    by_natural = {
        (key[0], natural_key(CATALOG[key[0]], fields)[0]): key
        for key, fields in records.items()
        if CATALOG[key[0]].reference_data
    }

    def target_of(kind: str, value: Any) -> RecordKey | None:
        """Reference data in the file (a person's organization) orders the load too."""
        return by_natural.get((kind, value)) if CATALOG[kind].reference_data else (kind, value)

    order = order_records(records, reference_edges(records, target_of))
    live_by_natural: dict[tuple[str, Any], str] = {}
    for spec in CATALOG:
        for live in provider.list(spec.name):
            live_by_natural[(spec.name, natural_key(spec, live.fields)[0])] = live.live_id
    ids: dict[tuple[str, str], str] = {}
    created: list[tuple[str, str]] = []
    existing = 0
    for key in order.flat():
        spec = CATALOG[key[0]]
        fields = records[key]
        natural = natural_key(spec, fields)[0]
        if (key[0], natural) in live_by_natural:
            ids[key] = live_by_natural[(key[0], natural)]
            existing += 1
            continue
        deferred = {name for (owner, name) in order.deferred if owner == key}
        now = {name: value for name, value in fields.items() if name not in deferred}
        live = provider.create(key[0], _live_refs(spec, now, ids, live_by_natural), None)
        ids[key] = live.live_id
        live_by_natural[(key[0], natural)] = live.live_id
        created.append(key)
    for key in created:
        deferred = {name for (owner, name) in order.deferred if owner == key}
        later = {name: records[key][name] for name in deferred if name in records[key]}
        if later:
            spec = CATALOG[key[0]]
            provider.update(key[0], ids[key], _live_refs(spec, later, ids, live_by_natural))
    return len(created), existing


def _live_refs(
    spec: KindSpec, fields: dict[str, Any], ids: dict[tuple[str, str], str], natural: dict[Any, str]
) -> dict[str, Any]:
    """References as live ids: config records by id (from this file), reference data by key."""

    def one(ref: RefSpec, value: str) -> str | None:
        if CATALOG[ref.target].reference_data:
            return natural.get((ref.target, value))
        return ids.get((ref.target, value))

    return spec.map_references(fields, one)
