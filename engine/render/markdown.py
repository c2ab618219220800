"""The pull-request view of a plan: status line, summary, removals and adoptions first, then a
``<details>`` section per kind. It never exceeds :data:`MAX_CHARS`: past that it says what was
left out and points to the JSON plan, which always has everything.

Changes are listed riskiest first (:func:`syncset.render.values.review_order`), as in the
terminal view; each record is a ``diff`` block that GitHub colours: ``-``/``+`` line pairs for
an update's old and new values, never ``~``, which no highlighter knows.
"""

from __future__ import annotations

from syncset.plan.model import Action, Plan, PlanStatus, RecordChange
from syncset.render.text import columns
from syncset.render.values import (
    VERBS,
    awaiting_review_words,
    diff_headline,
    diff_lines,
    proposal_words,
    review_order,
    totals,
    verb,
)

MAX_CHARS = 60_000
_RESERVE = 600
"""Room kept for the closing "left out" note."""
HEAD_BUDGET = 20_000
"""At most this much for the lists above the details (unmapped values, removals, adoptions)."""
USES_SHOWN = 10
FENCE_STANDIN = "'''"
"""What a value's own code fence becomes, so it cannot close the ``diff`` block."""


def _capped(rows: list[str], budget: int, what: str) -> list[str]:
    """As many rows as fit in ``budget`` characters, then a line saying how many were cut."""
    kept: list[str] = []
    used = 0
    for row in rows:
        if used + len(row) + 1 > budget:
            kept.append(f"- … {len(rows) - len(kept)} more {what}: see the JSON plan")
            break
        kept.append(row)
        used += len(row) + 1
    return kept


def status_line(plan: Plan) -> str:
    if plan.status is PlanStatus.BEING_PREPARED:
        return f"⏳ **Being Prepared**: {len(plan.unmapped)} references to map before apply"
    waiting = len(plan.unconfirmed_rekeys)
    if waiting:
        return f"⚠️ **Prepared**: {waiting} re-keyed records wait for `moved:` or `--rekey`"
    if plan.duplicates:
        return (
            f"⚠️ **Prepared**: {len(plan.duplicates)} records have several copies in the account "
            "carrying their marker: resolve them there first"
        )
    if plan.has_changes:
        return "✅ **Prepared**: ready to apply"
    return "✅ **Prepared**: no changes, the account matches"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _summary(plan: Plan) -> list[str]:
    shown = columns(plan)
    lines = ["| kind | " + " | ".join(title for _, title in shown) + " |"]
    lines.append("|---|" + "---:|" * len(shown))
    for kind, counts in plan.summary.items():
        cells = " | ".join(str(counts.get(key, 0)) for key, _ in shown)
        lines.append(f"| {kind} | {cells} |")
    return lines


def _record_block(change: RecordChange) -> list[str]:
    lines = [diff_headline(change)]
    for field in change.changes:
        for mark, text in diff_lines(field):
            lines.append(f"{mark}   {text.replace('```', FENCE_STANDIN)}")
    return lines


def plan_markdown(plan: Plan, heading_level: int = 3) -> str:
    hashes = "#" * heading_level
    head = [f"{hashes} syncset plan: `{plan.environment}`", "", status_line(plan), ""]
    head.append(
        f"Account: {_cell(plan.account)}"
        + (f" · commit `{plan.git_commit[:10]}`" if plan.git_commit else "")
    )
    head += ["", *_summary(plan), ""]
    if plan.unmapped:
        head += ["**References to map** (in `mappings.yaml`):", ""]
        waiting = plan.awaiting_review
        head += ["| kind | value | used by |" + (" proposed |" if waiting else "")]
        head += ["|---|---|---|" + ("---|" if waiting else "")]
        rows = []
        for value in plan.unmapped:
            uses = ", ".join(f"`{u.record}.{u.field}`" for u in value.used_by[:USES_SHOWN])
            if len(value.used_by) > USES_SHOWN:
                uses += f" and {len(value.used_by) - USES_SHOWN} more"
            row = f"| {value.kind} | `{_cell(value.value)}` | {uses} |"
            if waiting:
                row += f" {_cell(proposal_words(value.proposed))} |" if value.proposed else " |"
            rows.append(row)
        head += _capped(rows, HEAD_BUDGET // 2, "references")
        head.append("")
        if waiting:
            head += [awaiting_review_words(plan, "`"), ""]
    pending = review_order(plan.pending)
    first = [c for c in pending if c.action in (Action.DISABLE, Action.DELETE, Action.ADOPT)]
    if first:
        head += ["**Removals and adoptions**:", ""]
        rows = [f"- {VERBS[c.action]} `{c.kind}/{c.id}`: {_cell(c.reason)}" for c in first]
        head += _capped(rows, HEAD_BUDGET // 2, "removals and adoptions")
        head.append("")
    rekeys = [c for c in plan.changes if c.rekeyed_from is not None]
    if rekeys:
        head += [
            "**Re-keyed** (the id changed in the YAML; the account's record has the old id):",
            "",
        ]
        rows = [f"- `{c.ref}` {_rekey_verb(c)}: {_cell(c.reason)}" for c in rekeys]
        head += _capped(rows, HEAD_BUDGET // 4, "re-keyed records")
        head.append("")
    if plan.left_in_account:
        head += ["**Left in the account** (managed, no longer in YAML):", ""]
        rows = [
            f"- `{c.kind}/{c.id}` {_cell(repr(c.name)) if c.name else ''}: {_cell(c.reason)}"
            for c in plan.left_in_account
        ]
        head += _capped(rows, HEAD_BUDGET // 4, "records left in the account")
        head.append("")
    footer = [
        f"**Plan**: {totals([c.action for c in plan.changes]) if pending else 'no changes'}."
        f" API calls: {_api_calls(plan)}."
    ]
    body = "\n".join(head)
    budget = MAX_CHARS - len(body) - len("\n".join(footer)) - _RESERVE
    while True:
        sections, left_out = _details(pending, budget)
        note = [_left_out_note(left_out), ""] if left_out else []
        text = body + "\n" + sections + "\n".join([*note, *footer]) + "\n"
        if len(text) <= MAX_CHARS or budget <= 0:
            return text
        budget -= len(text) - MAX_CHARS


def _rekey_verb(change: RecordChange) -> str:
    return verb(change) if change.action is not Action.NONE else "not written"


def _left_out_note(left_out: int) -> str:
    return (
        f"⚠️ {left_out} changed records were left out to keep this comment under "
        f"{MAX_CHARS:,} characters; the JSON plan (`syncset plan --out plan.json`) has all."
    )


def _details(pending: list[RecordChange], budget: int) -> tuple[str, int]:
    by_kind: dict[str, list[RecordChange]] = {}
    for change in pending:
        by_kind.setdefault(change.kind, []).append(change)
    out: list[str] = []
    used = 0
    left_out = 0
    for kind, changes in by_kind.items():
        opening = f"<details><summary>{kind}: {len(changes)} to change</summary>\n\n```diff\n"
        closing = "```\n\n</details>\n\n"
        section = opening
        for index, change in enumerate(changes):
            block = "\n".join(_record_block(change)) + "\n"
            if used + len(section) + len(block) + len(closing) > budget:
                left_out += len(changes) - index
                break
            section += block
        if section == opening:
            continue
        section += closing
        used += len(section)
        out.append(section)
    return "".join(out), left_out


def _api_calls(plan: Plan) -> str:
    """The same count the text plan ends with, so a reviewer sees what an apply will cost."""
    if plan.api_budget_remaining is None:
        return str(plan.api_calls)
    return f"{plan.api_calls}, budget left: {plan.api_budget_remaining}"
