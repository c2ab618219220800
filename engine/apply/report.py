"""What an apply did, record by record: the outcomes and the report (in the seeds' words).

Kept apart from :mod:`syncset.apply.run` so that the applier stays a module a newcomer can read;
``syncset.apply.run`` re-exports these names for the code that imports them from there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from syncset.plan.model import RecordChange


class ImportStatus(StrEnum):
    """How an apply ended, in the seeds' words (4me Account Sync's import statuses)."""

    COMPLETED = "Completed"
    FAILED = "Failed"


class Outcome(StrEnum):
    APPLIED = "applied"
    FAILED = "failed"
    SKIPPED = "skipped"
    STALE = "stale"


@dataclass
class RecordResult:
    change: RecordChange
    outcome: Outcome
    message: str = ""
    live_id: str | None = None


@dataclass
class ApplyReport:
    """What an apply did, record by record; ``status`` in the seeds' words."""

    environment: str
    results: list[RecordResult] = field(default_factory=list)
    journal: str | None = None
    writes: dict[str, int] = field(default_factory=dict)
    """Records by the outcome of their writes, read back from the journal file itself."""

    def count(self, outcome: Outcome) -> int:
        return sum(1 for r in self.results if r.outcome is outcome)

    @property
    def status(self) -> ImportStatus:
        bad = self.count(Outcome.FAILED) + self.count(Outcome.STALE) + self.count(Outcome.SKIPPED)
        return ImportStatus.FAILED if bad else ImportStatus.COMPLETED

    @property
    def ok(self) -> bool:
        return self.status is ImportStatus.COMPLETED
