"""The phases wired together for the commands: validate → read live → resolve → plan.

Commands call these instead of repeating the wiring; each step stays a function of its inputs
except :func:`open_provider` and :func:`syncset.plan.resolve.read_live`, which reach the account.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from syncset.apply.journal import Journal
from syncset.apply.run import Applier, ApplyReport, RecordResult
from syncset.config.validate import validate_environment
from syncset.config.yamlio import gc_paused
from syncset.errors import ConfigError, PlanFileError, RefusedError
from syncset.model import Environment
from syncset.plan.build import build_plan
from syncset.plan.model import Action, Plan, PlanStatus, Selection
from syncset.plan.resolve import Resolution, read_live, resolve
from syncset.plan.selection import record_filter
from syncset.promotion.gitrepo import head_commit
from syncset.providers.base import Provider, ProviderContext
from syncset.providers.registry import REGISTRY


def open_provider(environment: Environment) -> Provider:
    settings = dict(environment.account)
    name = settings.pop("provider")
    context = ProviderContext(root=str(environment.root), environment=environment.name)
    return REGISTRY.open(name, settings, context)


@dataclass
class PlanRun:
    """Everything a plan was made from; apply reuses it instead of reading again."""

    environment: Environment
    provider: Provider
    resolution: Resolution
    plan: Plan


def plan_environment(
    root: Path,
    name: str,
    selection: Selection = Selection(),
    environment: Environment | None = None,
) -> PlanRun:
    """Validate, read the live account, resolve and plan. The provider is left open.

    The cyclic garbage collector stays paused throughout: everything built here lives until
    the command ends, and full collections over it cost a tenth of a large plan.
    """
    with gc_paused():
        environment = environment or validate_environment(root, name)
        provider = open_provider(environment)
        try:
            live = read_live(provider)
            resolution = resolve(environment, live)
            if resolution.problems:
                raise ConfigError(resolution.problems)
            plan = build_plan(
                resolution,
                selection=selection,
                selected=record_filter(root, environment, selection),
                env_digest=environment.digest,
                git_commit=head_commit(root, environment.folder),
                api_calls=provider.stats.calls,
                api_budget_remaining=provider.stats.budget_remaining,
            )
            _refuse_empty_desired_state(environment, plan)
        except BaseException:
            provider.close()
            raise
    return PlanRun(environment, provider, resolution, plan)


def _refuse_empty_desired_state(environment: Environment, plan: Plan) -> None:
    """An empty folder must not silently remove a whole account (as decK refuses)."""
    if environment.records or environment.config.policies.allow_empty:
        return
    removals = [c for c in plan.changes if c.action in (Action.DISABLE, Action.DELETE)]
    if removals:
        raise RefusedError(
            f"environment {environment.name} declares no records, so this plan would remove "
            f"{len(removals)} managed records from the account; if that is really intended, "
            "set policies.allow_empty: true in environment.yaml"
        )


def refuse_unprepared(plan: Plan) -> None:
    """Apply refuses a plan that is Being Prepared, listing the values still to map."""
    if plan.status is PlanStatus.BEING_PREPARED:
        values = "; ".join(
            f"{u.kind} {u.value} (used by {', '.join(f'{x.record}.{x.field}' for x in u.used_by)})"
            for u in plan.unmapped
        )
        raise RefusedError(
            f"the plan for {plan.environment} is Being Prepared: map these references in "
            f"environments/{plan.environment}/mappings.yaml first: {values}"
        )


def check_saved_plan(saved: Plan, run: PlanRun) -> None:
    """A saved plan is refused when its environment folder changed since it was made."""
    if run.environment.digest != saved.env_digest:
        raise PlanFileError(
            f"environments/{saved.environment} changed since this plan was made: plan again "
            "and review the new plan"
        )


def execute_plan(
    run: PlanRun,
    plan: Plan,
    parallelism: int,
    command: str,
    progress: Callable[[RecordResult], None] = lambda result: None,
) -> ApplyReport:
    """Apply ``plan`` against the fresh ``run`` with a journal; the caller holds the lock."""
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
