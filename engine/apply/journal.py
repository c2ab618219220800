"""The journal of an apply: one JSON line per step, flushed as it goes.

``.syncset/journal/<env>/<timestamp>.jsonl`` records, for every write, an *intent* line before
it is sent (so a killed run still says what may have landed) and a *result* line after it, with
the record's before-image and what was sent. Secret values are masked before they reach the
file: structurally (the record's secret paths, :func:`syncset.secrets.mask_paths`) and by value
(every line through :data:`syncset.secrets.SECRETS`). :mod:`syncset.apply.rollback` reads it back.
"""

from __future__ import annotations

import json
import os
import threading
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, model_validator

from syncset.apply.lock import holds_lock
from syncset.errors import RefusedError, SyncsetError
from syncset.providers.base import LiveRecord
from syncset.safepath import (
    confined,
    environment_component,
    environment_of_component,
    make_folders,
    open_new,
)
from syncset.schemas import CATALOG
from syncset.schemas.types import EnvironmentName
from syncset.secrets import SECRETS, mask_paths, sensitive_paths

JOURNAL_VERSION = 1
JOURNALS = ".syncset/journal"


def journal_dir(root: Path, environment: str) -> Path:
    """``.syncset/journal/<env>/``, a grouped name as one folder (``customers~acme``), so a
    journal lies exactly two levels below ``journal/`` (:func:`journal_environment` reads it)."""
    return root / JOURNALS / environment_component(environment)


class Journal:
    """An append-only JSONL file, fsynced after every line.

    Written only under the environment's lock (:func:`start` checks), one line at a time: the
    applier's threads write through one mutex, so lines never interleave.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._mutex = threading.Lock()
        make_folders(path.parent, private=True)
        fd = open_new(path, private=True, flags=os.O_APPEND)
        self._handle: IO[str] = os.fdopen(fd, "a", encoding="utf-8")

    @classmethod
    def start(cls, root: Path, environment: str, command: str, **details: Any) -> Journal:
        if not holds_lock(root, environment):
            raise RuntimeError(f"a journal of {environment} is written only under its lock")
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        journal = cls(confined(root, journal_dir(root, environment) / f"{stamp}.jsonl", root))
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
        line = SECRETS.mask_tree(line)
        text = json.dumps(line, ensure_ascii=False, default=str) + "\n"
        with self._mutex:
            self._handle.write(text)
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
    after: dict[str, Any] | None = None
    """The record as the write left it (its result line), what rollback checks staleness by."""
    undoes: int | None = None
    """In a rollback's journal: the seq of the apply's write this step undoes."""


def read_journal(path: Path) -> tuple[dict[str, Any], list[JournalEntry]]:
    """The start line and every write of a journal; a corrupt line is a clear error."""
    shown = str(path)
    events = _checked_events(shown, _json_lines(path, shown))
    intents: dict[int, IntentLine] = {}
    results: dict[int, ResultLine] = {}
    for _, event in events[1:]:
        if isinstance(event, IntentLine):
            intents[event.seq] = event
        elif isinstance(event, ResultLine):
            results[event.seq] = event
    entries = []
    for seq, intent in sorted(intents.items()):
        result = results.get(seq)
        entries.append(
            JournalEntry(
                seq=seq,
                ref=intent.ref,
                kind=intent.kind,
                action=intent.action,
                live_id=(result.live_id if result else None) or intent.live_id,
                before=intent.before,
                sent=intent.sent,
                outcome=result.outcome if result else "unknown",
                after=result.after if result else None,
                undoes=intent.undoes,
            )
        )
    return events[0][1].model_dump(), entries


def records_by_outcome(path: Path) -> dict[str, int]:
    """Records by what the journal says of their writes: each record counts as its last
    write's outcome (``applied``, ``failed`` or ``unknown``). A record's writes only follow one
    another when the one before was applied (a create, then its deferred references), except
    a create the account refused because another runner's copy took its name, which the update
    of that copy follows. The apply summary counts from this, so it can never claim a write the
    journal does not hold."""
    last: dict[str, str] = {}
    for entry in read_journal(path)[1]:
        last[entry.ref] = entry.outcome
    return dict(Counter(last.values()))


@dataclass(frozen=True)
class JournalSummary:
    """What a journal says of its run as a whole, for ``syncset environments``."""

    path: Path
    command: str
    started_at: str | None
    git_commit: str | None
    status: str | None
    """The end line's status (``Completed``, ``Failed``), None when the run never ended (killed)."""
    records: dict[str, int]
    """Records by outcome (:func:`records_by_outcome`)."""


def latest_journal(root: Path, environment: str) -> JournalSummary | None:
    """The newest journal of ``environment`` (file names are UTC timestamps), or None.

    Read as rollback reads one: a journal that is not syncset's shape is a SyncsetError."""
    found = sorted(journal_dir(root, environment).glob("*.jsonl"))
    if not found:
        return None
    path = found[-1]
    events = _checked_events(str(path), _json_lines(path, str(path)))
    start = events[0][1]
    assert isinstance(start, StartLine)
    ends = [event for _, event in events if isinstance(event, EndLine)]
    commit = (start.model_extra or {}).get("git_commit")
    return JournalSummary(
        path=path,
        command=start.command,
        started_at=start.at,
        git_commit=commit if isinstance(commit, str) else None,
        status=ends[-1].status if ends else None,
        records=records_by_outcome(path),
    )


def _json_lines(path: Path, shown: str) -> list[tuple[int, dict[str, Any]]]:
    """Each line's number and JSON object; a last line cut short by a kill is dropped."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise SyncsetError(f"{shown}: cannot read journal: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise SyncsetError(f"{shown}: not a syncset journal (not UTF-8 text)") from None
    parsed: list[tuple[int, dict[str, Any]]] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            event = json.loads(line)
            if not isinstance(event, dict) or "event" not in event:
                raise ValueError("no event")
        except (ValueError, RecursionError):
            if number == len(lines):
                break  # a line cut short by a kill: everything before it is intact
            raise SyncsetError(f"{shown}:{number}: corrupt journal line: {UNTRUSTED}") from None
        parsed.append((number, event))
    if not parsed or parsed[0][1].get("event") != "start":
        raise SyncsetError(f"{shown}: not a syncset journal (no start line)")
    return parsed


def _checked_events(
    shown: str, lines: list[tuple[int, dict[str, Any]]]
) -> list[tuple[int, JournalLine]]:
    """Every line validated against its event's model: a journal is read back, so trusted
    only as far as it has the shape syncset writes."""
    checked: list[tuple[int, JournalLine]] = []
    for number, line in lines:
        try:
            checked.append((number, _LINE.validate_python(line)))
        except ValidationError as exc:
            first = exc.errors(include_url=False)[0]
            where = ".".join(str(step) for step in first["loc"][1:]) or "event"
            raise SyncsetError(
                f"{shown}:{number}: corrupt journal line ({line.get('event')!s:.20} {where}: "
                f"{first['msg']}): {UNTRUSTED}"
            ) from None
    if not isinstance(checked[0][1], StartLine):
        raise SyncsetError(f"{shown}: not a syncset journal (no start line)")
    return checked


def journal_environment(root: Path, path: Path, start: dict[str, Any], given: str | None) -> str:
    """The environment a journal belongs to: the folder it lies in
    (``.syncset/journal/<env>/``), or ``given`` when it lies elsewhere. The journal's own
    ``environment`` must agree: an edited or moved journal never steers a rollback elsewhere."""
    real = path.resolve()
    inside = real.parent.parent == (root / JOURNALS).resolve()
    located = environment_of_component(real.parent.name) if inside else None
    if located and given and located != given:
        raise RefusedError(
            f"{path}: lies in {JOURNALS}/{located}/, not {given}: roll it back on {located}, "
            "the environment it was written for"
        )
    environment = located or given
    if environment is None:
        raise RefusedError(
            f"{path}: lies outside {JOURNALS}/<environment>/, so its environment is not known: "
            "pass --env ENVIRONMENT (the environment whose apply it records)"
        )
    if start.get("environment") != environment:
        raise RefusedError(
            f"{path}: says environment {start.get('environment')!r} but belongs to "
            f"{environment}: it was moved or edited, so it cannot be trusted for a rollback; "
            "restore from the plan instead (syncset plan)"
        )
    return environment


UNTRUSTED = (
    "the journal cannot be trusted for a rollback; restore from the plan instead (syncset plan)"
)


class _Line(BaseModel):
    model_config = ConfigDict(strict=True, extra="allow")
    at: str | None = None


class StartLine(_Line):
    event: Literal["start"]
    version: Literal[1]
    environment: EnvironmentName
    command: str


class IntentLine(_Line):
    event: Literal["intent"]
    seq: int = Field(ge=1)
    ref: str = Field(pattern=r"^[a-z_]+/[a-z0-9][a-z0-9_.-]*$")
    kind: str
    # release gives up a copy another runner created first (syncset.apply.markers); restore,
    # enable and recreate are what a rollback's own journal records.
    action: Literal[
        "create",
        "update",
        "adopt",
        "disable",
        "delete",
        "release",
        "restore",
        "enable",
        "recreate",
    ]
    live_id: str | None = None
    before: dict[str, Any] | None = None
    sent: dict[str, Any] | None = None
    undoes: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _known_kind(self) -> IntentLine:
        if self.kind not in CATALOG or not self.ref.startswith(f"{self.kind}/"):
            raise ValueError(f"kind {self.kind!r} is not the kind of {self.ref!r} in this catalog")
        return self


class ResultLine(_Line):
    event: Literal["result"]
    seq: int = Field(ge=1)
    outcome: Literal["applied", "failed"]
    live_id: str | None = None
    message: str | None = None
    after: dict[str, Any] | None = None


class EndLine(_Line):
    event: Literal["end"]
    status: str | None = None


JournalLine = StartLine | IntentLine | ResultLine | EndLine
_LINE: TypeAdapter[JournalLine] = TypeAdapter(Annotated[JournalLine, Field(discriminator="event")])


def before_image(live: LiveRecord | None, secrets: frozenset[str]) -> dict[str, Any] | None:
    """The record as read before a write, secrets masked (child items' sensitive fields too),
    with its marker and disabled flag: what rollback restores."""
    if live is None:
        return None
    fields = {k: v for k, v in live.fields.items() if k not in ("created_at", "updated_at")}
    image = mask_paths(fields, secrets | set(sensitive_paths(CATALOG[live.kind], fields))) or {}
    image["__marker__"] = [live.marker.source, live.marker.source_id] if live.marker else None
    image["__disabled__"] = live.disabled
    return image
