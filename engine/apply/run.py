"""Apply: make the live account match, in dependency order, without losing or doubling a record.

The applier executes a plan's pending changes against a *fresh* resolution (the live account
read just before): creates and updates run in waves along the record graph, concurrently within
a wave; references that break a cycle are left out and set by a final update; removals run last
in reverse order. Before each update or removal the record is read again and compared with the
plan's fingerprint, so a record changed since planning is *stale* and left alone.

Nothing is created twice: every create carries the ownership marker, a create whose outcome is
unknown (timeout, dropped connection) is looked up by that marker before anything else, and a
re-run after a failure or a kill matches what already landed by the same marker. Another
runner applying the same environment at the same time is met by :mod:`syncset.apply.markers`:
markers re-checked before each batch of creates and verified after it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any, Literal

from syncset.apply.journal import Journal, records_by_outcome
from syncset.apply.markers import (
    Appeared,
    duplicated,
    later_copies,
    recheck_markers,
    refusal,
    released,
    released_fields,
)
from syncset.apply.recorder import Recorder
from syncset.apply.report import ApplyReport, ImportStatus, Outcome, RecordResult
from syncset.errors import ProviderError, WriteRejected
from syncset.model import Environment, RecordKey
from syncset.plan.diff import diff_fields
from syncset.plan.model import Action, Plan, RecordChange, fingerprint
from syncset.plan.resolve import Resolution
from syncset.providers.base import MARKER_SOURCE, LiveRecord, Marker, Provider
from syncset.schemas import CATALOG, KindSpec
from syncset.schemas.base import top_field

__all__ = ["Applier", "ApplyReport", "ImportStatus", "Outcome", "RecordResult"]
WRITES = (Action.CREATE, Action.UPDATE, Action.ADOPT)
PAST = {Action.CREATE: "created", Action.UPDATE: "updated", Action.ADOPT: "adopted"}
REMOVALS = (Action.DISABLE, Action.DELETE)


class Applier:
    """Executes one plan. Create one per apply; it is not reusable."""

    def __init__(
        self,
        environment: Environment,
        provider: Provider,
        resolution: Resolution,
        plan: Plan,
        journal: Journal,
        parallelism: int = 4,
        progress: Callable[[RecordResult], None] = lambda result: None,
    ) -> None:
        self.environment = environment
        self.provider = provider
        self.resolution = resolution
        self.plan = plan
        self.journal = journal
        self.parallelism = max(1, parallelism)
        self.record = Recorder(environment, journal, progress)
        self._lock = threading.Lock()
        self._awaiting: set[str] = set()  # updates whose only differences are deferred
        self._live_ids: dict[RecordKey, str] = {
            key: match.live.live_id
            for key, match in resolution.matches.items()
            if match.live is not None
        }
        self._reference_ids = resolution.reference_ids()
        self._appeared: Appeared = {}
        self._created: dict[str, str] = {}  # ref → the live id of the copy this run created

    # -- the run ------------------------------------------------------------------------------

    def run(self) -> ApplyReport:
        pending = self.plan.pending
        writes = [c for c in pending if c.action in WRITES]
        waves: dict[int, list[RecordChange]] = {}
        for change in writes:
            waves.setdefault(change.wave or 0, []).append(change)
        with ThreadPoolExecutor(max_workers=self.parallelism) as pool:
            for wave in sorted(waves):
                self._write_wave(pool, waves[wave])
        for change in writes:
            if change.ref in self._awaiting or (
                change.deferred and self.record.results[change.ref].outcome is Outcome.APPLIED
            ):
                self._set_deferred(change)
        for change in pending:
            if change.action in REMOVALS:
                self._remove(change)
        report = ApplyReport(self.plan.environment, journal=str(self.journal.path))
        results = self.record.results
        report.results = [results[c.ref] for c in pending if c.ref in results]
        self.journal.write("end", status=report.status)
        report.writes = records_by_outcome(self.journal.path)
        return report

    def _write_wave(self, pool: ThreadPoolExecutor, changes: list[RecordChange]) -> None:
        """Updates, then creates in batches of one per worker. One marker query per batch
        re-checks the batch about to be sent (another runner's create since our read becomes
        an update, or a reported duplicate) and verifies the batch sent before it (a copy that
        both runners created within that window is given up by the runner whose copy came
        later); the wave's last batch is verified before the next wave refers to it."""
        list(pool.map(self._write, [c for c in changes if c.action is not Action.CREATE]))
        creates = [c for c in changes if c.action is Action.CREATE]
        sent: list[RecordChange] = []
        for start in range(0, len(creates), self.parallelism):
            batch = creates[start : start + self.parallelism]
            found = recheck_markers(self.provider, [*sent, *batch])
            self._keep_first_copies(sent, found)
            self._appeared.update({c.ref: found[c.ref] for c in batch if c.ref in found})
            list(pool.map(self._write, batch))
            sent = batch
        if sent:
            self._keep_first_copies(sent, recheck_markers(self.provider, sent))

    # -- creates and updates ------------------------------------------------------------------

    def _write(self, change: RecordChange) -> None:
        key = (change.kind, change.id)
        spec = CATALOG[change.kind]
        match = self.resolution.matches.get(key)
        if match is None:
            self.record.finish(change, Outcome.STALE, "no longer declared in the YAML")
            return
        refused = refusal(change, match)
        if refused:
            self.record.finish(change, Outcome.STALE, refused)
            return
        desired = self.resolution.desired[key]
        blocked = self._blocked_by(spec, key, desired, set(change.deferred))
        if blocked:
            self.record.finish(change, Outcome.SKIPPED, blocked)
            return
        live = match.live
        if change.action is Action.CREATE and live is not None:
            self._created_meanwhile(change, spec, desired, live)
            return
        if change.action is Action.CREATE:
            sent = {k: v for k, v in desired.items() if k not in change.deferred}
            if change.ref in self._appeared:
                self._appeared_meanwhile(change, spec, sent, self._appeared[change.ref])
                return
            self._create(change, spec, sent)
            return
        if live is None:
            self.record.finish(change, Outcome.STALE, "no longer in the account")
            return
        current = self.provider.get(change.kind, live.live_id)
        reason = self._stale_reason(change, current)
        if reason:
            self.record.finish(change, Outcome.STALE, reason)
            return
        assert current is not None
        comparable = self.resolution.comparable(key) or {}
        names = {top_field(d.field) for d in diff_fields(spec, desired, comparable)}
        names -= set(change.deferred)
        sent = {name: desired[name] for name in sorted(names)}
        rewrite = change.action is Action.ADOPT or change.rekeyed_from is not None
        marker = Marker(MARKER_SOURCE, change.id) if rewrite else None
        if not sent and marker is None:
            # Only deferred references differ: the final pass sets them, and only its result
            # is shown (no line claims a write before one is made).
            with self._lock:
                self._live_ids[key] = current.live_id
                self._awaiting.add(change.ref)
            return
        self._update(change, spec, current, sent, marker)

    def _created_meanwhile(
        self, change: RecordChange, spec: KindSpec, desired: dict[str, Any], live: LiveRecord
    ) -> None:
        """A saved plan's create whose record exists now (e.g. an earlier, killed apply)."""
        comparable = self.resolution.comparable((change.kind, change.id)) or {}
        if live.owned_by() and not diff_fields(spec, desired, comparable):
            self.record.finish(change, Outcome.APPLIED, "already in the account", live.live_id)
        else:
            self.record.finish(change, Outcome.STALE, "created in the account since planning")

    def _appeared_meanwhile(
        self,
        change: RecordChange,
        spec: KindSpec,
        sent: dict[str, Any],
        found: list[LiveRecord] | str,
    ) -> None:
        """The re-check found the marker (another runner created it since we read): update
        that record instead (journalled as an update, so rollback restores, never removes,
        what another run created), or report the duplicates, or fail when it could not look."""
        if isinstance(found, str):
            self.record.finish(
                change, Outcome.FAILED, f"not created: its marker re-check failed: {found}"
            )
            return
        if len(found) > 1:
            self.record.finish(change, Outcome.STALE, duplicated(tuple(r.live_id for r in found)))
            return
        current = found[0]
        changed = {k: v for k, v in sent.items() if k not in spec.create_only}
        update = change.model_copy(update={"action": Action.UPDATE})
        self._update(update, spec, current, changed, None)

    def _create(self, change: RecordChange, spec: KindSpec, sent: dict[str, Any]) -> None:
        marker = Marker(MARKER_SOURCE, change.id)
        fields = self._to_live(spec, sent)
        seq = self.record.intent(change, None, None, sent)
        try:
            created = self.provider.create(change.kind, fields, marker)
        except WriteRejected as exc:
            # A name the account keeps unique may have been taken by another runner's copy
            # since the re-check: that copy, found by its marker, is updated instead.
            copies = recheck_markers(self.provider, [change]).get(change.ref)
            if not isinstance(copies, list):
                self.record.failed(change, seq, exc)
                return
            message = f"refused ({exc}): created meanwhile by another runner"
            self.record.refused(seq, message)
            self._appeared_meanwhile(change, spec, sent, copies)
            return
        except ProviderError as exc:
            # The outcome is unknown: look for the marker before anything is sent again. Two
            # copies (another runner's too) cannot tell which is ours: reported, not claimed.
            copies = recheck_markers(self.provider, [change]).get(change.ref)
            if not isinstance(copies, list) or not copies:
                self.record.failed(change, seq, exc)
                return
            if len(copies) > 1:
                message = duplicated(tuple(c.live_id for c in copies))
                self.record.refused(seq, message)
                self.record.finish(change, Outcome.STALE, message)
                return
            created = copies[0]
        with self._lock:
            self._created[change.ref] = created.live_id
        self._applied(change, seq, created.live_id, after=created)

    def _keep_first_copies(self, sent: list[RecordChange], found: Appeared) -> None:
        """Release each copy this run created that another runner's copy preceded."""
        with self._lock:
            created = {c.ref: self._created[c.ref] for c in sent if c.ref in self._created}
        by_ref = {c.ref: c for c in sent}
        ordered = self.provider.capabilities.lists_in_creation_order
        for ref, (first, copies) in later_copies(found, created, ordered).items():
            self._release(by_ref[ref], created[ref], first, copies)

    def _release(self, change: RecordChange, own: str, first: LiveRecord, copies: int) -> None:
        """Give up our copy of a record another runner created first: delete it where the
        kind can be deleted, else disable it and clear its marker (journalled as a release,
        which rollback leaves alone), and refer to the first copy from now on."""
        spec = CATALOG[change.kind]
        fields = released_fields(spec)
        current = self.provider.get(change.kind, own)
        seq = self.record.intent(change, own, current, fields, action="release")
        try:
            if spec.removal == "delete":
                self.provider.remove(change.kind, own, "delete")
                after = None
            else:
                after = self.provider.update(change.kind, own, fields, Marker("", ""))
        except ProviderError as exc:
            self.record.failed(change, seq, exc)
            return
        with self._lock:
            self._created.pop(change.ref, None)
            self._live_ids[(change.kind, change.id)] = first.live_id
        message = released(spec, own, first, copies)
        self.record.applied(change, seq, own, message, after, shown_id=first.live_id)

    def _update(
        self,
        change: RecordChange,
        spec: KindSpec,
        current: LiveRecord,
        sent: dict[str, Any],
        marker: Marker | None,
    ) -> None:
        seq = self.record.intent(change, current.live_id, current, sent)
        try:
            updated = self.provider.update(
                change.kind, current.live_id, self._to_live(spec, sent), marker
            )
        except ProviderError as exc:
            self.record.failed(change, seq, exc)
            return
        self._applied(change, seq, current.live_id, after=updated)

    def _set_deferred(self, change: RecordChange) -> None:
        """Set the references left out to break a cycle, now that their targets exist."""
        key = (change.kind, change.id)
        spec = CATALOG[change.kind]
        desired = self.resolution.desired[key]
        names = set(change.deferred)
        if change.action is not Action.CREATE:
            comparable = self.resolution.comparable(key) or {}
            names &= {top_field(d.field) for d in diff_fields(spec, desired, comparable)}
        sent = {name: desired[name] for name in sorted(names) if name in desired}
        written = change.ref not in self._awaiting  # its first write was applied
        if not sent:
            if not written:
                self.record.finish(change, Outcome.APPLIED, "already as declared: nothing written")
            return
        blocked = self._blocked_by(spec, key, sent, set())
        if blocked:
            done = f"{PAST[change.action]}, but " if written else ""
            self.record.finish(change, Outcome.SKIPPED, done + blocked.removeprefix("skipped: "))
            return
        live_id = self._live_ids[key]
        current = self.provider.get(change.kind, live_id)
        if current is None:
            self.record.finish(change, Outcome.FAILED, "not found to set its references")
            return
        deferred_change = change.model_copy(update={"action": Action.UPDATE})
        seq = self.record.intent(deferred_change, live_id, current, sent)
        try:
            updated = self.provider.update(change.kind, live_id, self._to_live(spec, sent), None)
        except ProviderError as exc:
            self.record.failed(change, seq, exc)
            return
        self._applied(change, seq, live_id, f"then set {', '.join(sorted(sent))}", updated)

    # -- removals -----------------------------------------------------------------------------

    def _remove(self, change: RecordChange) -> None:
        assert change.live_id is not None
        current = self.provider.get(change.kind, change.live_id)
        reason = self._stale_reason(change, current)
        if reason:
            self.record.finish(change, Outcome.STALE, reason)
            return
        how: Literal["disable", "delete"] = (
            "delete" if change.action is Action.DELETE else "disable"
        )
        sent = {"disabled": True} if how == "disable" else None
        seq = self.record.intent(change, change.live_id, current, sent)
        try:
            self.provider.remove(change.kind, change.live_id, how)
        except ProviderError as exc:
            self.record.failed(change, seq, exc)
            return
        assert current is not None
        # remove() answers nothing: what it left is the record read before, disabled (or gone).
        disabled = replace(current, disabled=True, fields={**current.fields, "disabled": True})
        self._applied(change, seq, change.live_id, after=disabled if how == "disable" else None)

    # -- helpers ------------------------------------------------------------------------------

    def _stale_reason(self, change: RecordChange, current: LiveRecord | None) -> str:
        if current is None:
            return "no longer in the account"
        now = fingerprint(current.fields, current.marker, current.disabled)
        if change.fingerprint is not None and now != change.fingerprint:
            return "changed in the account since planning: plan again"
        return ""

    def _blocked_by(
        self, spec: KindSpec, key: RecordKey, fields: dict[str, Any], deferred: set[str]
    ) -> str:
        for path, target, value in spec.reference_values(fields):
            if top_field(path) in deferred or CATALOG[target].reference_data:
                continue
            target_key = (target, value)
            with self._lock:
                result = self.record.results.get(f"{target}/{value}")
                live_id = self._live_ids.get(target_key)
            if result is not None and result.outcome is not Outcome.APPLIED:
                return f"skipped: it needs {target}/{value}, which {result.outcome.value}"
            if live_id is None:
                return f"skipped: it needs {target}/{value}, which is not in the account"
        return ""

    def _to_live(self, spec: KindSpec, fields: dict[str, Any]) -> dict[str, Any]:
        """Desired fields with references as live ids, as the provider expects them."""
        return spec.map_references(fields, lambda ref, value: self._live_ref(ref.target, value))

    def _live_ref(self, target: str, value: str) -> str:
        if CATALOG[target].reference_data:
            live_id = self._reference_ids.get((target, CATALOG[target].key_value(value)))
        else:
            with self._lock:
                live_id = self._live_ids.get((target, value))
        if live_id is None:
            raise ProviderError(f"{target} {value} has no record in the account")
        return live_id

    def _applied(
        self,
        change: RecordChange,
        seq: int,
        live_id: str,
        message: str = "",
        after: LiveRecord | None = None,
    ) -> None:
        """The result line carries the after-image: what rollback checks the record against."""
        with self._lock:
            self._live_ids[(change.kind, change.id)] = live_id
        self.record.applied(change, seq, live_id, message, after)
