"""Snapshot: write a live account's configuration as YAML (4me Account Sync's "snapshot").

How a team adopts an existing account, or takes drift into git. Records that already have a YAML
twin are updated in place, field by field, with ruamel.yaml's round-trip writer, so comments,
key order and formatting survive where values did not change; a templated value
(``{{ vars.x }}``) is never overwritten with a literal. Other records get a new file
``<kind>s/<id>.yaml`` with an id slugged from the natural key. References are written as record
ids and reference-data natural keys (mapped back through mappings.yaml), never as live ids;
secret values are never written: a ``{{ env("…") }}`` placeholder stands in their place.
After a snapshot, a plan shows every snapshotted record as *Exists - no differences*, or as an
adoption where the account's record carries no ownership marker yet. Opt-in fields (a team's
``members``) are not written into new files unless the sync set includes them.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from syncset.config.yamlio import (
    YamlFileError,
    read_text,
    round_trip,
    round_trip_documents,
)
from syncset.errors import ConfigError, RefusedError
from syncset.model import Environment, RecordKey
from syncset.plan.diff import diff_fields
from syncset.plan.match import natural_key
from syncset.plan.removals import slugify
from syncset.plan.resolve import Resolution
from syncset.promotion.yamledit import merge_into, yaml_safe
from syncset.providers.base import MARKER_SOURCE, LiveRecord
from syncset.safepath import atomic_write_text, confined
from syncset.schemas import CATALOG, KindSpec, RefSpec
from syncset.schemas.base import top_field
from syncset.schemas.types import SLUG_PATTERN

SERVER_FIELDS = frozenset({"id", "created_at", "updated_at", "position"})
SLUG = re.compile(SLUG_PATTERN)


Edit = tuple[int, str, dict[str, Any]]
"""One record's update in a file: document index, record ref, the changed fields' values."""


@dataclass
class SnapshotResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    notes: list[str] = field(default_factory=list)
    files: int = 0
    """How many files are (or would be) written: one per new record, one per edited file."""


def snapshot(
    resolution: Resolution,
    kinds: Iterable[str] | None = None,
    dry_run: bool = False,
    root_ids: set[str] | None = None,
    include: frozenset[str] = frozenset(),
) -> SnapshotResult:
    """Write the account's records of ``kinds`` (all config kinds by default) into YAML,
    with every record they reference; ``root_ids`` keeps only those records of ``kinds``;
    ``include`` names the opt-in fields to write (``team.members``)."""
    environment = resolution.environment
    wanted = set(kinds or [spec.name for spec in CATALOG.config_kinds()])
    all_ids = _assign_ids(resolution, [r for r in resolution.live.all() if r.kind in wanted])
    roots = [
        live
        for kind in sorted(wanted)
        for live in resolution.live.by_kind.get(kind, [])
        if root_ids is None or all_ids.get(live.live_id) in root_ids
    ]
    chosen = _closure(resolution, roots)
    ids = _assign_ids(resolution, chosen)
    reverse = _reverse_mappings(environment)
    result = SnapshotResult()
    edits: dict[str, list[Edit]] = {}
    new_files: dict[Path, str] = {}
    for live in chosen:
        spec = CATALOG[live.kind]
        values = _yaml_values(spec, live, resolution, ids, reverse)
        key = (live.kind, ids[live.live_id])
        match = resolution.matches.get(key)
        if match is not None and match.live is not None and match.live.live_id == live.live_id:
            record = match.record
            comparable = resolution.comparable(key) or {}
            changed = {
                top_field(d.field) for d in diff_fields(spec, resolution.desired[key], comparable)
            }
            if not changed:
                result.unchanged += 1
                continue
            edits.setdefault(record.origin.path, []).append(
                (record.origin.document, record.ref, {n: values.get(n) for n in changed})
            )
        else:
            left_out = {n for n in spec.opt_in if f"{spec.name}.{n}" not in include}
            new_files[_record_file(environment, live.kind, key[1])] = _new_document(
                spec, key[1], values, left_out
            )
            result.created.append(f"{live.kind}/{key[1]}")
    result.notes += _unusable_markers(chosen, ids)
    for relative, changes in edits.items():
        path = confined(environment.folder, environment.root / relative, environment.root)
        written = _edit_file(path, relative, changes, write=not dry_run)
        result.notes += written.notes
        result.updated += written.changed
        result.unchanged += len(changes) - len(written.changed)
        result.files += bool(written.changed)
    result.files += len(new_files)
    if not dry_run:
        for path, text in new_files.items():
            atomic_write_text(path, text)
    return result


def _record_file(environment: Environment, kind: str, record_id: str) -> Path:
    """``<kind>s/<id>.yaml`` in the environment folder: the name comes from a record id that
    matches the id pattern, and the path is confined to the folder (syncset.safepath)."""
    if not SLUG.match(record_id):
        raise RefusedError(f"{kind}/{record_id!r}: not a valid record id, so not a file name")
    path = environment.folder / f"{kind}s" / f"{record_id}.yaml"
    return confined(environment.folder, path, environment.root)


def _unusable_markers(chosen: list[LiveRecord], ids: dict[str, str]) -> list[str]:
    """Notes for records whose marker id is not a valid record id (so was not believed)."""
    return [
        f"{live.kind}/{ids[live.live_id]}: the account's ownership marker says "
        f"{live.marker.source_id!r}, which is not a valid record id: written under an id slugged "
        "from its natural key; a plan adopts the record, and apply marks it with that id"
        for live in chosen
        if live.marker is not None and live.marker.source == MARKER_SOURCE and not live.owned_by()
    ]


def _closure(resolution: Resolution, roots: list[LiveRecord]) -> list[LiveRecord]:
    """``roots`` plus every config record they reference, transitively."""
    chosen: dict[str, LiveRecord] = {}
    stack = [
        live
        for live in roots
        if not CATALOG[live.kind].reference_data and _wanted(resolution, live)
    ]
    while stack:
        live = stack.pop()
        if live.live_id in chosen:
            continue
        chosen[live.live_id] = live
        for _, kind, live_id in CATALOG[live.kind].reference_values(live.fields):
            target = resolution.live_by_id.get(live_id)
            if target is not None and not CATALOG[kind].reference_data:
                stack.append(target)
    # Sorted by natural key: which of two same-named records gets the plain slug must not
    # depend on the account's (random) live ids.
    return sorted(
        chosen.values(),
        key=lambda r: (r.kind, str(natural_key(CATALOG[r.kind], r.fields)), r.live_id),
    )


def _wanted(resolution: Resolution, live: LiveRecord) -> bool:
    """Disabled records are snapshotted only when the YAML already declares them."""
    return not live.disabled or live.live_id in resolution.yaml_id_of


def _assign_ids(resolution: Resolution, chosen: list[LiveRecord]) -> dict[str, str]:
    """Live id → YAML id: the matched record's id, else a unique slug of the natural key."""
    ids = dict(resolution.yaml_id_of)
    taken: set[RecordKey] = set(resolution.environment.records)
    for live in chosen:
        if live.live_id in ids:
            continue
        if live.owned_by() and live.marker is not None:
            base = live.marker.source_id
        else:
            base = slugify(str(natural_key(CATALOG[live.kind], live.fields)[0]))
        candidate, n = base, 2
        while (live.kind, candidate) in taken:
            candidate, n = f"{base}-{n}", n + 1
        taken.add((live.kind, candidate))
        ids[live.live_id] = candidate
    return ids


def _reverse_mappings(environment: Environment) -> dict[tuple[str, str], str]:
    """This account's reference values back to the source values the YAML uses."""
    return {
        (kind, CATALOG[kind].key_value(target)): source
        for kind, table in environment.mappings.references.items()
        for source, target in table.items()
    }


def _yaml_values(
    spec: KindSpec,
    live: LiveRecord,
    resolution: Resolution,
    ids: dict[str, str],
    reverse: dict[tuple[str, str], str],
) -> dict[str, Any]:
    def as_yaml(ref: RefSpec, live_id: Any) -> Any:
        if CATALOG[ref.target].reference_data:
            value = resolution.display_ref(ref.target, live_id)
            return reverse.get((ref.target, value), value)
        return ids.get(live_id, resolution.display_ref(ref.target, live_id))

    values: dict[str, Any] = {}
    for name in spec.fields:
        value = live.fields.get(name)
        if name in spec.sensitive:
            value = _placeholder(spec, ids[live.live_id], name) if value else None
        elif name in spec.children:
            value = _children(spec, name, value or [])
        elif (ref := spec.reference(name)) is not None and ref.many:
            value = value or []
        values[name] = value
    values["disabled"] = live.disabled
    return spec.map_references(values, as_yaml)


def _children(spec: KindSpec, name: str, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Child items in their list order, with the fields YAML declares and no server fields."""
    ordered = sorted(items, key=lambda item: item.get("position") or 0)
    field_order = list(spec.children[name].model.model_fields)
    return [
        {
            k: item[k]
            for k in field_order
            if k in item and k not in SERVER_FIELDS and item[k] is not None
        }
        for item in ordered
    ]


def _placeholder(spec: KindSpec, record_id: str, name: str) -> str:
    variable = re.sub(r"[^A-Z0-9]+", "_", f"{spec.name}_{record_id}_{name}".upper())
    return '{{ env("' + variable + '") }}'


def _new_document(
    spec: KindSpec, record_id: str, values: dict[str, Any], left_out: set[str]
) -> str:
    body: dict[str, Any] = {"kind": spec.name, "id": record_id}
    for name in spec.fields:
        value = values.get(name)
        if name in left_out:
            continue
        if value is None or value == [] or value == {} or (name == "disabled" and not value):
            continue
        body[name] = value
    stream = io.StringIO()
    round_trip().dump(yaml_safe(body), stream)
    return stream.getvalue()


@dataclass
class FileEdit:
    notes: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    """Refs of the records whose document really changed (a templated field is left alone)."""


def _edit_file(path: Path, shown: str, changes: list[Edit], write: bool) -> FileEdit:
    """Update documents of one file in place, keeping comments and formatting elsewhere: a
    changed child is edited where it stands (syncset.promotion.yamledit), so the git diff shows
    what changed in the account and nothing else."""
    try:
        documents = round_trip_documents(read_text(path, shown), shown)
    except YamlFileError as exc:
        raise ConfigError([exc.problem]) from None
    edit = FileEdit()
    for index, ref, values in changes:
        changed = False
        document = documents[index]
        for name, value in values.items():
            current = document.get(name)
            if isinstance(current, str) and "{{" in current:
                edit.notes.append(
                    f"{path.name}: {ref}: {name} is templated; left as it is "
                    "(the account differs from what it renders to)"
                )
            elif value is None or (name == "disabled" and not value and name not in document):
                changed = document.pop(name, None) is not None or changed
            else:
                changed = merge_into(document, name, value) or changed
        if changed:
            edit.changed.append(ref)
    if write and edit.changed:
        stream = io.StringIO()
        round_trip().dump_all(documents, stream)
        atomic_write_text(path, stream.getvalue())
    return edit
