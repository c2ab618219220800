"""CI: which environments a change touches, and planning or applying each of them.

A pull request changes files; CI must plan exactly the environments those files affect, and after
the merge apply exactly those. A file under ``environments/<env>/`` touches that environment; a
file that every environment is built from (:data:`GLOBAL_PATHS`: the sync sets and the pin of
the syncset version CI installs) touches all of them, because any plan may change with it. The
tool's own sources are not among them: a configuration repository installs syncset from its pin,
and a folder there named ``engine/`` is not syncset.

Each environment is planned or applied on its own (``ci plan`` plans several at once, in
threads: :data:`DEFAULT_WORKERS`): one that fails (an unreachable account, an
invalid file) is reported with its message and the others still run, so one comment or one apply
report says everything at once. What CI writes (the comment, the apply report) is masked by the
process's one secret masker, :data:`syncset.secrets.SECRETS`, which knows every value read with
``{{ env(...) }}`` however the template spelt the name.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from syncset.config.load import ENVIRONMENTS_DIR, environment_names
from syncset.errors import PlanFileError
from syncset.plan.model import Plan, load_plan
from syncset.promotion.gitrepo import changed_files
from syncset.safepath import (
    atomic_write_text,
    confined,
    environment_component,
    environment_of_component,
)
from syncset.schemas.types import ENVIRONMENT_NAME_PATTERN
from syncset.secrets import SECRETS
from syncset.workflow import PlanRun, each_environment, plan_environment

PIN_FILE = ".syncset-version"
"""The one file that pins the syncset distribution CI installs (``syncset-gitops==X.Y.Z``)."""

GLOBAL_PATHS = ("syncsets.yaml", PIN_FILE)
"""Paths every environment's plan depends on: a change to any of them plans every environment."""


@dataclass(frozen=True)
class Touched:
    """An environment a change affects, and why (shown in the comment)."""

    environment: str
    reason: str


def touched_environments(root: Path, base: str) -> list[Touched]:
    """The environments the files changed since ``base`` affect, in promotion order."""
    files = changed_files(root, base)
    names = environment_names(root)
    shared = sorted(f for f in files if any(_under(f, p) for p in GLOBAL_PATHS))
    reasons: dict[str, str] = {}
    if shared:
        reason = f"{_describe(shared)} changed (every environment depends on it)"
        reasons = dict.fromkeys(names, reason)
    for name in names:
        own = sorted(f for f in files if f.startswith(f"{ENVIRONMENTS_DIR}/{name}/"))
        if own:
            count = f"{len(own)} file{'s' if len(own) != 1 else ''}"
            reasons[name] = f"{ENVIRONMENTS_DIR}/{name}/ changed ({count})"
    return [Touched(name, reasons[name]) for name in promotion_order(root, list(reasons))]


def _under(path: str, prefix: str) -> bool:
    return path.startswith(prefix) if prefix.endswith("/") else path == prefix


def _describe(paths: list[str]) -> str:
    shown = ", ".join(f"`{p}`" for p in paths[:3])
    return shown + (f" and {len(paths) - 3} more" if len(paths) > 3 else "")


def promotion_order(root: Path, names: list[str]) -> list[str]:
    """``names`` sorted along ``promotes_from`` (dev before qa before prod), then by name.

    Read straight from environment.yaml without validating: an invalid environment must still
    get its place in the comment, where its validation error is shown.
    """
    parents = {name: declared_promotes_from(root, name) for name in environment_names(root)}

    def depth(name: str) -> int:
        seen: set[str] = set()
        while parents.get(name) and name not in seen:
            seen.add(name)
            name = parents[name] or ""
        return len(seen)

    return sorted(names, key=lambda name: (depth(name), name))


def declared_promotes_from(root: Path, name: str) -> str | None:
    """``promotes_from`` as the file says it, unvalidated (None when absent or unreadable)."""
    path = root / ENVIRONMENTS_DIR / name / "environment.yaml"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return None
    found = _PROMOTES_FROM.search(text)
    return found.group(1) if found else None


_PROMOTES_FROM = re.compile(
    rf"^promotes_from:[ \t]*['\"]?({ENVIRONMENT_NAME_PATTERN[1:-1]})['\"]?[ \t]*(?:#.*)?$",
    re.MULTILINE,
)
"""``promotes_from: NAME`` as environment.yaml spells it (grouped names included), read
without validating the file (:func:`promotion_order`)."""


def saved_plan_name(name: str) -> str:
    """``<env>.plan.json``, a grouped name as one component (``customers~acme.plan.json``)."""
    return f"{environment_component(name)}.plan.json"


def saved_plan_path(out_dir: Path, name: str) -> Path:
    """Where the plan of ``name`` is saved: directly in ``out_dir``, never outside it."""
    return confined(out_dir, out_dir / saved_plan_name(name))


@dataclass(frozen=True)
class EnvPlan:
    """The outcome of planning one environment in CI: a plan, or the error that stopped it."""

    environment: str
    reason: str
    plan: Plan | None = None
    error: str | None = None
    graph: str | None = None
    """Mermaid graph of the records that change (``ci plan --graph``)."""

    @property
    def failed(self) -> bool:
        return self.plan is None

    @property
    def has_changes(self) -> bool:
        """As ``plan --detailed-exitcode``: pending changes, references still to map, or
        re-keys waiting for consent."""
        return self.plan is not None and self.plan.out_of_sync


GraphOf = Callable[[PlanRun], str]


DEFAULT_WORKERS = 8
"""Environments planned at once by ``ci plan``: a plan mostly waits for its account's API, and
each account has its own budget, so planning several at once shortens the job; few enough that
one runner does not open too many connections at the same moment."""


def plan_all(
    root: Path,
    touched: list[Touched],
    out_dir: Path,
    graph_of: GraphOf | None = None,
    workers: int = DEFAULT_WORKERS,
) -> list[EnvPlan]:
    """Plan each environment, ``workers`` at a time, and save its JSON as
    ``<out_dir>/<env>.plan.json``; the results are in the order of ``touched``."""
    out_dir.mkdir(parents=True, exist_ok=True)

    def plan_one(name: str) -> tuple[Plan, str | None]:
        saved = saved_plan_path(out_dir, name)
        saved.unlink(missing_ok=True)  # never leave an older plan where a failed one should be
        saved_error_path(out_dir, name).unlink(missing_ok=True)
        with plan_environment(root, name) as run:
            run.plan.save(saved)
            return run.plan, graph_of(run) if graph_of is not None else None

    reasons = {item.environment: item.reason for item in touched}
    results = []
    for o in each_environment(reasons, plan_one, workers):
        if o.value is not None:
            results.append(
                EnvPlan(o.environment, reasons[o.environment], o.value[0], None, o.value[1])
            )
            continue
        error = o.error or "unknown error"
        # A failure after the plan was saved (the graph, closing the account): no plan file
        # may stand beside the error, or a gathering job would show the plan and drop it.
        saved_plan_path(out_dir, o.environment).unlink(missing_ok=True)
        atomic_write_text(saved_error_path(out_dir, o.environment), error + "\n")
        results.append(EnvPlan(o.environment, reasons[o.environment], error=error))
    return results


def saved_error_path(out_dir: Path, name: str) -> Path:
    """``<env>.error.txt``: why the plan of ``name`` could not be made (its message, masked),
    so that a job that gathers the plans of a job matrix can show it (``ci comment``)."""
    return confined(out_dir, out_dir / f"{environment_component(name)}.error.txt")


def gathered(plans_dir: Path, touched: list[Touched]) -> list[EnvPlan]:
    """The outcome of each touched environment from the files matrix jobs left in
    ``plans_dir``: its saved plan, else its error, else a failure saying that none is there
    (a job that did not run to the end must not pass for an environment without changes)."""
    results = []
    for item in touched:
        plan_path = saved_plan_path(plans_dir, item.environment)
        error_path = saved_error_path(plans_dir, item.environment)
        if error_path.is_file():  # an error wins over a plan file left beside it
            error = SECRETS.mask(error_path.read_text(encoding="utf-8").rstrip("\n"))
            results.append(EnvPlan(item.environment, item.reason, error=error))
        elif plan_path.is_file():
            results.append(_gathered_plan(item, plan_path))
        else:
            missing = (
                f"neither {plan_path.name} nor {error_path.name} is in {plans_dir}: the plan job "
                f"of {item.environment} did not finish or did not upload them; run it again"
            )
            results.append(EnvPlan(item.environment, item.reason, error=missing))
    return results


def _gathered_plan(item: Touched, plan_path: Path) -> EnvPlan:
    """A matrix job's saved plan; one that cannot be read, or is another environment's, is
    that environment's failure: the comment is still written, for every other one too."""
    try:
        plan = load_plan(plan_path, plan_path.name)
    except PlanFileError as exc:
        return EnvPlan(item.environment, item.reason, error=SECRETS.mask(str(exc)))
    if plan.environment != item.environment:
        wrong = f"{plan_path.name} is a plan for {plan.environment}, not {item.environment}"
        return EnvPlan(item.environment, item.reason, error=wrong)
    return EnvPlan(item.environment, item.reason, plan=plan)


def exit_code(results: list[EnvPlan]) -> int:
    """0 / 1 / 2 over all environments, like ``plan --detailed-exitcode``: any failure is 1."""
    if any(r.failed for r in results):
        return 1
    return 2 if any(r.has_changes for r in results) else 0


def saved_plan_names(plans_dir: Path) -> list[str]:
    """The environments of the plans saved in ``plans_dir`` (:func:`saved_plan_path`'s names);
    a file whose name is no environment's is not one of them."""
    names = (
        environment_of_component(p.name.removesuffix(".plan.json"))
        for p in plans_dir.glob("*.plan.json")
    )
    return sorted(name for name in names if name is not None)
