"""``ci apply``: after a merge, apply each changed environment and say how each one went.

The path is the one of ``syncset apply`` (:func:`syncset.apply.flow.apply_environment`): a saved
plan is refused when its environment folder changed since planning, an environment with unmapped
references is not applied, records changed in the account since planning are left alone as
*stale*, and the environment's lock is held for the whole plan-and-apply so two applies of one
checkout never overlap (CI runners on different machines are kept apart by the pipeline's
concurrency group).

Every environment ends in one of four states, which the markdown result lists:

* ``completed``: every change applied, or nothing to change;
* ``failed``: an error, or records that failed (or were skipped because what they need failed);
* ``stale``: the saved plan no longer describes the folder or the account: plan again;
* ``skipped``: nothing was tried (references to map, or no saved plan for it).

Only ``completed`` is success: anything else makes ``ci apply`` exit 1, because after a merge an
environment that was not brought up to date needs a person.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from syncset.apply.flow import ApplySteps, Stopped, apply_environment
from syncset.apply.run import ApplyReport, Outcome, RecordResult
from syncset.ci.plan import saved_plan_path
from syncset.errors import PlanFileError
from syncset.plan.model import Plan, Selection, load_plan
from syncset.render.report import summary_counts
from syncset.secrets import SECRETS
from syncset.workflow import each_environment


class EnvState(StrEnum):
    COMPLETED = "completed"
    FAILED = "failed"
    STALE = "stale"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class EnvApply:
    environment: str
    state: EnvState
    message: str = ""
    report: ApplyReport | None = None
    saved: bool = False
    """Whether a saved plan was applied (else the environment was planned and applied at once)."""


Confirm = Callable[[Plan], None]
"""Asks before an environment is changed; raises RefusedError for "no"."""


@dataclass(frozen=True)
class ApplyOptions:
    plans_dir: Path | None = None
    parallelism: int = 4
    lock_timeout: float = 0.0
    confirm: Confirm | None = None
    warn: Callable[[str], None] = lambda message: None
    progress: Callable[[RecordResult], None] = lambda result: None


def apply_all(root: Path, names: list[str], options: ApplyOptions) -> list[EnvApply]:
    """Apply each environment in turn; one that fails does not stop the next."""
    return [
        _masked(o.value)
        if o.value is not None
        else EnvApply(o.environment, EnvState.FAILED, o.error or "")
        for o in each_environment(names, lambda name: _apply_one(root, name, options))
    ]


def _masked(result: EnvApply) -> EnvApply:
    message = SECRETS.mask(result.message)
    return EnvApply(result.environment, result.state, message, result.report, result.saved)


def _apply_one(root: Path, name: str, options: ApplyOptions) -> EnvApply:
    saved: Plan | None = None
    if options.plans_dir is not None:
        path = saved_plan_path(options.plans_dir, name)
        if not path.is_file():
            return EnvApply(name, EnvState.SKIPPED, f"no saved plan {path.name} in {path.parent}")
        saved = load_plan(path, path.name)
        if saved.environment != name:
            raise PlanFileError(f"{path.name} is a plan for {saved.environment}, not for {name}")
    selection = saved.selection if saved is not None else Selection()
    steps = ApplySteps(
        parallelism=options.parallelism,
        lock_timeout=options.lock_timeout,
        command="ci apply",
        confirm=options.confirm or (lambda plan: None),
        warn=options.warn,
        progress=options.progress,
    )
    attempt = apply_environment(root, name, saved, selection, steps)
    refused = len(attempt.plan.refused) if attempt.plan else 0
    if attempt.report is not None:
        result = _from_report(name, attempt.report, saved is not None)
        if refused and result.state is EnvState.COMPLETED:
            message = f"{result.message}; {refused} records refused (duplicates or re-keys)"
            return EnvApply(name, EnvState.FAILED, message, attempt.report, saved is not None)
        return result
    state = _STOPPED_STATE[attempt.stopped or Stopped.NO_CHANGES]
    if refused and state is EnvState.COMPLETED:
        state = EnvState.FAILED  # nothing else to do, but the account does not match its YAML
    return EnvApply(name, state, attempt.message, saved=saved is not None)


_STOPPED_STATE = {
    Stopped.STALE_PLAN: EnvState.STALE,
    Stopped.BEING_PREPARED: EnvState.SKIPPED,
    Stopped.NO_CHANGES: EnvState.COMPLETED,
}


def _from_report(name: str, report: ApplyReport, saved: bool) -> EnvApply:
    counts = summary_counts(report)
    if report.count(Outcome.FAILED) or report.count(Outcome.SKIPPED):
        state = EnvState.FAILED
    elif report.count(Outcome.STALE):
        state = EnvState.STALE
    else:
        state = EnvState.COMPLETED
    return EnvApply(name, state, counts, report, saved)


def apply_exit_code(results: list[EnvApply]) -> int:
    return 0 if all(r.state is EnvState.COMPLETED for r in results) else 1
