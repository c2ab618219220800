"""The pull-request description of a promotion: what moves, what it changes, what to map.

A promotion to many environments has its own description (:mod:`syncset.render.fanout`),
built from the same pieces per destination.
"""

from __future__ import annotations

from syncset.plan.model import MappingState
from syncset.plan.resolve import Reference
from syncset.promotion.promote import Promotion
from syncset.render import Format
from syncset.render.compare import render_comparison


def promotion_markdown(
    promotion: Promotion, references: list[Reference] | None, unreachable: str = ""
) -> str:
    lines = [f"## Promote `{promotion.source}` → `{promotion.destination}`", ""]
    if promotion.branch:
        lines += [f"Branch `{promotion.branch}`, commit `{(promotion.commit or '')[:10]}`.", ""]
    lines += mapping_status(promotion.destination, references, unreachable)
    lines += records_promoted(promotion)
    lines += comparison_lines(promotion, heading_level=3)
    return "\n".join(lines).rstrip() + "\n"


def comparison_lines(promotion: Promotion, heading_level: int) -> list[str]:
    """The Compare table of exactly the records the promotion moves, and a line counting the
    other records of the source that differ (one promotion, or one target of many)."""
    lines: list[str] = []
    if promotion.comparison is not None:
        lines.append(
            render_comparison(promotion.comparison, Format.MARKDOWN, heading_level=heading_level)
        )
    if promotion.left_behind:
        lines += [
            "",
            f"{promotion.left_behind} other records of `{promotion.source}` differ from "
            f"`{promotion.destination}` and are not part of this promotion "
            f"(`syncset compare {promotion.source} {promotion.destination}` lists them).",
        ]
    return lines


def records_promoted(promotion: Promotion) -> list[str]:
    """The records a promotion carries, by kind, as a markdown list."""
    lines = ["**Records promoted**:", ""]
    for kind, ids in promotion.by_kind().items():
        lines.append(f"- {kind}: {', '.join(f'`{i}`' for i in ids)}")
    if promotion.also_carried:
        carried = ", ".join(f"`{k}/{i}`" for k, i in promotion.also_carried)
        lines.append(f"- also carried (same files): {carried}")
    return [*lines, ""]


def mapping_status(
    destination: str, references: list[Reference] | None, unreachable: str = ""
) -> list[str]:
    """*Prepared*, or *Being Prepared* with a table of every value still to map there."""
    if references is None:
        return [
            f"⚠️ Mapping status unknown: the {destination} account could not be read "
            f"({unreachable}).",
            "",
        ]
    unmapped = [r for r in references if r.state is MappingState.UNMAPPED]
    if not unmapped:
        automatic = sum(1 for r in references if r.state is MappingState.AUTOMATIC)
        return [f"✅ **Prepared**: every reference is mapped ({automatic} automatically).", ""]
    lines = [
        f"⏳ **Being Prepared**: map these in `environments/{destination}/mappings.yaml` "
        f"(`syncset map {destination} --suggest` proposes targets):",
        "",
        "| kind | value | used by |",
        "|---|---|---|",
    ]
    for reference in unmapped:
        uses = ", ".join(f"`{u.record}.{u.field}`" for u in reference.used_by)
        lines.append(f"| {reference.kind} | `{reference.value}` | {uses} |")
    return [*lines, ""]
