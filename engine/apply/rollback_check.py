"""What a rollback must not undo: writes undone already, records a later run wrote, hand edits.

A rollback undoes one apply's writes, and only while they are still that apply's:

* a write an earlier rollback of the same journal undid is not undone again (so a second
  rollback is a no-op that says when, and by which journal, it was done);
* a record a *later* apply journal of the environment wrote (created, updated, adopted,
  disabled) belongs to that run now: it is refused, naming the run, even with ``--force``
  (roll that run back first);
* a record that differs from the journal's after-image (what the apply wrote) was changed
  since, by hand or by another tool: it is refused, naming the fields, unless ``--force``.

The history is read from the journals of the environment's folder; their file names are UTC
timestamps, so "later" is the order of their names.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from syncset.apply.journal import JournalEntry, before_image, journal_dir, read_journal
from syncset.apply.rollback import RollbackStep, Undo
from syncset.providers.base import MARKER_SOURCE, LiveRecord, Marker, Provider
from syncset.secrets import MASK


@dataclass(frozen=True)
class PastUndo:
    """An earlier rollback's step: when, and by which journal."""

    at: str
    journal: str


@dataclass(frozen=True)
class History:
    """What the other journals of the environment say about one apply journal's writes."""

    undone: dict[int, PastUndo]
    """seq of the apply's write → the earlier rollback that undid it."""
    later: dict[str, str]
    """``kind/id`` → the first later apply journal that wrote the record (and was not rolled
    back for it)."""


def read_history(root: Path, environment: str, journal: Path) -> History:
    """Every journal of ``environment`` but ``journal`` itself, read for :class:`History`."""
    name = journal.name
    undone: dict[int, PastUndo] = {}
    writes: dict[str, dict[str, JournalEntry]] = {}  # later apply journal → ref → its write
    rolled_back: dict[str, set[str]] = {}  # apply journal → refs a rollback of it undid
    for path in sorted(journal_dir(root, environment).glob("*.jsonl")):
        if path.resolve() == journal.resolve():
            continue
        start, entries = read_journal(path)
        landed = [e for e in entries if e.outcome == "applied"]
        if start.get("command") == "rollback":
            undoes = str(start.get("of", ""))
            rolled_back.setdefault(undoes, set()).update(e.ref for e in landed)
            if undoes == name:
                for entry in landed:
                    undone.setdefault(entry.undoes or -1, PastUndo(str(start.get("at")), path.name))
        elif path.name > name:
            writes[path.name] = {e.ref: e for e in entries if e.outcome != "failed"}
    later: dict[str, str] = {}
    for run, refs in sorted(writes.items()):
        for ref in refs:
            if ref not in rolled_back.get(run, set()):
                later.setdefault(ref, run)
    return History(undone, later)


def latest_after(entries: list[JournalEntry]) -> dict[str, dict[str, Any] | None]:
    """Per record, the after-image of the journal's last write of it (a create and then its
    deferred references is one record: the update's image is what the apply left)."""
    images: dict[str, dict[str, Any] | None] = {}
    for entry in sorted(entries, key=lambda e: e.seq):
        if entry.outcome == "applied" or entry.ref not in images:
            images[entry.ref] = entry.after
    return images


def stale_reason(
    provider: Provider, step: RollbackStep, after: dict[str, Any] | None
) -> str | None:
    """Why the account's record is no longer what the apply left, or None when it is."""
    entry = step.entry
    if step.action is Undo.KEEP:
        return None
    if step.action is Undo.RECREATE:
        again = _current(provider, entry.kind, entry.live_id, _marker_of(entry.before))
        return f"it exists again in the account ({again.live_id})" if again else None
    marker = Marker(MARKER_SOURCE, entry.ref.split("/", 1)[1]) if entry.live_id is None else None
    current = _current(provider, entry.kind, entry.live_id, marker)
    if entry.outcome == "unknown":
        if current is None and step.action is Undo.DISABLE:
            return None  # the killed create never landed: nothing to undo (execute says so)
        return (
            "the apply was killed before it recorded this write's outcome, so what it wrote "
            "is not known"
        )
    if after is None:
        return "the journal holds no after-image of it (written by an older syncset)"
    if current is None:
        return "it is no longer in the account"
    differ = changed_fields(after, before_image(current, frozenset()) or {})
    return f"changed since the apply: {', '.join(differ)}" if differ else None


def changed_fields(after: dict[str, Any], now: dict[str, Any]) -> list[str]:
    """The fields the account holds differently now than the after-image. A masked (secret)
    value cannot be compared and is left out; ``__marker__``/``__disabled__`` read as
    ``marker``/``disabled``."""
    now = json.loads(json.dumps(now, default=str))
    names = []
    for name in after.keys() | now.keys():
        value = after.get(name)
        if MASK in json.dumps(value, default=str) or name in ("created_at", "updated_at"):
            continue
        if now.get(name) != value:
            names.append(name.strip("_"))
    return sorted(set(names))


def _current(
    provider: Provider, kind: str, live_id: str | None, marker: Marker | None
) -> LiveRecord | None:
    found = provider.get(kind, live_id) if live_id else None
    if found is None and marker is not None:
        found = provider.find_by_marker(kind, marker)
    return found


def _marker_of(image: dict[str, Any] | None) -> Marker | None:
    value = (image or {}).get("__marker__")
    if isinstance(value, list) and len(value) == 2 and value[0]:
        return Marker(str(value[0]), str(value[1]))
    return None
