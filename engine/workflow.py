"""The phases wired together for the commands: validate → read live → resolve → plan → apply.

Commands call these instead of repeating the wiring; each step stays a function of its inputs
except :func:`open_provider` and :func:`syncset.plan.resolve.read_live`, which reach the account.
A provider is a resource: :func:`opened` and :class:`PlanRun` close it when their ``with`` block
ends, however it ends. The apply that follows a plan is :mod:`syncset.apply.flow`'s.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from syncset.config.crosscheck import check_account_fields
from syncset.config.load import environment_folder
from syncset.config.parse_cache import cache_enabled
from syncset.config.validate import validate_environment
from syncset.config.yamlio import gc_paused
from syncset.errors import ConfigError, ProviderError, RefusedError, SyncsetError
from syncset.model import Environment
from syncset.plan.build import build_plan
from syncset.plan.model import Action, Plan, Selection
from syncset.plan.prefetch import AccountRead, EarlyRead
from syncset.plan.resolve import LiveState, Resolution, read_live, resolve
from syncset.plan.reuse import FolderState, PlanMemo, folder_state, keep_plan, reused_plan
from syncset.plan.selection import record_filter
from syncset.promotion.gitrepo import LastCommit
from syncset.providers.base import Provider, ProviderContext, unsupported_fields
from syncset.providers.registry import REGISTRY
from syncset.schemas import CATALOG
from syncset.secrets import SECRETS

if TYPE_CHECKING:  # start-up time: ping_provider loads the HTTP stack, apply the applier
    from syncset.providers.http.ping import PingReport

T = TypeVar("T")


@dataclass(frozen=True)
class EnvOutcome(Generic[T]):
    """What one environment of a multi-environment command came to: a value, or its error."""

    environment: str
    value: T | None = None
    error: str | None = None
    """The message of the SyncsetError that stopped it, secrets masked."""


def each_environment(
    names: Iterable[str], work: Callable[[str], T], workers: int = 1
) -> list[EnvOutcome[T]]:
    """``work`` for each environment, the one loop of ``ci plan``, ``ci apply`` and ``drift``:
    one that fails (an unreachable account, an invalid file) is reported with its message and
    the others still run, so one report says everything at once.

    With ``workers`` above 1, that many environments are worked on at once in threads (each
    account has its own API budget, and the time goes in waiting for it, not in the CPU). The
    outcomes are in the order of ``names`` whatever order the threads finish in, so what is
    written from them does not change from one run to the next.
    """

    def one(name: str) -> EnvOutcome[T]:
        try:
            return EnvOutcome(name, work(name))
        except SyncsetError as exc:
            return EnvOutcome(name, error=SECRETS.mask(str(exc)))

    names = list(names)
    if workers <= 1 or len(names) <= 1:
        return [one(name) for name in names]
    with ThreadPoolExecutor(max_workers=min(workers, len(names))) as pool:
        return list(pool.map(one, names))


def open_provider(environment: Environment) -> Provider:
    """The environment's provider, open; prefer :func:`opened`, which also closes it."""
    return open_account(environment.root, environment.name, environment.account)


def open_account(root: Path, environment: str, account: dict[str, Any]) -> Provider:
    """The provider of ``account`` (environment.yaml's settings, rendered), open."""
    settings = dict(account)
    name = settings.pop("provider")
    context = ProviderContext(root=str(root), environment=environment)
    return REGISTRY.open(name, settings, context)


def ping_provider(provider: Provider) -> PingReport:
    """Test an open provider's link as ``syncset ping`` does: its own ``ping()`` when it has
    one (the HTTP providers: one page per kind, failure classes, budget, schema), else one
    list call per kind it holds. A kind that cannot be read is in the report, not raised."""
    from syncset.providers.http.ping import KindCheck, PingReport

    custom: Any = getattr(provider, "ping", None)
    if callable(custom):
        report = custom()
        assert isinstance(report, PingReport)
        return report
    report = PingReport(account=provider.describe())
    for kind in sorted(provider.capabilities.kinds):
        try:
            report.kinds.append(KindCheck(kind, records=len(provider.list(kind))))
        except ProviderError as exc:
            category = getattr(exc, "category", "error")
            report.kinds.append(KindCheck(kind, problem=str(exc), category=category))
    return report


@contextmanager
def opened(environment: Environment) -> Iterator[Provider]:
    """The environment's provider for the duration of the block."""
    provider = open_provider(environment)
    try:
        yield provider
    finally:
        provider.close()


def read_reference_data(environment: Environment, kinds: Iterable[str]) -> LiveState:
    """The account's records of the reference-data ``kinds`` (people, organizations, sites):
    what a promotion needs to say which references are still to map there."""
    with opened(environment) as provider:
        return read_live(provider, kinds)


@dataclass
class PlanRun:
    """Everything a plan was made from; apply reuses it instead of reading again.

    It owns the open provider: use it as ``with plan_environment(...) as run:``. A plan given
    back by plan/reuse.py (``reused``) has no resolution and its environment no records: only
    the plan itself is for use, which is all ``syncset plan`` needs.
    """

    environment: Environment
    provider: Provider
    _resolution: Resolution | None
    plan: Plan

    @property
    def reused(self) -> bool:
        """Whether the plan is the one stored by an earlier run (see plan/reuse.py)."""
        return self._resolution is None

    @property
    def resolution(self) -> Resolution:
        if self._resolution is None:
            raise RuntimeError("a reused plan has no resolution: plan with reuse=False")
        return self._resolution

    def __enter__(self) -> PlanRun:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.provider.close()


def plan_environment(
    root: Path,
    name: str,
    selection: Selection = Selection(),
    environment: Environment | None = None,
    *,
    rekey: bool = False,
    parse_cache: bool | None = None,
    reuse: bool = False,
) -> PlanRun:
    """Validate, read the live account, resolve and plan; the run holds the open provider.

    ``rekey`` (``--rekey``) consents to moving every re-keyed record (see build_plan). The
    files go through the parse cache (``.syncset/cache/``) unless ``parse_cache`` is False or
    ``SYNCSET_NO_CACHE`` is set: planning commands may write under ``.syncset/``, ``validate``
    never does. ``reuse``: give back the last plan when neither the files nor the account
    changed since, and keep this one for the next run (plan/reuse.py); the run is then
    :attr:`PlanRun.reused`. The cyclic garbage collector stays paused throughout: everything
    built here lives until the command ends, and full collections over it cost a tenth of a
    large plan.
    """
    folder = environment.folder if environment is not None else environment_folder(root, name)
    last_commit = LastCommit(root, folder)  # git answers while the plan is made
    try:
        with gc_paused():
            memo = state = None
            started_ns = time.time_ns()
            if (
                reuse
                and environment is None
                and selection.everything
                and cache_enabled(parse_cache)
            ):
                memo = PlanMemo(root, folder)
                state = folder_state(root, folder) if memo.holds_one() else None
                again = reused_plan(memo, state, name, rekey, last_commit.answer, open_provider)
                if again is not None:
                    return PlanRun(*again)
            early = None
            if environment is None:
                paths = state.record_paths if state is not None else None
                cached = cache_enabled(parse_cache)
                environment, early = _validate_reading_account(root, name, cached, paths)
            run = _made_plan(root, environment, early, selection, rekey, last_commit)
            if memo is not None:  # under the stamps the files had just before their read
                with _closing_on_error(run):
                    files = FolderState(run.environment.stamps, started_ns)
                    kinds = kinds_for_plan(run.environment)
                    keep_plan(memo, files, run.environment, run.provider, run.plan, rekey, kinds)
            return run
    finally:
        last_commit.cancel()  # answered by now, unless the plan failed: then not waited for


def _made_plan(
    root: Path,
    environment: Environment,
    early: EarlyRead | None,
    selection: Selection,
    rekey: bool,
    last_commit: LastCommit,
) -> PlanRun:
    """Read the account (what the early read left), resolve and build the plan; the provider
    is closed if anything fails."""
    provider = early.provider if early is not None else open_provider(environment)
    try:
        _refuse_unsupported_fields(environment, provider, early)
        already = early.listed if early is not None else None
        live = read_live(provider, kinds_for_plan(environment), already)
        resolution = resolve(environment, live)
        if resolution.problems:
            raise ConfigError(resolution.problems)
        plan = build_plan(
            resolution,
            selection=selection,
            selected=record_filter(root, environment, selection),
            env_digest=environment.digest,
            git_commit=last_commit.answer(),
            api_calls=provider.stats.calls,
            api_budget_remaining=provider.stats.budget_remaining,
            account_removal=provider.capabilities.removal,
            rekey=rekey,
        )
        _refuse_empty_desired_state(environment, plan)
    except BaseException:
        provider.close()
        raise
    return PlanRun(environment, provider, resolution, plan)


@contextmanager
def _closing_on_error(run: PlanRun) -> Iterator[None]:
    """The run's provider closed if the block fails (the caller gets no run to close)."""
    try:
        yield
    except BaseException:
        run.provider.close()
        raise


def _validate_reading_account(
    root: Path, name: str, parse_cache: bool, record_paths: list[Path] | None = None
) -> tuple[Environment, EarlyRead | None]:
    """Validate the environment while its configuration kinds are read (plan/prefetch.py),
    then read the reference kinds its records use beside what is left of that read."""
    configuration = [spec.name for spec in CATALOG if not spec.reference_data]
    reading = AccountRead(lambda account: open_account(root, name, account), configuration)
    try:
        environment = validate_environment(
            root,
            name,
            parse_cache=parse_cache,
            while_parsing=reading.start,
            record_paths=record_paths,
        )
        more = environment.reference_kinds_used()
    except BaseException:
        reading.abandon()
        raise
    return environment, reading.finish(more)  # abandons the read itself if it fails


def kinds_for_plan(environment: Environment) -> list[str]:
    """Every configuration kind (managed records may have left the YAML), and the reference
    data the environment uses."""
    used = set(environment.reference_kinds_used())
    return [spec.name for spec in CATALOG if not spec.reference_data or spec.name in used]


def _refuse_unsupported_fields(
    environment: Environment, provider: Provider, early: EarlyRead | None = None
) -> None:
    """YAML values for fields the account's schema lacks are errors before anything is read
    (an early read lists nothing when the account lacks a catalog field: it asks first)."""
    unsupported = early.unsupported if early is not None else unsupported_fields(provider)
    if unsupported:
        problems = check_account_fields(environment, unsupported, provider.describe())
        if problems:
            raise ConfigError(problems)


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
