"""Rollback: restore what one apply changed, from its journal.

Every write the journal says landed (or may have landed, when the run was killed) is undone in
reverse order: a created record is disabled, an updated or adopted record gets its before-image
back for the fields that were sent (and its previous ownership marker), a disabled record is
enabled again, and a deleted record is created again from its before-image. Masked (secret)
values cannot be restored and are left as they are; the step says so. A created record of a kind
the platform can neither disable nor delete (a 4me/Xurrent holiday) is *kept*: the step says
why and that it is to be removed by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

from syncset.apply.journal import Journal, JournalEntry
from syncset.errors import ProviderError
from syncset.providers.base import MARKER_SOURCE, Marker, Provider
from syncset.schemas import CATALOG
from syncset.secrets import MASK


class Undo(StrEnum):
    """What a rollback step does to undo one journaled write."""

    DISABLE = "disable"
    """A created record is disabled (deleted where its kind has no ``disabled``)."""
    RESTORE = "restore"
    """An updated or adopted record gets its before-image back for the fields that were sent."""
    ENABLE = "enable"
    RECREATE = "recreate"
    KEEP = "keep"
    """A created record of a kind that can be neither disabled nor deleted: left, said why."""


class Undone(StrEnum):
    """How a rollback step went."""

    RESTORED = "restored"
    KEPT = "kept"
    FAILED = "failed"


@dataclass(frozen=True)
class RollbackStep:
    entry: JournalEntry
    action: Undo
    fields: dict[str, Any] = field(default_factory=dict)
    marker: Marker | None = None
    note: str = ""

    @property
    def ref(self) -> str:
        return self.entry.ref


def plan_rollback(entries: list[JournalEntry]) -> list[RollbackStep]:
    """The steps that undo ``entries``, newest first."""
    steps: list[RollbackStep] = []
    # A copy this run created and then released to another runner's (deleted, or disabled and
    # unmarked) is not this run's record any more: neither step is undone.
    released = {
        (e.ref, e.live_id) for e in entries if e.action == "release" and e.outcome == "applied"
    }
    for entry in sorted(entries, key=lambda e: e.seq, reverse=True):
        if entry.outcome == "failed" or entry.action == "release":
            continue  # nothing landed; or a copy given up to another runner's: it stays so
        if entry.action == "create" and (entry.ref, entry.live_id) in released:
            continue
        if entry.action == "create" and CATALOG[entry.kind].removal == "none":
            note = f"created by the apply; cannot be undone: {CATALOG[entry.kind].removal_note}"
            steps.append(RollbackStep(entry, Undo.KEEP, note=note))
        elif entry.action == "create":
            steps.append(RollbackStep(entry, Undo.DISABLE, note="created by the apply"))
        elif entry.action in ("update", "adopt") and entry.before is not None:
            steps.append(_restore(entry))
        elif entry.action == "disable":
            steps.append(RollbackStep(entry, Undo.ENABLE, {"disabled": False}))
        elif entry.action == "delete" and entry.before is not None:
            image = {k: v for k, v in entry.before.items() if not k.startswith("__")}
            marker = _marker(entry.before.get("__marker__"))
            steps.append(RollbackStep(entry, Undo.RECREATE, image, marker, "deleted by the apply"))
    return _merge_same_record(steps)


def _restore(entry: JournalEntry) -> RollbackStep:
    assert entry.before is not None
    sent = entry.sent or {}
    fields: dict[str, Any] = {}
    masked: list[str] = []
    for name in sent:
        value = entry.before.get(name)
        if value == MASK:
            masked.append(name)
            continue
        fields[name] = value
    marker = None
    before_marker = entry.before.get("__marker__")
    if entry.action == "adopt":
        marker = _marker(before_marker) or Marker("", "")
    elif entry.after is not None and entry.after.get("__marker__") != before_marker:
        marker = _marker(before_marker)  # a re-key rewrote it: the old id's marker returns
    note = f"secret fields not restored: {', '.join(masked)}" if masked else ""
    return RollbackStep(entry, Undo.RESTORE, fields, marker, note)


def _marker(value: Any) -> Marker | None:
    if isinstance(value, list) and len(value) == 2 and value[0]:
        return Marker(str(value[0]), str(value[1]))
    return None


def _merge_same_record(steps: list[RollbackStep]) -> list[RollbackStep]:
    """A record created and then updated (a deferred reference) needs only its disable."""
    created = {s.ref for s in steps if s.action in (Undo.DISABLE, Undo.KEEP)}
    return [s for s in steps if s.action in (Undo.DISABLE, Undo.KEEP) or s.ref not in created]


def execute_rollback(
    provider: Provider, steps: list[RollbackStep], journal: Journal
) -> list[tuple[RollbackStep, Undone, str]]:
    """Run the steps; returns each step with how it went and, for a failure, the message."""
    outcomes: list[tuple[RollbackStep, Undone, str]] = []
    for seq, step in enumerate(steps, start=1):
        entry = step.entry
        if step.action is Undo.KEEP:
            outcomes.append((step, Undone.KEPT, ""))
            continue
        journal.write(
            "intent",
            seq=seq,
            ref=entry.ref,
            kind=entry.kind,
            action=step.action,
            live_id=entry.live_id,
            before=None,
            sent=step.fields,
            undoes=entry.seq,
        )
        try:
            _execute(provider, step)
        except ProviderError as exc:
            journal.write("result", seq=seq, outcome="failed", message=str(exc))
            outcomes.append((step, Undone.FAILED, str(exc)))
            continue
        journal.write("result", seq=seq, outcome="applied", live_id=entry.live_id)
        outcomes.append((step, Undone.RESTORED, ""))
    return outcomes


def _execute(provider: Provider, step: RollbackStep) -> None:
    entry = step.entry
    live_id = entry.live_id
    if step.action is Undo.DISABLE:
        if live_id is None:
            found = provider.find_by_marker(
                entry.kind, Marker(MARKER_SOURCE, entry.ref.split("/", 1)[1])
            )
            if found is None:
                return  # the killed create never landed: nothing to undo
            live_id = found.live_id
        how: Literal["disable", "delete"] = (
            "disable" if "disabled" in CATALOG[entry.kind].fields else "delete"
        )
        provider.remove(entry.kind, live_id, how)
    elif step.action is Undo.RECREATE:
        provider.create(entry.kind, step.fields, step.marker)
    else:
        assert live_id is not None
        provider.update(entry.kind, live_id, step.fields, step.marker)
