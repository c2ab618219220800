"""``syncset sandbox load``: put records into a sandbox account as if made by hand.

For demos and tests: people and organizations (reference data) and unmanaged configuration
records, created without the ownership marker, so that a plan finds them by natural key. Records
whose natural key already exists are left alone, so loading twice changes nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from engine.errors import ConfigError, Problem, RefusedError
from engine.graph import Edge, order_records
from engine.load import read_documents
from engine.model import Environment
from engine.resolve import natural_key
from engine.validate import normalise, reference_values
from engine.workflow import open_provider
from schemas import CATALOG


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
    provider = open_provider(environment)
    try:
        if not provider.capabilities.writes_reference_data:
            raise RefusedError("sandbox load works on sandbox accounts only")
        return _create_all(provider, records)
    finally:
        provider.close()


def _create_all(provider: Any, records: dict[tuple[str, str], dict[str, Any]]) -> tuple[int, int]:
    edges = [
        Edge(key, (target, value), path.split("[")[0], True)
        for key, fields in records.items()
        for path, target, value in reference_values(CATALOG[key[0]], fields)
        if (target, value) in records and not CATALOG[target].reference_data
    ]
    live_by_natural: dict[tuple[str, Any], str] = {}
    for spec in CATALOG:
        for live in provider.list(spec.name):
            live_by_natural[(spec.name, natural_key(spec, live.fields)[0])] = live.live_id
    ids: dict[tuple[str, str], str] = {}
    created = existing = 0
    ordered = sorted(records, key=lambda k: (not CATALOG[k[0]].reference_data, k))
    for key in order_records(ordered, edges).flat():
        spec = CATALOG[key[0]]
        fields = records[key]
        natural = natural_key(spec, fields)[0]
        if (key[0], natural) in live_by_natural:
            ids[key] = live_by_natural[(key[0], natural)]
            existing += 1
            continue
        live_fields = _live_refs(spec, fields, ids, live_by_natural)
        live = provider.create(key[0], live_fields, None)
        ids[key] = live.live_id
        live_by_natural[(key[0], natural)] = live.live_id
        created += 1
    return created, existing


def _live_refs(
    spec: Any, fields: dict[str, Any], ids: dict[tuple[str, str], str], natural: dict[Any, str]
) -> dict[str, Any]:
    out = dict(fields)
    for ref in spec.references:
        if ref.child is not None or out.get(ref.field) is None:
            continue

        def one(value: str, target: str = ref.target) -> str | None:
            if CATALOG[target].reference_data:
                return natural.get((target, value))
            return ids.get((target, value))

        value = out[ref.field]
        out[ref.field] = [one(v) for v in value] if ref.many else one(value)
    return out
