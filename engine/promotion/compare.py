"""Compare: two environments record by record, as Synatic's "Compare to Org" does.

Folder mode compares what a promotion would change: the source folder's records interpreted in
the destination's context (its variables and overrides) against the destination folder's
records. Reference-data values are compared as written, since a promotion copies them unchanged
and the destination's mapping overlay translates both sides alike. Live mode (``--live``)
compares the two accounts instead, records matched as a plan matches them (marker, the
destination's links, natural key; several fitting records are *ambiguous*, never one picked at
random) and references shown by natural key (live ids differ between accounts).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict

from syncset.model import Environment, Record, RecordKey
from syncset.plan.diff import Difference, diff_fields
from syncset.plan.match import KindMatch, Wanted, match_kind, natural_key
from syncset.plan.model import FieldChange
from syncset.plan.resolve import LiveState
from syncset.providers.base import LiveRecord
from syncset.schemas import CATALOG, KindSpec, RefSpec
from syncset.secrets import sensitive_paths


class CompareStatus(StrEnum):
    """How a record of the source compares with the destination (the seeds' words)."""

    EXISTS_NO_DIFFERENCES = "exists_no_differences"
    EXISTS_DIFFERENCES = "exists_differences"
    DOESNT_EXIST = "doesnt_exist"
    """Not in the destination: a promotion would create it."""
    ONLY_IN_DESTINATION = "only_in_destination"
    AMBIGUOUS = "ambiguous"
    """Several records fit (live mode): none is chosen, ``note`` says which and why."""


class CompareEntry(BaseModel):
    model_config = ConfigDict(frozen=True)
    kind: str
    id: str
    status: CompareStatus
    changes: tuple[FieldChange, ...] = ()
    source_path: str | None = None
    destination_path: str | None = None
    note: str = ""


class Comparison(BaseModel):
    model_config = ConfigDict(frozen=True)
    source: str
    destination: str
    mode: str
    entries: tuple[CompareEntry, ...]

    def summary(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for entry in self.entries:
            counts = out.setdefault(entry.kind, {})
            counts[entry.status.value] = counts.get(entry.status.value, 0) + 1
        return dict(sorted(out.items()))

    def restricted(self, keys: set[RecordKey]) -> Comparison:
        """Only the entries of ``keys``: what one promotion's branch changes."""
        kept = tuple(e for e in self.entries if (e.kind, e.id) in keys)
        return self.model_copy(update={"entries": kept})

    def differing(self) -> list[CompareEntry]:
        changing = (CompareStatus.EXISTS_DIFFERENCES, CompareStatus.DOESNT_EXIST)
        return [e for e in self.entries if e.status in changing]


def _compared(
    kind: str, record_id: str, differences: list[Difference], **paths: str | None
) -> CompareEntry:
    status = (
        CompareStatus.EXISTS_DIFFERENCES if differences else CompareStatus.EXISTS_NO_DIFFERENCES
    )
    changes = tuple(
        FieldChange(field=d.field, before=d.before, after=d.after, sensitive=d.sensitive)
        for d in differences
    )
    return CompareEntry(kind=kind, id=record_id, status=status, changes=changes, **paths)


def compare_folders(
    source_name: str,
    destination_name: str,
    source: dict[RecordKey, Record],
    destination: dict[RecordKey, Record],
    keep: Callable[[RecordKey], bool] | None = None,
) -> Comparison:
    entries = []
    for key in sorted(set(source) | set(destination)):
        if keep is not None and not keep(key):
            continue
        src, dst = source.get(key), destination.get(key)
        spec = CATALOG[key[0]]
        if src is None:
            assert dst is not None
            entries.append(
                CompareEntry(
                    kind=key[0],
                    id=key[1],
                    status=CompareStatus.ONLY_IN_DESTINATION,
                    destination_path=dst.origin.path,
                )
            )
            continue
        if dst is None:
            status = CompareStatus.DOESNT_EXIST
            entries.append(
                CompareEntry(kind=key[0], id=key[1], status=status, source_path=src.origin.path)
            )
            continue
        # Compare every field either side declares: a field removed from the source is a change.
        names = sorted(set(src.fields) | set(dst.fields))
        after = spec.map_references({n: src.fields.get(n) for n in names}, sort_sets=True)
        before = spec.map_references({n: dst.fields.get(n) for n in names}, sort_sets=True)
        differences = diff_fields(spec, after, before, src.secrets | dst.secrets)
        entries.append(
            _compared(
                key[0],
                key[1],
                differences,
                source_path=src.origin.path,
                destination_path=dst.origin.path,
            )
        )
    return Comparison(
        source=source_name, destination=destination_name, mode="folders", entries=tuple(entries)
    )


Translation = Callable[[str, str], str]
"""(reference-data kind, the source account's natural key) → the destination account's."""


def reference_translation(source: Environment, destination: Environment) -> Translation:
    """How a promotion carries a reference-data value between the two accounts: the source
    account's value back to what the YAML writes (the source's mappings, reversed), then
    through the destination's mappings, as its apply would."""

    def table(environment: Environment, reverse: bool) -> dict[tuple[str, Any], str]:
        return {
            (kind, CATALOG[kind].key_value(target if reverse else written)): (
                written if reverse else target
            )
            for kind, pairs in environment.mappings.references.items()
            for written, target in pairs.items()
        }

    back, forward = table(source, reverse=True), table(destination, reverse=False)

    def translate(kind: str, value: str) -> str:
        spec = CATALOG[kind]
        written = back.get((kind, spec.key_value(value)), value)
        return forward.get((kind, spec.key_value(written)), written)

    return translate


def context_differences(
    source_records: Mapping[RecordKey, Record], in_context: Mapping[RecordKey, Record]
) -> dict[RecordKey, dict[str, Any]]:
    """Per source record, the plain fields that render differently in the destination (its
    variables and overrides): a promotion leaves those to each account, so a live comparison
    expects the destination's rendering there."""
    out: dict[RecordKey, dict[str, Any]] = {}
    for key, record in source_records.items():
        other = in_context.get(key)
        if other is None:
            continue
        spec = CATALOG[key[0]]
        changed = {
            name: value
            for name, value in other.fields.items()
            if spec.reference(name) is None
            and name not in spec.children
            and value != record.fields.get(name)
        }
        if changed:
            out[key] = changed
    return out


@dataclass(frozen=True)
class _LiveContext:
    source: str
    destination: str
    names: dict[str, str]
    translate: Translation
    secrets: Mapping[RecordKey, frozenset[str]]
    expected: Mapping[RecordKey, dict[str, Any]]


def compare_live(
    source_name: str,
    destination_name: str,
    source: LiveState,
    destination: LiveState,
    keep: Callable[[RecordKey], bool] | None = None,
    secrets: Mapping[RecordKey, frozenset[str]] | None = None,
    links: Mapping[str, str] | None = None,
    translate: Translation | None = None,
    expected: Mapping[RecordKey, dict[str, Any]] | None = None,
) -> Comparison:
    """Two accounts, matched as a plan matches (:func:`syncset.plan.match.match_kind`): by
    marker, by the destination's ``links``, else by natural key; ``keep`` filters by
    ``(kind, id)`` where the id is the marker's record id, else the natural key.

    Compared as a promotion would carry them: the source's reference-data values after
    ``translate`` (the mappings), so a person mapped to another is no difference, and the
    fields in ``expected`` (:func:`context_differences`) as the destination renders them.

    ``secrets`` are the secret paths of the records the two folders declare (values their
    templates read from ``env()``): a live record carrying such a record's marker shows them
    as sensitive, as do the fields its kind declares sensitive, child items' included."""
    entries: list[CompareEntry] = []
    context = _LiveContext(
        source_name,
        destination_name,
        {**_names(source), **_names(destination)},
        translate or _same,
        secrets or {},
        expected or {},
    )
    for spec in CATALOG.config_kinds():
        src_records = [r for r in source.by_kind.get(spec.name, []) if not r.disabled]
        dst_records = [r for r in destination.by_kind.get(spec.name, []) if not r.disabled]
        by_id: dict[str, list[LiveRecord]] = {}
        for record in src_records:
            by_id.setdefault(_shown_id(spec, record), []).append(record)
        prefix = f"{spec.name}/"
        kind_links = {
            k.removeprefix(prefix): v for k, v in (links or {}).items() if k.startswith(prefix)
        }
        wanted = [
            Wanted(ident, found[0].fields) for ident, found in by_id.items() if len(found) == 1
        ]
        result = match_kind(spec, wanted, dst_records, kind_links, rekeys=False)
        for ident, found in sorted(by_id.items()):
            entries.append(_live_entry(spec, ident, found, result, context))
        entries += [
            CompareEntry(
                kind=spec.name, id=_shown_id(spec, dst), status=CompareStatus.ONLY_IN_DESTINATION
            )
            for dst in result.unmatched
        ]
    if keep is not None:
        entries = [e for e in entries if keep((e.kind, e.id))]
    return Comparison(
        source=source_name, destination=destination_name, mode="live", entries=tuple(entries)
    )


def _live_entry(
    spec: KindSpec, ident: str, found: list[LiveRecord], result: KindMatch, context: _LiveContext
) -> CompareEntry:
    """One source record's entry: compared with its twin, or why it has none."""
    if len(found) > 1:
        note = f"{len(found)} records of {context.source} are {ident!r} and none carries the marker"
        return CompareEntry(kind=spec.name, id=ident, status=CompareStatus.AMBIGUOUS, note=note)
    if ident in result.ambiguous:
        note = (
            f"{result.ambiguous[ident]} records of {context.destination} fit {ident!r} and none "
            "carries the marker, so none is chosen"
        )
        return CompareEntry(kind=spec.name, id=ident, status=CompareStatus.AMBIGUOUS, note=note)
    if ident not in result.found:
        note = (
            f"link target {result.missing_links[ident]!r} is not in {context.destination}"
            if ident in result.missing_links
            else ""
        )
        return CompareEntry(kind=spec.name, id=ident, status=CompareStatus.DOESNT_EXIST, note=note)
    src, (dst, _) = found[0], result.found[ident]
    after = _portable(spec, src, context.names, context.translate)
    if src.owned_by() and src.marker is not None:
        after.update(context.expected.get((spec.name, src.marker.source_id), {}))
    before = _portable(spec, dst, context.names)
    hidden = set(sensitive_paths(spec, after)) | set(sensitive_paths(spec, before))
    for record in (src, dst):
        if record.marker is not None:
            hidden |= context.secrets.get((spec.name, record.marker.source_id), frozenset())
    return _compared(spec.name, ident, diff_fields(spec, after, before, frozenset(hidden)))


def _shown_id(spec: KindSpec, live: LiveRecord) -> str:
    """A live record's id in a comparison: its marker's record id, else its natural key."""
    if live.owned_by() and live.marker is not None:
        return live.marker.source_id
    return str(natural_key(spec, live.fields)[0])


def _names(state: LiveState) -> dict[str, str]:
    """Live id → natural key, for showing references across accounts."""
    return {
        record.live_id: str(natural_key(CATALOG[record.kind], record.fields)[0])
        for record in state.all()
    }


def _same(kind: str, value: str) -> str:
    return value


def _portable(
    spec: KindSpec, live: LiveRecord, names: dict[str, str], translate: Translation = _same
) -> dict[str, Any]:
    """A live record's fields with references as natural keys (reference data translated),
    child items without live ids."""
    out: dict[str, Any] = {}
    for name in spec.fields:
        value = live.fields.get(name)
        if name in spec.children:
            value = [{k: v for k, v in item.items() if k != "id"} for item in value or []]
        out[name] = value

    def portable(ref: RefSpec, live_id: Any) -> Any:
        shown = names.get(live_id, live_id)
        if CATALOG[ref.target].reference_data and isinstance(shown, str):
            return CATALOG[ref.target].key_value(translate(ref.target, shown))
        return shown

    return spec.map_references(out, portable, sort_sets=True)
