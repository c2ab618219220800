"""How values look in a rendered plan, shared by the text and markdown renderers."""

from __future__ import annotations

import json
from typing import Any

from syncset.plan.model import Action, FieldChange, Plan, ProposedTarget, Reason, RecordChange
from syncset.schemas import CATALOG
from syncset.schemas.base import top_field

SENSITIVE = "(sensitive value changed)"

SYMBOLS = {
    Action.CREATE: "+",
    Action.UPDATE: "~",
    Action.ADOPT: "&",
    Action.DISABLE: "-",
    Action.DELETE: "-",
    Action.NONE: " ",
}

VERBS = {
    Action.CREATE: "create",
    Action.UPDATE: "update",
    Action.ADOPT: "adopt",
    Action.DISABLE: "disable",
    Action.DELETE: "delete",
    Action.NONE: "no change",
}


RISK = {
    Action.DELETE: 0,
    Action.DISABLE: 1,
    Action.ADOPT: 2,
    Action.UPDATE: 3,
    Action.CREATE: 4,
    Action.NONE: 5,
}
"""The order every view lists changes in, riskiest first: what a reviewer must not miss (a
removal, an adoption of a record made by hand) comes before what only adds. Apply's own order
is the dependency order of the plan's waves, which the JSON plan keeps."""


def review_order(changes: list[RecordChange]) -> list[RecordChange]:
    """``changes`` riskiest first, the plan's (dependency) order kept within each action."""
    return sorted(changes, key=lambda change: RISK[change.action])


def renamed(change: RecordChange) -> bool:
    """Its natural key changes: a record matched by its marker whose name the YAML changed, or
    one a link binds by its old name, which adopting it renames in the same step."""
    if change.action is Action.UPDATE:
        return change.reason_code is Reason.RENAMED
    if change.action is Action.ADOPT and change.kind in CATALOG:
        key = CATALOG[change.kind].natural_key
        return any(top_field(f.field) in key for f in change.changes)
    return False


def verb(change: RecordChange) -> str:
    """What happens to a record, in words: ``update (renamed)`` or ``adopt (renamed)`` when its
    natural key changes, ``update (re-keyed from team/ops)`` when its id did."""
    if change.rekeyed_from is not None:
        return f"{VERBS[change.action]} (re-keyed from {change.kind}/{change.rekeyed_from})"
    return VERBS[change.action] + (" (renamed)" if renamed(change) else "")


def shown(value: Any, limit: int = 120) -> str:
    """A value as one line of JSON, cut at ``limit`` characters."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def change_line(change: FieldChange) -> tuple[str, str]:
    """(symbol, text) for one field change: ``+ name: "x"`` / ``~ name: "a" → "b"``."""
    if change.sensitive:
        return "~", f"{change.field}: {SENSITIVE}"
    if change.before is None:
        return "+", f"{change.field}: {shown(change.after)}"
    if change.after is None:
        return "-", f"{change.field}: {shown(change.before)}"
    return "~", f"{change.field}: {shown(change.before)} → {shown(change.after)}"


def diff_lines(change: FieldChange) -> list[tuple[str, str]]:
    """One field change as lines of a ``diff`` block, which GitHub colours by their first
    character: an update is a ``-`` line for the old value and a ``+`` line for the new one."""
    if change.sensitive:
        return [("!", f"{change.field}: {SENSITIVE}")]
    lines = []
    if change.before is not None:
        lines.append(("-", f"{change.field}: {shown(change.before)}"))
    if change.after is not None:
        lines.append(("+", f"{change.field}: {shown(change.after)}"))
    return lines


def diff_headline(change: RecordChange) -> str:
    """A record's first line in a ``diff`` block: ``+``/``-`` for what is created or removed,
    a hunk header (``@@ … @@``, coloured apart) for what is updated or adopted."""
    text = f"{change.kind}/{change.id}: {verb(change)}"
    symbol = SYMBOLS[change.action]
    return f"{symbol} {text}" if symbol in "+-" else f"@@ {text} @@"


def totals(changes: list[Action]) -> str:
    counts = {action: changes.count(action) for action in Action if action is not Action.NONE}
    parts = [f"{counts[Action.CREATE]} to create", f"{counts[Action.UPDATE]} to update"]
    parts.append(f"{counts[Action.ADOPT]} to adopt")
    parts.append(f"{counts[Action.DISABLE] + counts[Action.DELETE]} to disable or delete")
    return ", ".join(parts)


def proposal_words(proposed: ProposedTarget) -> str:
    matched = f", {proposed.matched}" if proposed.matched else ""
    return f"{proposed.target} (score {proposed.score:.2f}{matched}), not reviewed yet"


def awaiting_review_words(plan: Plan, code: str = "") -> str:
    """How many proposals await review, and the command that accepts them (``code`` quotes
    names: a backtick in markdown)."""
    count = len(plan.awaiting_review)
    noun = "proposal awaits" if count == 1 else "proposals await"
    env = plan.environment
    return (
        f"{count} {noun} review in {code}environments/{env}/mappings.yaml{code}: accept with "
        f"{code}syncset map {env} --accept{code}, or reject with {code}--reject{code}"
    )
