"""The fleet: every environment at a glance, and (``--check``) a health probe of each account.

``syncset environments`` answers what a team running many accounts asks first: which accounts
are there, which promotes to which, how much each folder declares, when each was last applied
and how that ended. All of it comes from the files (``environment.yaml``, the records, the
journals in ``.syncset/journal/``), so the listing reads no account.

The health probe is the cheap end of what plan does, per environment and concurrently: ping
(reachable, credentials, the budget the provider reports, the schema check of a provider that
has one, one page per kind) and then a plan for its change count (the drift). A thread pool
bounds how many accounts are probed at once. An environment is *unhealthy* when it cannot be
read, reached, authenticated or planned; pending changes are drift, not ill health.

Nothing here prints or asks which format: :mod:`syncset.render.fleet` renders a
:class:`Fleet`. Account details come from a fixed set of non-secret settings (URL, account
id, sandbox path) and pass the secret masker; every error message is masked as well.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from syncset.apply.journal import JournalSummary, latest_journal
from syncset.ci.plan import declared_promotes_from, promotion_order
from syncset.config.validate import validate_environment
from syncset.errors import ProviderError, SyncsetError
from syncset.model import Environment
from syncset.safepath import shown_path
from syncset.secrets import SECRETS
from syncset.workflow import each_environment, opened, ping_provider, plan_environment

if TYPE_CHECKING:  # the HTTP stack costs start-up time; ping_provider loads it when probing
    from syncset.providers.http.ping import PingReport

Allowance = tuple[str, int, int | None]

ACCOUNT_KEYS = ("url", "base_url", "domain", "region", "account", "path")
"""The ``account:`` settings shown: where the account is, never how to get in."""

DEFAULT_WORKERS = 8
"""Accounts probed at once by ``--check``: enough to hide network latency, few enough not to
spend every account's rate limit from one machine at the same moment."""

_NOT_REACHED = frozenset({"unreachable", "timeout"})
_NOT_ACCEPTED = frozenset({"authentication"})


@dataclass(frozen=True)
class Account:
    """Which provider reaches the account, and where it is (secret-free settings only)."""

    provider: str
    where: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class LastApply:
    """The newest journal of an environment: when, by which command, how it ended."""

    journal: str
    command: str
    at: str | None
    result: str
    """The end status (``Completed``, ``Failed``), or ``unfinished`` when the journal has no end
    line (the run was killed: ``syncset rollback`` can undo what it wrote)."""
    commit: str | None
    records: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Health:
    """What ``--check`` found for one environment."""

    reachable: bool | None = None
    credentials: bool | None = None
    """True accepted, False refused, None not known (not reached) or none to present (a
    local account: the sandbox)."""
    account: str | None = None
    schema: str | None = None
    budget: tuple[Allowance, ...] = ()
    """(allowance, remaining, limit or None) as the provider reports them; empty when it
    reports none (the sandbox)."""
    failed_kinds: tuple[str, ...] = ()
    drift: int | None = None
    """Changes a plan would make now (None when no plan could be made)."""
    unmapped: int | None = None
    problem: str | None = None
    """Why it is unhealthy (masked), or None."""

    @property
    def healthy(self) -> bool:
        return self.problem is None and not self.failed_kinds


@dataclass(frozen=True)
class EnvironmentView:
    name: str
    promotes_from: str | None
    account: Account | None = None
    records: dict[str, int] = field(default_factory=dict)
    last_apply: LastApply | None = None
    error: str | None = None
    """Why the environment (or its journal) could not be read, masked."""
    health: Health | None = None

    @property
    def healthy(self) -> bool:
        return self.error is None and (self.health is None or self.health.healthy)


@dataclass(frozen=True)
class PromotionNode:
    """An environment and those that promote from it: the promotion links as a tree."""

    name: str
    children: tuple[PromotionNode, ...] = ()
    cycle: bool = False
    """The name was met again on its own path: ``promotes_from`` goes round in a circle."""
    outside: str | None = None
    """A root's ``promotes_from`` when that environment is not among those shown."""


@dataclass(frozen=True)
class Fleet:
    environments: tuple[EnvironmentView, ...]
    promotions: tuple[PromotionNode, ...]
    checked: bool = False

    @property
    def healthy(self) -> bool:
        return all(view.healthy for view in self.environments)

    def promotes_to(self, name: str) -> list[str]:
        return [v.name for v in self.environments if v.promotes_from == name]


def survey(
    root: Path, names: Sequence[str], *, check: bool = False, workers: int = DEFAULT_WORKERS
) -> Fleet:
    """The fleet of ``names`` (in promotion order), probed when ``check``."""
    ordered = promotion_order(root, list(names))
    loaded: dict[str, Environment] = {}

    def load(name: str) -> EnvironmentView:
        environment = validate_environment(root, name)
        loaded[name] = environment
        return _view(root, environment)

    views = [
        outcome.value
        if outcome.value is not None
        else EnvironmentView(
            outcome.environment,
            declared_promotes_from(root, outcome.environment),
            error=outcome.error,
        )
        for outcome in each_environment(ordered, load)
    ]
    if check:
        health = probe(root, list(loaded.values()), workers)
        views = [replace(v, health=health[v.name]) if v.name in health else v for v in views]
    return Fleet(tuple(views), promotion_tree(views), checked=check)


def _view(root: Path, environment: Environment) -> EnvironmentView:
    records = dict(sorted(Counter(kind for kind, _ in environment.records).items()))
    view = EnvironmentView(
        environment.name, environment.config.promotes_from, _account(environment), records
    )
    try:
        journal = latest_journal(root, environment.name)
    except SyncsetError as exc:
        return replace(view, error=f"last apply: {SECRETS.mask(str(exc))}")
    return replace(view, last_apply=_last_apply(root, journal) if journal else None)


def _account(environment: Environment) -> Account:
    settings = environment.account
    where = tuple(
        (key, SECRETS.mask(str(settings[key])))
        for key in ACCOUNT_KEYS
        if isinstance(settings.get(key), str | int) and not isinstance(settings.get(key), bool)
    )
    return Account(str(settings.get("provider", "")), where)


def _last_apply(root: Path, journal: JournalSummary) -> LastApply:
    return LastApply(
        journal=shown_path(journal.path, root),
        command=journal.command,
        at=journal.started_at,
        result=journal.status or "unfinished",
        commit=journal.git_commit,
        records=journal.records,
    )


def probe(
    root: Path, environments: Sequence[Environment], workers: int = DEFAULT_WORKERS
) -> dict[str, Health]:
    """:func:`check_health` of each environment, at most ``workers`` at a time."""
    if not environments:
        return {}
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(environments)))) as pool:
        found = pool.map(lambda env: check_health(root, env), environments)
        return {env.name: health for env, health in zip(environments, found, strict=True)}


def check_health(root: Path, environment: Environment) -> Health:
    """Ping the account, then plan it for its change count; never raises a SyncsetError."""
    try:
        with opened(environment) as provider:
            report = ping_provider(provider)
            budget_left = provider.stats.budget_remaining
            local = provider.capabilities.local
    except ProviderError as exc:
        category = getattr(exc, "category", None)  # the HTTP providers' failure classes
        return Health(
            reachable=category not in _NOT_REACHED if category else None,
            credentials=False if category in _NOT_ACCEPTED else None,
            problem=SECRETS.mask(f"{category}: {exc}" if category else str(exc)),
        )
    except SyncsetError as exc:
        return Health(problem=SECRETS.mask(str(exc)))
    failed = [check for check in report.kinds if check.problem]
    refused = any(check.category in _NOT_ACCEPTED for check in failed)
    health = Health(
        reachable=True,
        credentials=None if local and not refused else not refused,
        account=SECRETS.mask(report.account),
        schema=SECRETS.mask(report.schema) if report.schema else None,
        budget=_budget(report, budget_left),
        failed_kinds=tuple(f"{c.kind} ({c.category or 'error'})" for c in failed),
    )
    if failed:
        first = failed[0]
        return replace(health, problem=SECRETS.mask(f"{first.kind}: {first.problem}"))
    return _with_drift(root, environment, health)


def _budget(report: PingReport, remaining: int | None) -> tuple[Allowance, ...]:
    found = [
        (name, allowance.remaining, allowance.limit)
        for name, allowance in (("requests", report.requests), ("query cost", report.cost))
        if allowance.remaining is not None
    ]
    if not found and remaining is not None:
        found.append(("requests", remaining, None))
    return tuple(found)


def _with_drift(root: Path, environment: Environment, health: Health) -> Health:
    try:
        with plan_environment(root, environment.name, environment=environment) as run:
            plan = run.plan
    except SyncsetError as exc:
        return replace(health, problem=SECRETS.mask(f"plan: {exc}"))
    return replace(health, drift=len(plan.pending), unmapped=len(plan.unmapped))


def promotion_tree(views: Sequence[EnvironmentView]) -> tuple[PromotionNode, ...]:
    """The ``promotes_from`` links as a forest: roots promote from nothing, or from an
    environment not shown (``outside``); an environment on a circle is shown once, marked
    ``cycle``."""
    names = [view.name for view in views]
    children: dict[str, list[str]] = {name: [] for name in names}
    roots = []
    for view in views:
        parent = view.promotes_from
        if parent in children and parent != view.name:
            children[parent].append(view.name)
        else:
            roots.append(view.name)
    placed: set[str] = set()

    def node(name: str, path: frozenset[str]) -> PromotionNode:
        if name in path:
            return PromotionNode(name, cycle=True)
        placed.add(name)
        inner = path | {name}
        return PromotionNode(name, tuple(node(child, inner) for child in children[name]))

    outside = {v.name: v.promotes_from for v in views if v.promotes_from not in children}
    forest = [replace(node(name, frozenset()), outside=outside.get(name)) for name in roots]
    for name in names:  # only a circle leaves a name unplaced: start it where the list does
        if name not in placed:
            forest.append(node(name, frozenset()))
    return tuple(forest)
