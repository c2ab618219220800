"""Sync sets: a root kind (optionally some of its records) plus every record it needs.

``syncsets.yaml`` at the repository root names them. The closure follows the records'
references transitively, child collections included (a scrum workspace brings its product
backlog, team, agile board with its columns' teams, the team's calendar and its holidays).
Reference data is never in the closure: it is listed as *references to map*. An *opt-in*
field (a team's ``members``: people are not configuration) is left out of a sync set unless the
set names it in ``include``: its references are not followed, and the records that declare it
are named in :attr:`Closure.left_out` (promotion refuses to carry them, snapshot does not write
the field).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import Field, ValidationError

from syncset.config.yamlio import Locator, YamlFileError, parse_documents, read_text
from syncset.errors import ConfigError, Problem, RepositoryError
from syncset.model import Environment, RecordKey
from syncset.schemas import CATALOG
from syncset.schemas.base import StrictModel, top_field
from syncset.schemas.types import NonEmptyStr, Slug

SYNCSETS_FILE = "syncsets.yaml"


class SyncSetDefinition(StrictModel):
    root: NonEmptyStr
    records: list[Slug] = Field(default_factory=list)
    """Ids of root records to include; all records of the root kind when empty."""
    include: list[NonEmptyStr] = Field(default_factory=list)
    """Opt-in fields the set carries, as ``kind.field`` (``team.members``)."""
    title: str | None = None

    def included(self) -> frozenset[str]:
        return frozenset(self.include)


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
        for index, entry in enumerate(definition.include):
            if entry not in OPT_IN_FIELDS:
                at = ("sync_sets", name, "include", index)
                line, col = locator.position(SYNCSETS_FILE, 0, at, True)
                known = ", ".join(sorted(OPT_IN_FIELDS)) or "none"
                message = f"{entry!r} is not an opt-in field (opt-in fields: {known})"
                problems.append(Problem(SYNCSETS_FILE, line, col, message))
    if problems:
        raise ConfigError(problems)
    return parsed.sync_sets


OPT_IN_FIELDS = frozenset(f"{spec.name}.{name}" for spec in CATALOG for name in spec.opt_in)
"""``kind.field`` of every opt-in field: what a sync set may ``include``."""


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
    left_out: tuple[tuple[str, str], ...] = ()
    """``(record ref, field)`` of every opt-in field a record declares and the set leaves out."""


def closure(environment: Environment, definition: SyncSetDefinition) -> Closure:
    """Root records plus every config record they reference, transitively."""
    roots = [
        key
        for key in environment.records
        if key[0] == definition.root and (not definition.records or key[1] in definition.records)
    ]
    present = {key[1] for key in roots}
    missing = tuple(i for i in definition.records if i not in present)
    included = definition.included()
    records, references = reachable(environment, roots, included)
    left_out = tuple(
        (f"{kind}/{record_id}", name)
        for kind, record_id in sorted(records)
        for name in sorted(CATALOG[kind].opt_in)
        if f"{kind}.{name}" not in included
        and environment.records[(kind, record_id)].fields.get(name)
    )
    return Closure(records, references, missing, left_out)


def reachable(
    environment: Environment, roots: list[RecordKey], included: frozenset[str] = frozenset()
) -> tuple[frozenset[RecordKey], dict[tuple[str, str], list[tuple[str, str]]]]:
    """``roots`` and every config record they reference, transitively, with the
    reference-data values met on the way (``(kind, value)`` → ``[(record, field)]``). Opt-in
    fields are not followed unless ``included`` names them (``team.members``)."""
    seen: set[RecordKey] = set()
    references: dict[tuple[str, str], list[tuple[str, str]]] = {}
    stack = sorted(roots)
    while stack:
        key = stack.pop()
        if key in seen or key not in environment.records:
            continue
        seen.add(key)
        record = environment.records[key]
        spec = CATALOG[key[0]]
        for path, target, value in spec.reference_values(record.fields):
            top = top_field(path)
            if top in spec.opt_in and f"{spec.name}.{top}" not in included:
                continue
            if CATALOG[target].reference_data:
                references.setdefault((target, value), []).append((record.ref, path))
            else:
                stack.append((target, value))
    return frozenset(seen), dict(sorted(references.items()))
