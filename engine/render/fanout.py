"""The pull-request description of a promotion to many environments, within the comment budget.

A hundred destinations must still make one readable description that GitHub accepts, so it is
built worst first and *budgeted* against :data:`syncset.ci.comment.COMMENT_LIMIT`, the limit
the CI comment keeps to:

1. a summary table, one row per destination: *Being Prepared* before *Prepared*, the most
   references still to map first (then by name), so what needs work is at the top;
2. each destination's details (its mapping status, records promoted, compare table) collapsed
   in ``<details>``, in the same order;
3. when the whole is over the limit, the details of the *best* destinations (last in that
   order) are left out first, and a line says how many and how to see them
   (``syncset plan <env>``); only when the table alone is too long are its last rows cut too.
"""

from __future__ import annotations

from syncset.ci.comment import COMMENT_LIMIT
from syncset.promotion.fanout import FanOut, Target
from syncset.render.promotion import comparison_lines, mapping_status, records_promoted


def worst_first(targets: list[Target]) -> list[Target]:
    """Being Prepared before Prepared, most values to map first, then by name."""
    return sorted(targets, key=lambda t: (t.prepared, -len(t.unmapped), t.name))


def fanout_markdown(fan: FanOut, limit: int = COMMENT_LIMIT) -> str:
    """The description; never longer than ``limit`` characters (measured, not estimated)."""
    ordered = worst_first(fan.targets)
    details = [_details(fan, target) for target in ordered]
    prefix = [0]
    for block in details:
        prefix.append(prefix[-1] + len(block))
    for rows in range(len(ordered), -1, -1):
        head = _head(fan, ordered, rows, limit)
        for kept in range(rows, -1, -1):
            note = _cut_note(len(ordered) - kept, limit)
            if len(head) + prefix[kept] + len(note) <= limit:
                return head + "".join(details[:kept]) + note
    return _head(fan, ordered, 0, limit)[:limit]  # a limit shorter than the heading


def _head(fan: FanOut, ordered: list[Target], rows: int, limit: int) -> str:
    count = len(ordered)
    pattern = f" (`{fan.pattern}`)" if fan.pattern else ""
    lines = [f"## Promote `{fan.source}` → {count} environments{pattern}", ""]
    if fan.branch:
        lines += [f"Branch `{fan.branch}`: one commit per environment.", ""]
    else:
        lines += ["No commits (`--no-commit`): the changes are in the working tree.", ""]
    waiting = sum(1 for t in ordered if not t.prepared)
    scope = f" (sync set `{fan.sync_set}`)" if fan.sync_set else ""
    lines += [
        f"**{waiting} Being Prepared, {count - waiting} Prepared**{scope}. Only record files "
        "are copied: each environment keeps its own `mappings.yaml`, variables and overrides.",
        "",
        "| environment | status | records promoted | references to map | commit |",
        "|---|---|---|---|---|",
    ]
    for target in ordered[:rows]:
        sha = f"`{target.promotion.commit[:10]}`" if target.promotion.commit else "none"
        lines.append(
            f"| `{target.name}` | {_status(target)} | {len(target.promotion.records)} "
            f"| {len(target.unmapped)} | {sha} |"
        )
    if rows < count:
        where = f"`git log {fan.branch}`" if fan.branch else "`git status`"
        lines.append(
            f"\n✂️ {count - rows} more environments (the best prepared) are not listed, to stay "
            f"under {limit:,} characters: {where} shows every one."
        )
    lines.append("")
    if fan.up_to_date:
        named = ", ".join(f"`{name}`" for name in fan.up_to_date)
        lines += [f"Already up to date, nothing promoted: {named}.", ""]
    return "\n".join(lines) + "\n"


def _status(target: Target) -> str:
    return "✅ Prepared" if target.prepared else "⏳ Being Prepared"


def _details(fan: FanOut, target: Target) -> str:
    promotion = target.promotion
    unmapped = len(target.unmapped)
    noun = "reference" if unmapped == 1 else "references"
    what = f"{unmapped} {noun} to map" if unmapped else "every reference mapped"
    lines = [
        f"<details><summary><code>{target.name}</code>: {_status(target)}, "
        f"{len(promotion.records)} records, {what}</summary>",
        "",
        *mapping_status(target.name, target.references),
        *records_promoted(promotion),
    ]
    lines += comparison_lines(promotion, heading_level=4)
    return "\n".join(lines).rstrip() + "\n\n</details>\n\n"


def _cut_note(left_out: int, limit: int) -> str:
    if left_out <= 0:
        return ""
    return (
        f"✂️ The details of {left_out} environments (the best prepared, last in the table) were "
        f"left out to stay under {limit:,} characters: `syncset plan <env>` shows an "
        "environment's plan, `syncset map <env>` what it still has to map.\n"
    )
