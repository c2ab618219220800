"""The journal of an apply: one JSON line per step, flushed as it goes.

``.syncset/journal/<env>/<timestamp>.jsonl`` records, for every write, an *intent* line before
it is sent (so a killed run still says what may have landed) and a *result* line after it, with
the record's before-image and what was sent. Secret values are masked before they reach the
file. :mod:`syncset.apply.rollback` reads it back.
"""

from __future__ import annotations

import copy
import json
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from syncset.errors import SyncsetError
from syncset.providers.base import LiveRecord
from syncset.schemas import CATALOG

MASK = "***"
JOURNAL_VERSION = 1


def journal_dir(root: Path, environment: str) -> Path:
    return root / ".syncset" / "journal" / environment


def mask(fields: dict[str, Any] | None, secret_paths: frozenset[str]) -> dict[str, Any] | None:
    """A copy of ``fields`` with the value at every secret path masked.

    Paths are dotted with list indexes (``secret``, ``settings.token``, ``columns[1].note``);
    a path that does not exist in ``fields`` is ignored.
    """
    if fields is None:
        return None
    out: Any = copy.deepcopy(fields)
    for path in secret_paths:
        _mask_path(out, _steps(path))
    return dict(out)


def _steps(path: str) -> list[str | int]:
    return [int(p) if p.isdigit() else p for p in re.split(r"\.|\[|\]\.?", path) if p != ""]


def _mask_path(node: Any, steps: list[str | int]) -> None:
    for index, step in enumerate(steps):
        last = index == len(steps) - 1
        if isinstance(node, dict) and isinstance(step, str) and step in node:
            if last:
                if node[step] is not None:
                    node[step] = MASK
                return
            node = node[step]
        elif isinstance(node, list) and isinstance(step, int) and step < len(node):
            if last:
                node[step] = MASK
                return
            node = node[step]
        else:
            return


class Journal:
    """An append-only JSONL file, fsynced after every line."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._handle: IO[str] = path.open("a", encoding="utf-8")

    @classmethod
    def start(cls, root: Path, environment: str, command: str, **details: Any) -> Journal:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        journal = cls(journal_dir(root, environment) / f"{stamp}.jsonl")
        journal.write(
            "start",
            version=JOURNAL_VERSION,
            environment=environment,
            command=command,
            pid=os.getpid(),
            **details,
        )
        return journal

    def write(self, event: str, **body: Any) -> None:
        line = {"event": event, "at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"), **body}
        self._handle.write(json.dumps(line, ensure_ascii=False, default=str) + "\n")
        self._handle.flush()
        os.fsync(self._handle.fileno())

    def close(self) -> None:
        self._handle.close()


@dataclass(frozen=True)
class JournalEntry:
    """One write of an apply, as the journal tells it."""

    seq: int
    ref: str
    kind: str
    action: str
    live_id: str | None
    before: dict[str, Any] | None
    sent: dict[str, Any] | None
    outcome: str
    """``applied``, ``failed``, or ``unknown`` (an intent without result: the run was killed)."""


def read_journal(path: Path) -> tuple[dict[str, Any], list[JournalEntry]]:
    """The start line and every write of a journal; a corrupt line is a clear error."""
    shown = str(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise SyncsetError(f"{shown}: cannot read journal: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise SyncsetError(f"{shown}: not a syncset journal (not UTF-8 text)") from None
    events: list[dict[str, Any]] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            event = json.loads(line)
            if not isinstance(event, dict) or "event" not in event:
                raise ValueError("no event")
        except ValueError:
            if number == len(lines):
                break  # a line cut short by a kill: everything before it is intact
            raise SyncsetError(
                f"{shown}:{number}: corrupt journal line: the journal cannot be trusted for a "
                "rollback; restore from the plan instead (syncset plan)"
            ) from None
        events.append(event)
    if not events or events[0].get("event") != "start":
        raise SyncsetError(f"{shown}: not a syncset journal (no start line)")
    intents: dict[int, dict[str, Any]] = {}
    results: dict[int, dict[str, Any]] = {}
    for event in events[1:]:
        if event["event"] == "intent":
            intents[event["seq"]] = event
        elif event["event"] == "result":
            results[event["seq"]] = event
    entries = []
    for seq, intent in sorted(intents.items()):
        result = results.get(seq, {})
        entries.append(
            JournalEntry(
                seq=seq,
                ref=intent["ref"],
                kind=intent["kind"],
                action=intent["action"],
                live_id=result.get("live_id") or intent.get("live_id"),
                before=intent.get("before"),
                sent=intent.get("sent"),
                outcome=result.get("outcome", "unknown"),
            )
        )
    return events[0], entries


def before_image(live: LiveRecord | None, secrets: frozenset[str]) -> dict[str, Any] | None:
    """The record as read before a write, secrets masked (child items' sensitive fields too),
    with its marker and disabled flag: what rollback restores."""
    if live is None:
        return None
    fields = {k: v for k, v in live.fields.items() if k not in ("created_at", "updated_at")}
    child_secrets = {
        f"{child.field}[{index}].{name}"
        for child in CATALOG[live.kind].children.values()
        for index, _ in enumerate(fields.get(child.field) or [])
        for name in child.sensitive
    }
    image = mask(fields, secrets | child_secrets) or {}
    image["__marker__"] = [live.marker.source, live.marker.source_id] if live.marker else None
    image["__disabled__"] = live.disabled
    return image
