"""``syncset ci plan | apply | changed``: the commands the shipped CI workflows run.

They do what ``plan`` and ``apply`` do, for every environment a change touches at once, and
leave files behind for the pipeline to publish: ``comment.md`` (the pull-request comment),
``<env>.plan.json`` (the artifacts) and ``apply.md`` (the job summary).

Exit codes leave through ``sys.exit``, not ``typer.Exit``: :func:`syncset.cli.main` runs the app
with ``standalone_mode=False``, in which click returns a ``typer.Exit`` code instead of exiting
with it, and a pipeline must see 1 and 2.
"""

from __future__ import annotations

import json
import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from syncset.cli.app import app, console, console_err
from syncset.cli.apply_cmd import LockTimeout, confirm
from syncset.errors import RepositoryError

if TYPE_CHECKING:
    from syncset.ci.plan import EnvPlan
    from syncset.plan.model import Plan
    from syncset.workflow import PlanRun

# The engine and git are imported inside the commands: start-up (see syncset.cli).

ci_app = typer.Typer(
    help="For pipelines: plan comments on pull requests, apply after merge.", no_args_is_help=True
)
app.add_typer(ci_app, name="ci")

Base = Annotated[str, typer.Option("--base", help="Git ref the change is compared with.")]
OutDir = Annotated[
    Path, typer.Option("--out-dir", help="Folder for comment.md, apply.md and the plan JSON.")
]
DEFAULT_OUT = Path("syncset-out")


class ListFormat(StrEnum):
    LINES = "lines"
    JSON = "json"


@ci_app.command("changed")
def changed(
    base: Base,
    fmt: Annotated[ListFormat, typer.Option("--format", help="lines or json.")] = ListFormat.LINES,
) -> None:
    """List the environments the changes since --base touch (for a pipeline's job matrix)."""
    from syncset.ci.plan import touched_environments
    from syncset.config.load import find_root

    names = [t.environment for t in touched_environments(find_root(), base)]
    if fmt is ListFormat.JSON:
        console.print(json.dumps(names), markup=False)
    elif names:
        console.print("\n".join(names), markup=False)


@ci_app.command("plan")
def ci_plan(
    base: Base,
    out_dir: OutDir = DEFAULT_OUT,
    graph: Annotated[
        bool, typer.Option("--graph", help="Add the Mermaid graph of what changes.")
    ] = False,
    artifacts_url: Annotated[
        str | None,
        typer.Option("--artifacts-url", help="Where the comment says the plan JSON can be found."),
    ] = None,
) -> None:
    """Plan every environment the change touches; write comment.md; exit 0 / 1 / 2."""
    from syncset.ci.comment import CommentContext, footer_counts, plan_comment
    from syncset.ci.plan import exit_code, plan_all, touched_environments
    from syncset.config.load import find_root
    from syncset.safepath import atomic_write_text
    from syncset.secrets import SECRETS

    root = find_root()
    touched = touched_environments(root, base)
    results = plan_all(root, touched, out_dir, _graph_of if graph else None)
    context = CommentContext(
        _short(root, base), _short(root, "HEAD"), artifacts_url or str(out_dir)
    )
    comment = SECRETS.mask(plan_comment(results, context))
    atomic_write_text(out_dir / "comment.md", comment)
    for result in results:
        console.print(_plan_line(result, out_dir), markup=False)
    console.print(footer_counts(results), markup=False)
    console.print(f"Comment: {out_dir / 'comment.md'} ({len(comment):,} characters)", markup=False)
    code = exit_code(results)
    if code:
        sys.exit(code)


def _graph_of(run: PlanRun) -> str:
    from syncset.render.graph import changes_graph, mermaid

    return mermaid(changes_graph(run.environment, run.plan))


def _plan_line(result: EnvPlan, out_dir: Path) -> str:
    from syncset.ci.plan import saved_plan_name

    if result.plan is None:
        first = (result.error or "").splitlines()[0] if result.error else "unknown error"
        return f"{result.environment}: failed: {first}"
    what = "changes" if result.has_changes else "no changes"
    return f"{result.environment}: {what} (plan: {out_dir / saved_plan_name(result.environment)})"


def _short(root: Path, ref: str) -> str:
    import git

    from syncset.promotion.gitrepo import open_repo

    repo = open_repo(root)
    if repo is None:
        raise RepositoryError(f"{root} is not a git repository: ci commands need git")
    try:
        return repo.commit(ref).hexsha[:10]
    except (git.BadName, ValueError, git.GitCommandError):  # e.g. HEAD before the first commit
        return ref


@ci_app.command("apply")
def ci_apply(
    plans: Annotated[
        Path | None,
        typer.Option("--plans", help="Folder of saved plans (<env>.plan.json) to apply."),
    ] = None,
    base: Annotated[
        str | None,
        typer.Option("--base", help="Apply the environments changed since this git ref."),
    ] = None,
    environments: Annotated[
        list[str] | None, typer.Option("--env", help="Apply this environment (repeatable).")
    ] = None,
    out_dir: OutDir = DEFAULT_OUT,
    auto_approve: Annotated[
        bool, typer.Option("--auto-approve", help="Do not ask (implied when CI is set).")
    ] = False,
    parallelism: Annotated[int, typer.Option("--parallelism", min=1, max=32)] = 4,
    lock_timeout: LockTimeout = 0.0,
) -> None:
    """Apply saved plans (or plan and apply) of changed environments; write apply.md."""
    from syncset.ci.apply import ApplyOptions, apply_all, apply_exit_code
    from syncset.ci.comment import CommentContext, apply_markdown
    from syncset.ci.plan import promotion_order, saved_plan_names, touched_environments
    from syncset.config.load import find_root, select_environments
    from syncset.promotion.gitrepo import head_commit
    from syncset.render.report import result_line
    from syncset.safepath import atomic_write_text
    from syncset.secrets import SECRETS

    root = find_root()
    if environments:
        names = promotion_order(root, select_environments(root, environments))
    elif base is not None:
        names = [t.environment for t in touched_environments(root, base)]
    elif plans is not None:
        names = promotion_order(root, saved_plan_names(plans))
    else:
        raise RepositoryError("ci apply needs --env, --base or --plans to know what to apply")
    unattended = auto_approve or os.environ.get("CI", "").lower() in ("1", "true", "yes")
    options = ApplyOptions(
        plans_dir=plans,
        parallelism=parallelism,
        lock_timeout=lock_timeout,
        confirm=None if unattended else _ask,
        warn=lambda message: console_err.print(f"warning: {message}", markup=False),
        progress=lambda result: console.print(result_line(result), markup=False),
    )
    results = apply_all(root, names, options)
    head = head_commit(root)
    report = apply_markdown(results, CommentContext(base or "", head[:10] if head else None))
    atomic_write_text(out_dir / "apply.md", SECRETS.mask(report))
    for result in results:
        line = f"{result.environment}: {result.state.value}: {result.message}"
        console.print(line, markup=False)
    console.print(f"Result: {out_dir / 'apply.md'}", markup=False)
    code = apply_exit_code(results)
    if code:
        sys.exit(code)


def _ask(plan: Plan) -> None:
    from syncset.render import Format, render_plan

    console.print(render_plan(plan, Format.TEXT), markup=False, end="")
    confirm(f"Apply {len(plan.pending)} changes to {plan.environment}?", False)
