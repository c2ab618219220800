"""Sync sets: a root kind (optionally some of its records) plus every record it needs.

``syncsets.yaml`` at the repository root names them. The closure follows the records'
references transitively, child collections included (a scrum workspace brings its product
backlog, team, agile board with its columns' teams, the team's calendar and its holidays).
Reference data is never in the closure: it is listed as *references to map*.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import Field, ValidationError

from syncset.config.yamlio import Locator, YamlFileError, parse_documents, read_text
from syncset.errors import ConfigError, Problem, RepositoryError
from syncset.model import Environment, RecordKey
from syncset.schemas import CATALOG
from syncset.schemas.base import StrictModel
from syncset.schemas.types import NonEmptyStr, Slug

SYNCSETS_FILE = "syncsets.yaml"


class SyncSetDefinition(StrictModel):
    root: NonEmptyStr
    records: list[Slug] = Field(default_factory=list)
    """Ids of root records to include; all records of the root kind when empty."""
    title: str | None = None


class SyncSetsFile(StrictModel):
    version: int = 1
    sync_sets: dict[Slug, SyncSetDefinition] = Field(default_factory=dict)


def load_syncsets(root: Path) -> dict[str, SyncSetDefinition]:
    path = root / SYNCSETS_FILE
    if not path.exists():
        return {}
    try:
        documents = parse_documents(read_text(path, SYNCSETS_FILE), SYNCSETS_FILE)
    except YamlFileError as exc:
        raise ConfigError([exc.problem]) from None
    try:
        parsed = SyncSetsFile.model_validate(documents[0] if documents else {})
    except ValidationError as exc:
        locator = Locator(root)
        problems = []
        for item in exc.errors(include_url=False):
            line, col = locator.position(SYNCSETS_FILE, 0, item["loc"])
            problems.append(Problem(SYNCSETS_FILE, line, col, str(item["msg"])))
        raise ConfigError(problems) from None
    locator = Locator(root)
    problems = []
    for name, definition in parsed.sync_sets.items():
        if definition.root not in CATALOG or CATALOG[definition.root].reference_data:
            line, col = locator.position(SYNCSETS_FILE, 0, ("sync_sets", name, "root"), True)
            problems.append(
                Problem(SYNCSETS_FILE, line, col, f"root {definition.root!r} is not a config kind")
            )
    if problems:
        raise ConfigError(problems)
    return parsed.sync_sets


def get_syncset(root: Path, name: str) -> SyncSetDefinition:
    sets = load_syncsets(root)
    if name not in sets:
        known = ", ".join(sets) or f"none: define them in {SYNCSETS_FILE}"
        raise RepositoryError(f"unknown sync set {name!r} (sync sets: {known})")
    return sets[name]


@dataclass(frozen=True)
class Closure:
    """The records of a sync set in one environment, and the reference data they use."""

    records: frozenset[RecordKey]
    references: dict[tuple[str, str], list[tuple[str, str]]]
    """``(kind, value)`` → ``[(record ref, field)]`` for every reference-data value used."""
    missing_roots: tuple[str, ...] = ()


def closure(environment: Environment, definition: SyncSetDefinition) -> Closure:
    """Root records plus every config record they reference, transitively."""
    roots = [
        key
        for key in environment.records
        if key[0] == definition.root and (not definition.records or key[1] in definition.records)
    ]
    present = {key[1] for key in roots}
    missing = tuple(i for i in definition.records if i not in present)
    records, references = reachable(environment, roots)
    return Closure(records, references, missing)


def reachable(
    environment: Environment, roots: list[RecordKey]
) -> tuple[frozenset[RecordKey], dict[tuple[str, str], list[tuple[str, str]]]]:
    """``roots`` and every config record they reference, transitively, with the
    reference-data values met on the way (``(kind, value)`` → ``[(record, field)]``)."""
    seen: set[RecordKey] = set()
    references: dict[tuple[str, str], list[tuple[str, str]]] = {}
    stack = sorted(roots)
    while stack:
        key = stack.pop()
        if key in seen or key not in environment.records:
            continue
        seen.add(key)
        record = environment.records[key]
        for path, target, value in CATALOG[key[0]].reference_values(record.fields):
            if CATALOG[target].reference_data:
                references.setdefault((target, value), []).append((record.ref, path))
            else:
                stack.append((target, value))
    return frozenset(seen), dict(sorted(references.items()))
