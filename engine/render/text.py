"""The terminal view of a plan: a summary table per kind, then each record that changes,
riskiest first (the order of every view: syncset.render.values.review_order).

Symbols follow Terraform (``+`` create, ``~`` update, ``-`` remove; ``&`` adopt). Colour is
rich markup; the console drops it when output is not a terminal or ``NO_COLOR`` is set.
"""

from __future__ import annotations

from io import StringIO

from rich.console import Console
from rich.table import Table
from rich.text import Text

from syncset.plan.model import Action, Plan, PlanStatus, Reason, RecordChange
from syncset.render.values import (
    SYMBOLS,
    awaiting_review_words,
    change_line,
    proposal_words,
    renamed,
    review_order,
    totals,
    verb,
)

COLUMNS = (
    ("exists_no_differences", "no differences"),
    ("exists_differences", "differences"),
    ("doesnt_exist", "doesn't exist"),
    ("only_in_account_managed", "only in account (managed)"),
    ("only_in_account_unmanaged", "only in account (unmanaged)"),
)
REKEYED_COLUMN = ("rekeyed", "re-keyed")
"""Shown only in plans that have a re-keyed record, so every other plan reads as before."""
STYLES = {"+": "green", "~": "yellow", "-": "red", "&": "cyan", " ": ""}


def columns(plan: Plan) -> tuple[tuple[str, str], ...]:
    """The summary's columns: the statuses, and ``re-keyed`` when the plan has one."""
    rekeyed = any(REKEYED_COLUMN[0] in counts for counts in plan.summary.values())
    return COLUMNS + ((REKEYED_COLUMN,) if rekeyed else ())


def status_words(plan: Plan) -> str:
    return "Being Prepared" if plan.status is PlanStatus.BEING_PREPARED else "Prepared"


def plan_text(plan: Plan, *, color: bool = False, width: int = 100) -> str:
    out = StringIO()
    console = _console(out, color, width)
    console.print(
        Text.assemble(
            ("Plan for ", "bold"),
            (plan.environment, "bold"),
            f" ({plan.account}): ",
            (status_words(plan), "bold yellow" if plan.unmapped else "bold green"),
        )
    )
    console.print(_summary_table(plan))
    if plan.unmapped:
        console.print(Text("Unmapped references (map them in mappings.yaml):", style="bold"))
        for value in plan.unmapped:
            uses = ", ".join(f"{u.record}.{u.field}" for u in value.used_by)
            console.print(f"  {value.kind} {value.value}  used by {uses}", markup=False)
            if value.proposed is not None:
                console.print(f"    proposed: {proposal_words(value.proposed)}", markup=False)
        waiting = plan.awaiting_review
        if waiting:
            console.print(awaiting_review_words(plan), markup=False)
        console.print()
    pending = review_order(plan.pending)
    lines: list[Text] = []  # printed at once: a print per line cost more than the lines
    for change in pending:
        symbol = SYMBOLS[change.action]
        head = Text(f"{symbol} {change.kind}/{change.id}", style=f"bold {STYLES[symbol]}".strip())
        head.append(f"  {verb(change)}", style="bold")
        head.append(f"  ({change.reason})", style="dim")
        lines.append(head)
        for field in change.changes:
            mark, line = change_line(field)
            lines.append(Text(f"    {mark} {line}", style=STYLES[mark]))
    if pending:
        console.print(Text("\n").join(lines))
        console.print()
    if plan.duplicates:
        console.print(Text("Duplicates in the account (not written until resolved):", style="bold"))
        for change in plan.duplicates:
            console.print(f"  ! {change.kind}/{change.id}  ({change.reason})", markup=False)
        console.print()
    if plan.unconfirmed_rekeys:
        title = "Re-keyed in the YAML (not written until the move is confirmed):"
        console.print(Text(title, style="bold"))
        for change in plan.unconfirmed_rekeys:
            console.print(f"  ! {change.ref}  ({change.reason})", markup=False)
        console.print()
    left = plan.left_in_account
    if left:
        console.print(Text("Left in the account as they are:", style="bold"))
        for change in left:
            name = f" {change.name!r}" if change.name else ""
            console.print(f"  {change.kind}/{change.id}{name}  ({change.reason})", markup=False)
        console.print()
    console.print(
        Text.assemble(
            ("Plan: ", "bold"),
            totals([c.action for c in plan.changes]) if pending else "no changes",
            f". API calls: {plan.api_calls}",
            *(
                [f", budget left: {plan.api_budget_remaining}"]
                if plan.api_budget_remaining is not None
                else []
            ),
            ".",
        )
    )
    if plan.unconfirmed_rekeys:
        console.print(
            f"{len(plan.unconfirmed_rekeys)} re-keyed records wait for moved: or --rekey.",
            markup=False,
        )
    if plan.duplicates:
        console.print(
            f"{len(plan.duplicates)} records have several copies in the account carrying their "
            "ownership marker: resolve them there, then plan again.",
            markup=False,
        )
    if not (pending or plan.unconfirmed_rekeys or plan.duplicates) and (
        plan.status is PlanStatus.PREPARED
    ):
        console.print("The account matches the configuration.")
    return out.getvalue()


RISKY_ACTIONS = (Action.DISABLE, Action.DELETE)


def risky_changes(plan: Plan) -> list[RecordChange]:
    """What a reviewer must not miss before saying yes: removals, disables, renames (by marker
    or by link) and re-keys (a marker moved to another id)."""
    return [
        c
        for c in plan.pending
        if c.action in RISKY_ACTIONS
        or renamed(c)
        or c.reason_code is Reason.REKEYED
        or _disables(c)
    ]


def _disables(change: RecordChange) -> bool:
    return any(f.field == "disabled" and f.after is True for f in change.changes)


def plan_review(plan: Plan, *, color: bool = False, width: int = 100) -> str:
    """What apply shows before it asks: the summary and the risky changes, not every field of
    every record (a 2,000-record plan is 11,810 lines; ``--show-plan`` prints them)."""
    out = StringIO()
    console = _console(out, color, width)
    console.print(Text.assemble(("Plan for ", "bold"), (plan.environment, "bold")))
    console.print(_summary_table(plan))
    risky = risky_changes(plan)
    if risky:
        console.print(Text(f"Risky changes ({len(risky)}):", style="bold red"))
    for change in review_order(risky):
        console.print(
            f"  {SYMBOLS[change.action]} {change.ref}  {verb(change)}  ({change.reason})",
            markup=False,
            style=STYLES[SYMBOLS[change.action]],
        )
    console.print(
        f"Plan: {totals([c.action for c in plan.changes])}. API calls: {plan.api_calls}."
        " (--show-plan prints every change.)",
        markup=False,
    )
    return out.getvalue()


def _console(out: StringIO, color: bool, width: int) -> Console:
    return Console(
        file=out,
        width=width,
        color_system="standard" if color else None,
        highlight=False,
        soft_wrap=True,
        emoji=False,  # a value's ":x:" is shown as written, not as an emoji
    )


def _summary_table(plan: Plan) -> Table:
    table = Table(show_edge=False, pad_edge=False, box=None, header_style="bold")
    table.add_column("kind")
    shown = columns(plan)
    for _, title in shown:
        table.add_column(title, justify="right")
    for kind, counts in plan.summary.items():
        table.add_row(kind, *(str(counts.get(key, 0) or "-") for key, _ in shown))
    if not plan.summary:
        table.add_row("(no records)", *("-" for _ in shown))
    return table
