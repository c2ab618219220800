"""Apply's one path, for ``syncset apply`` and ``syncset ci apply``: the same lock, the same
gates, the same journal (the plan itself comes from :func:`syncset.workflow.plan_environment`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from syncset.errors import PlanFileError, RefusedError
from syncset.plan.model import Plan, PlanStatus, Selection
from syncset.workflow import PlanRun, plan_environment

if TYPE_CHECKING:  # start-up time: the applier is imported by the apply itself
    from syncset.apply.run import ApplyReport, RecordResult


def refuse_unprepared(plan: Plan) -> None:
    """Apply refuses a plan that is Being Prepared, listing the values still to map."""
    if plan.status is PlanStatus.BEING_PREPARED:
        values = "; ".join(
            f"{u.kind} {u.value} (used by {', '.join(f'{x.record}.{x.field}' for x in u.used_by)})"
            for u in plan.unmapped
        )
        count = len(plan.awaiting_review)
        waiting = (
            f" ({count} proposed by map --suggest await review: syncset map "
            f"{plan.environment} --accept)"
            if count
            else ""
        )
        raise RefusedError(
            f"the plan for {plan.environment} is Being Prepared: map these references in "
            f"environments/{plan.environment}/mappings.yaml first: {values}{waiting}"
        )


def check_saved_plan(saved: Plan, run: PlanRun) -> None:
    """A saved plan is refused when its environment folder changed since it was made."""
    if run.environment.digest != saved.env_digest:
        raise PlanFileError(
            f"environments/{saved.environment} changed since this plan was made: plan again "
            "and review the new plan"
        )


class Stopped(StrEnum):
    """Why an apply stopped at a gate before its first write."""

    STALE_PLAN = "stale_plan"
    """The saved plan no longer describes the environment folder: plan again."""
    BEING_PREPARED = "being_prepared"
    """References are still to be mapped (in the saved plan or in the account now)."""
    NO_CHANGES = "no_changes"
    """The account already matches."""


@dataclass(frozen=True)
class ApplyAttempt:
    """What one environment's apply came to: a report, or the gate that stopped it."""

    plan: Plan | None
    report: ApplyReport | None = None
    stopped: Stopped | None = None
    message: str = ""


@dataclass(frozen=True)
class ApplySteps:
    """How a command takes part in an apply; every hook is optional."""

    parallelism: int = 4
    lock_timeout: float = 0.0
    command: str = "apply"
    show: Callable[[Plan], None] = lambda plan: None
    """Called with the plan to apply once it is known, before any gate."""
    confirm: Callable[[Plan], None] = lambda plan: None
    """Asks before the first write; raises RefusedError for "no"."""
    warn: Callable[[str], None] = lambda message: None
    progress: Callable[[RecordResult], None] = lambda result: None
    rekey: bool = False
    """``--rekey``: the plan made now moves re-keyed records (a saved plan says so itself)."""


def apply_environment(
    root: Path, name: str, saved: Plan | None, selection: Selection, steps: ApplySteps
) -> ApplyAttempt:
    """Plan (or check a saved plan) and apply it under the environment's lock.

    The gates, in order: a saved plan whose folder changed is stale; a plan that is Being
    Prepared (saved, or made now) is not applied; nothing pending is nothing to do; then
    ``confirm``. Records changed in the account since planning are left alone by the applier.
    """
    from syncset.apply.lock import environment_lock

    with (
        environment_lock(root, name, steps.command, steps.lock_timeout, steps.warn),
        plan_environment(root, name, selection, rekey=steps.rekey and saved is None) as run,
    ):
        plan = saved or run.plan
        steps.show(plan)
        try:
            if saved is not None:
                check_saved_plan(saved, run)
        except PlanFileError as exc:
            return ApplyAttempt(plan, stopped=Stopped.STALE_PLAN, message=str(exc))
        try:
            refuse_unprepared(plan)
            refuse_unprepared(run.plan)
        except RefusedError as exc:
            return ApplyAttempt(plan, stopped=Stopped.BEING_PREPARED, message=str(exc))
        if not plan.pending:
            refused = f"nothing applied: {len(plan.refused)} records refused by the plan"
            message = refused if plan.refused else "no changes"
            return ApplyAttempt(plan, stopped=Stopped.NO_CHANGES, message=message)
        steps.confirm(plan)
        report = execute_plan(run, plan, steps.parallelism, steps.command, steps.progress)
    return ApplyAttempt(plan, report)


def execute_plan(
    run: PlanRun,
    plan: Plan,
    parallelism: int,
    command: str,
    progress: Callable[[RecordResult], None] = lambda result: None,
) -> ApplyReport:
    """Apply ``plan`` against the fresh ``run`` with a journal; the caller holds the lock."""
    from syncset.apply.journal import Journal
    from syncset.apply.run import Applier

    journal = Journal.start(
        run.environment.root,
        plan.environment,
        command,
        plan_checksum=plan.checksum or plan.computed_checksum(),
        git_commit=plan.git_commit,
    )
    try:
        applier = Applier(
            run.environment, run.provider, run.resolution, plan, journal, parallelism, progress
        )
        return applier.run()
    finally:
        journal.close()
