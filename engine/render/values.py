"""How values look in a rendered plan, shared by the text and markdown renderers."""

from __future__ import annotations

import json
from typing import Any

from syncset.plan.model import Action, FieldChange

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


def totals(changes: list[Action]) -> str:
    counts = {action: changes.count(action) for action in Action if action is not Action.NONE}
    parts = [f"{counts[Action.CREATE]} to create", f"{counts[Action.UPDATE]} to update"]
    parts.append(f"{counts[Action.ADOPT]} to adopt")
    parts.append(f"{counts[Action.DISABLE] + counts[Action.DELETE]} to disable or delete")
    return ", ".join(parts)
