"""What an apply records of each write: the journal's intent and result lines, and the result
of each record as it finishes (what the progress display and the report show).

Kept apart from :mod:`syncset.apply.run` so that the applier reads as the order of its steps;
every line of the journal is written here, except the start and end lines, under one mutex.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from syncset.apply.journal import Journal, before_image
from syncset.apply.report import Outcome, RecordResult
from syncset.config.yamlio import Locator
from syncset.errors import ProviderError, WriteRejected
from syncset.model import Environment
from syncset.plan.model import RecordChange
from syncset.providers.base import LiveRecord
from syncset.schemas import CATALOG
from syncset.secrets import mask_paths


class Recorder:
    """The journal lines and the record results of one apply (thread-safe)."""

    def __init__(
        self,
        environment: Environment,
        journal: Journal,
        progress: Callable[[RecordResult], None],
    ) -> None:
        self.environment = environment
        self.journal = journal
        self.progress = progress
        self.results: dict[str, RecordResult] = {}
        self._lock = threading.Lock()
        self._seq = 0
        self._locator = Locator(environment.root)

    def result(self, ref: str) -> RecordResult | None:
        with self._lock:
            return self.results.get(ref)

    def finish(
        self,
        change: RecordChange,
        outcome: Outcome,
        message: str = "",
        live_id: str | None = None,
    ) -> RecordResult:
        """The record's result (a later one replaces it), shown as it is known."""
        result = RecordResult(change, outcome, message, live_id)
        with self._lock:
            self.results[change.ref] = result
        self.progress(result)
        return result

    def intent(
        self,
        change: RecordChange,
        live_id: str | None,
        before: LiveRecord | None,
        sent: dict[str, Any] | None,
        action: str | None = None,
    ) -> int:
        """The intent line, written before the write is sent: its sequence number."""
        secrets = self.secret_fields(change)
        with self._lock:
            self._seq += 1
            seq = self._seq
        self.journal.write(
            "intent",
            seq=seq,
            ref=change.ref,
            kind=change.kind,
            action=action or change.action.value,
            live_id=live_id,
            before=before_image(before, secrets),
            sent=mask_paths(sent, secrets),
        )
        return seq

    def applied(
        self,
        change: RecordChange,
        seq: int,
        live_id: str,
        message: str = "",
        after: LiveRecord | None = None,
        shown_id: str | None = None,
    ) -> None:
        """The result line carries the after-image: what rollback checks the record against.
        ``shown_id``: the live id the record's result names, when not the one written."""
        image = before_image(after, self.secret_fields(change))
        self.journal.write("result", seq=seq, outcome="applied", live_id=live_id, after=image)
        self.finish(change, Outcome.APPLIED, message, shown_id or live_id)

    def failed(self, change: RecordChange, seq: int, exc: ProviderError) -> None:
        message = self.explain(change, exc)
        self.journal.write("result", seq=seq, outcome="failed", message=message)
        self.finish(change, Outcome.FAILED, message)

    def refused(self, seq: int, message: str) -> None:
        """A result line only: the write was refused and another write of the record follows."""
        self.journal.write("result", seq=seq, outcome="failed", message=message)

    def secret_fields(self, change: RecordChange) -> frozenset[str]:
        spec = CATALOG[change.kind]
        record = self.environment.records.get((change.kind, change.id))
        declared = set(record.secrets) if record else set()
        return frozenset(declared | set(spec.sensitive))

    def explain(self, change: RecordChange, exc: ProviderError) -> str:
        """The provider's message placed on the YAML field it blamed, when it named one."""
        field_name = exc.field if isinstance(exc, WriteRejected) else None
        record = self.environment.records.get((change.kind, change.id))
        if record is None:
            return f"{change.ref}: {exc}"
        origin = record.origin
        path = (field_name,) if field_name else ()
        line, col = self._locator.position(origin.path, origin.document, path, at_value=True)
        where = f"{origin.path}:{line}:{col}: {change.ref}"
        return f"{where}: {field_name}: {exc}" if field_name else f"{where}: {exc}"
