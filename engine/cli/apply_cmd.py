"""``syncset apply`` and ``syncset rollback``: the commands that change an account."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from syncset.cli.app import app, console, console_err, terminal_style
from syncset.cli.options import IdOption, KindOption, RekeyOption, SyncSetOption
from syncset.errors import PlanFileError, RefusedError

if TYPE_CHECKING:
    from syncset.plan.model import Plan

# The engine is imported inside the commands: start-up (see syncset.cli).

AutoApprove = Annotated[bool, typer.Option("--auto-approve", help="Apply without asking (for CI).")]
LockTimeout = Annotated[
    float,
    typer.Option("--lock-timeout", help="Seconds to wait for another apply of the environment."),
]


def confirm(question: str, auto_approve: bool) -> None:
    """Terraform's rule: only ``yes`` goes on; no terminal and no --auto-approve refuses."""
    if auto_approve:
        return
    if not sys.stdin.isatty():
        raise RefusedError(
            "apply needs confirmation: run it in a terminal, or pass --auto-approve (CI)"
        )
    answer = typer.prompt(f"{question} Only 'yes' will be accepted", default="", show_default=False)
    if answer.strip() != "yes":
        raise RefusedError("not confirmed: nothing was changed")


@app.command()
def apply(
    target: Annotated[str, typer.Argument(help="An environment, or a saved plan (PLAN.json).")],
    auto_approve: AutoApprove = False,
    parallelism: Annotated[
        int, typer.Option("--parallelism", min=1, max=32, help="Concurrent writes per wave.")
    ] = 4,
    lock_timeout: LockTimeout = 0.0,
    kind: KindOption = None,
    ids: IdOption = None,
    sync_set: SyncSetOption = None,
    show_plan: Annotated[
        bool, typer.Option("--show-plan", help="Print every change, not only the risky ones.")
    ] = False,
    rekey: RekeyOption = False,
) -> None:
    """Make the live account match: plan, confirm, apply in dependency order."""
    from syncset.apply.flow import ApplySteps, Stopped, apply_environment
    from syncset.cli.progress import ApplyProgress
    from syncset.cli.reading import ReadingProgress
    from syncset.config.load import find_root, select_environment
    from syncset.plan.model import Selection, load_plan
    from syncset.plan.selection import check_selection
    from syncset.render import Format, render_plan
    from syncset.render.report import refused_lines, report_summary
    from syncset.render.text import plan_review
    from syncset.secrets import SECRETS

    root = find_root()
    saved: Plan | None = None
    if target.endswith(".json") or Path(target).is_file():
        if rekey:
            raise RefusedError(
                "--rekey is for planning: a saved plan already says which records it moves "
                "(plan again with --rekey to change that)"
            )
        saved = load_plan(Path(target), target)
        environment = saved.environment
        selection = saved.selection
    else:
        environment = select_environment(root, target, "apply")
        selection = Selection(kinds=tuple(kind or ()), ids=tuple(ids or ()), sync_set=sync_set)
    check_selection(selection)

    color, width = terminal_style()
    progress = ApplyProgress()
    reading = ReadingProgress()  # until the plan is known: files and kinds read, on stderr

    def show(plan: Plan) -> None:
        reading.stop()
        if saved is None:
            if show_plan:
                render = render_plan(plan, Format.TEXT, color=color, width=width)
            else:
                render = SECRETS.mask(plan_review(plan, color=color, width=width))
            console.print(render, markup=False, highlight=False, end="")

    def ask(plan: Plan) -> None:
        if saved is None:
            confirm(f"Apply {len(plan.pending)} changes to {environment}?", auto_approve)
        console.print(f"In progress: applying {len(plan.pending)} changes to {plan.environment}")
        progress.start(len(plan.pending))

    steps = ApplySteps(
        parallelism=parallelism,
        lock_timeout=lock_timeout,
        command="apply",
        show=show,
        confirm=ask,
        warn=_warn,
        progress=progress.record,
        rekey=rekey,
    )
    with progress, reading:
        attempt = apply_environment(root, environment, saved, selection, steps)
    if attempt.stopped is Stopped.STALE_PLAN:
        raise PlanFileError(attempt.message)
    if attempt.stopped is Stopped.BEING_PREPARED:
        raise RefusedError(attempt.message)
    for line in refused_lines(attempt.plan):
        console.print(line, markup=False)
    refused = len(attempt.plan.refused) if attempt.plan else 0
    if attempt.report is None:
        console.print(
            f"Nothing applied: {refused} records refused (see above)."
            if refused
            else "No changes: the account already matches."
        )
        if refused:
            raise typer.Exit(1)  # the account does not match its YAML: CI must not say green
        return
    report = attempt.report
    console.print(report_summary(report), markup=False)
    console.print(f"Journal: {Path(report.journal or '').relative_to(root)}", markup=False)
    if refused:
        console.print(
            f"{refused} records were refused (see above): the account matches its YAML only "
            "once they are resolved.",
            markup=False,
        )
    if not report.ok or refused:
        raise typer.Exit(1)


def _warn(message: str) -> None:
    console_err.print(f"warning: {message}", markup=False)


@app.command()
def rollback(
    journal_file: Annotated[Path, typer.Argument(help="The journal of the apply to undo.")],
    auto_approve: AutoApprove = False,
    lock_timeout: LockTimeout = 0.0,
    journal_env: Annotated[
        str | None,
        typer.Option(
            "--env", help="The journal's environment, when it is not in .syncset/journal/ENV/."
        ),
    ] = None,
    force: Annotated[
        bool,
        typer.Option("--force", help="Undo records changed since the apply too (hand edits)."),
    ] = False,
) -> None:
    """Restore what one apply changed, from its journal.

    Records changed since the apply are refused (``--force`` undoes them anyway), records a
    later apply wrote are always refused, and a second rollback of one journal undoes nothing.
    """
    from syncset.apply.journal import Journal, journal_environment, read_journal
    from syncset.apply.lock import environment_lock
    from syncset.apply.rollback import Undo, Undone, execute_rollback, plan_rollback
    from syncset.apply.rollback_check import latest_after, read_history, stale_reason
    from syncset.config.load import find_root
    from syncset.config.validate import validate_environment
    from syncset.workflow import opened

    root = find_root()
    start, entries = read_journal(journal_file)
    environment_name = journal_environment(root, journal_file, start, journal_env)
    history = read_history(root, environment_name, journal_file)
    all_steps = plan_rollback(entries)
    steps = [s for s in all_steps if s.entry.seq not in history.undone]
    if history.undone and all(s.action is Undo.KEEP for s in steps):
        done = next(iter(history.undone.values()))
        console.print(
            f"Nothing to roll back: already rolled back on {done.at} by {done.journal}.",
            markup=False,
        )
        return
    if not steps:
        console.print("Nothing to roll back: the journal has no applied writes.")
        return
    console.print(f"Rollback of {journal_file.name} on {environment_name}:")
    for step in all_steps:
        if step.entry.seq in history.undone:
            done = history.undone[step.entry.seq]
            console.print(f"  {'done':>8} {step.ref} (rolled back by {done.journal})", markup=False)
            continue
        note = f" ({step.note})" if step.note else ""
        fields = f": {', '.join(step.fields)}" if step.action is Undo.RESTORE else ""
        console.print(f"  {step.action:>8} {step.ref}{fields}{note}", markup=False)
    confirm(f"Roll back {len(steps)} changes on {environment_name}?", auto_approve)
    env = validate_environment(root, environment_name)
    afters = latest_after(entries)
    refused: list[tuple[str, str]] = []
    with (
        environment_lock(root, environment_name, "rollback", lock_timeout, _warn),
        opened(env) as provider,
    ):
        allowed = []
        for step in steps:
            later = history.later.get(step.ref)
            if later:
                refused.append((step.ref, f"written by a later run, {later}: roll that back first"))
                continue
            reason = stale_reason(provider, step, afters.get(step.ref))
            if reason and not force:
                refused.append((step.ref, f"{reason}: use --force to undo it anyway"))
                continue
            allowed.append(step)
        journal = Journal.start(root, environment_name, "rollback", of=journal_file.name)
        try:
            outcomes = execute_rollback(provider, allowed, journal)
        finally:
            journal.close()
    failed = [o for o in outcomes if o[1] is Undone.FAILED]
    for step, outcome, message in outcomes:
        shown = f"{outcome}: {message}" if message else outcome
        console.print(f"  {shown:>8} {step.ref}", markup=False)
    for ref, reason in refused:
        console.print(f"   refused {ref}: {reason}", markup=False)
    status = "Failed" if failed else "Incomplete" if refused else "Completed"
    console.print(f"Rollback: {status}.")
    if failed or refused:
        raise typer.Exit(1)
