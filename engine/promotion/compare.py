"""Compare: two environments record by record, as Synatic's "Compare to Org" does.

Folder mode compares what a promotion would change: the source folder's records interpreted in
the destination's context (its variables and overrides) against the destination folder's
records. Reference-data values are compared as written, since a promotion copies them unchanged
and the destination's mapping overlay translates both sides alike. Live mode (``--live``)
compares the two accounts instead, records matched by ownership marker or natural key and
references shown by natural key (live ids differ between accounts).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict

from syncset.model import Record, RecordKey
from syncset.plan.diff import diff_fields
from syncset.plan.model import FieldChange
from syncset.plan.resolve import LiveState, natural_key
from syncset.providers.base import MARKER_SOURCE, LiveRecord
from syncset.schemas import CATALOG
from syncset.secrets import sensitive_paths


class CompareEntry(BaseModel):
    model_config = ConfigDict(frozen=True)
    kind: str
    id: str
    status: str
    """exists_no_differences | exists_differences | doesnt_exist (in DST) | only_in_destination"""
    changes: tuple[FieldChange, ...] = ()
    source_path: str | None = None
    destination_path: str | None = None


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
            counts[entry.status] = counts.get(entry.status, 0) + 1
        return dict(sorted(out.items()))

    def differing(self) -> list[CompareEntry]:
        return [e for e in self.entries if e.status in ("exists_differences", "doesnt_exist")]


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
                    status="only_in_destination",
                    destination_path=dst.origin.path,
                )
            )
            continue
        if dst is None:
            entries.append(
                CompareEntry(
                    kind=key[0], id=key[1], status="doesnt_exist", source_path=src.origin.path
                )
            )
            continue
        secrets = src.secrets | dst.secrets
        # Compare every field either side declares: a field removed from the source is a change.
        names = set(src.fields) | set(dst.fields)
        after = {n: src.fields.get(n) for n in sorted(names)}
        before = {n: dst.fields.get(n) for n in sorted(names)}
        differences = diff_fields(
            spec, _sorted_sets(spec, after), _sorted_sets(spec, before), secrets
        )
        entries.append(
            CompareEntry(
                kind=key[0],
                id=key[1],
                status="exists_differences" if differences else "exists_no_differences",
                changes=tuple(
                    FieldChange(
                        field=d.field, before=d.before, after=d.after, sensitive=d.sensitive
                    )
                    for d in differences
                ),
                source_path=src.origin.path,
                destination_path=dst.origin.path,
            )
        )
    return Comparison(
        source=source_name, destination=destination_name, mode="folders", entries=tuple(entries)
    )


def _sorted_sets(spec: Any, fields: dict[str, Any]) -> dict[str, Any]:
    out = dict(fields)
    for ref in spec.references:
        if ref.child is None and ref.many and isinstance(out.get(ref.field), list):
            out[ref.field] = sorted(out[ref.field])
    return out


def compare_live(
    source_name: str,
    destination_name: str,
    source: LiveState,
    destination: LiveState,
    keep: Callable[[RecordKey], bool] | None = None,
    secrets: Mapping[RecordKey, frozenset[str]] | None = None,
) -> Comparison:
    """Two accounts, config records matched by marker, else natural key; ``keep`` filters by
    ``(kind, id)`` where the id is the marker's record id, else the natural key.

    ``secrets`` are the secret paths of the records the two folders declare (values their
    templates read from ``env()``): a live record carrying such a record's marker shows them
    as sensitive, as do the fields its kind declares sensitive, child items' included."""
    known = secrets or {}
    entries = []
    src_names = _names(source)
    dst_names = _names(destination)
    for spec in CATALOG.config_kinds():
        src_records = [r for r in source.by_kind.get(spec.name, []) if not r.disabled]
        dst_records = [r for r in destination.by_kind.get(spec.name, []) if not r.disabled]
        dst_by_marker = {r.marker.source_id: r for r in dst_records if r.owned_by() and r.marker}
        dst_by_key = {natural_key(spec, r.fields): r for r in dst_records}
        matched: set[str] = set()
        for src in src_records:
            ident = src.marker.source_id if src.owned_by(MARKER_SOURCE) and src.marker else None
            dst = dst_by_marker.get(ident) if ident else None
            dst = dst or dst_by_key.get(natural_key(spec, src.fields))
            shown = ident or str(natural_key(spec, src.fields)[0])
            if dst is None:
                entries.append(CompareEntry(kind=spec.name, id=shown, status="doesnt_exist"))
                continue
            matched.add(dst.live_id)
            after = _portable(spec, src, src_names)
            before = _portable(spec, dst, dst_names)
            hidden = set(sensitive_paths(spec, after)) | set(sensitive_paths(spec, before))
            for record in (src, dst):
                if record.marker is not None:
                    hidden |= known.get((spec.name, record.marker.source_id), frozenset())
            differences = diff_fields(spec, after, before, frozenset(hidden))
            entries.append(
                CompareEntry(
                    kind=spec.name,
                    id=shown,
                    status="exists_differences" if differences else "exists_no_differences",
                    changes=tuple(
                        FieldChange(
                            field=d.field, before=d.before, after=d.after, sensitive=d.sensitive
                        )
                        for d in differences
                    ),
                )
            )
        for dst in dst_records:
            if dst.live_id not in matched:
                shown = (
                    dst.marker.source_id
                    if dst.owned_by() and dst.marker
                    else str(natural_key(spec, dst.fields)[0])
                )
                entries.append(CompareEntry(kind=spec.name, id=shown, status="only_in_destination"))
    if keep is not None:
        entries = [e for e in entries if keep((e.kind, e.id))]
    return Comparison(
        source=source_name, destination=destination_name, mode="live", entries=tuple(entries)
    )


def _names(state: LiveState) -> dict[str, str]:
    """Live id → natural key, for showing references across accounts."""
    return {
        record.live_id: str(natural_key(CATALOG[record.kind], record.fields)[0])
        for record in state.all()
    }


def _portable(spec: Any, live: LiveRecord, names: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in spec.fields:
        value = live.fields.get(name)
        ref = spec.reference(name)
        if ref is not None and value is not None:
            value = sorted(names.get(v, v) for v in value) if ref.many else names.get(value, value)
        elif name in spec.children:
            items = []
            for item in value or []:
                clean = {k: v for k, v in item.items() if k != "id"}
                for child_ref in spec.references:
                    if child_ref.child == name and clean.get(child_ref.field):
                        clean[child_ref.field] = names.get(clean[child_ref.field])
                items.append(clean)
            value = items
        out[name] = value
    return out
