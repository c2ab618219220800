"""The pull-request comment of ``ci plan`` and the result of ``ci apply``, as markdown.

One comment for the whole pull request, in the manner of Atlantis: a table of the environments,
then a section per environment (the plan's status line, summary table and details, from
:func:`syncset.render.markdown.plan_markdown`), then a footer with the counts. The comment starts
with :data:`MARKER`, a hidden HTML comment by which the workflow finds and updates its own
comment instead of adding a new one on every push.

A pull request that touches many environments (:data:`FLEET_FROM` or more: a fleet of customer
accounts, a change to ``syncsets.yaml``) gets the *fleet* layout instead, built to be read from
the top: one table, worst first (failed, Being Prepared, with changes, without), each
environment's section collapsed in a ``<details>`` block below it, and none for an environment
without changes (its row says everything). Over the budget, the sections at the bottom of that
order are dropped first, and a line says how many and where they are.

GitHub refuses a comment over :data:`COMMENT_LIMIT` characters, so the sections are *budgeted*:
when the whole does not fit, the longest sections give up detail first (the graph, then their
``<details>`` blocks one kind at a time, then everything but the status and counts), and each
section says what it lost and names the JSON plan that has everything.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from syncset.ci.apply import EnvApply, EnvState
from syncset.ci.plan import EnvPlan, saved_plan_name
from syncset.plan.model import Action, Plan
from syncset.render.markdown import plan_markdown, status_line
from syncset.render.report import report_markdown
from syncset.render.values import totals

COMMENT_LIMIT = 65_536
"""GitHub's limit for an issue or pull-request comment body, in characters."""
MARKER = "<!-- syncset-plan -->"
APPLY_MARKER = "<!-- syncset-apply -->"
_ERROR_LIMIT = 3_000
_SELF_CUT = "were left out to keep this comment under"
"""What plan_markdown says when it had to cut a plan at its own limit."""
_DETAILS = re.compile(r"^<details><summary>([^:<]+): (\d+) to change</summary>$", re.MULTILINE)


@dataclass(frozen=True)
class CommentContext:
    base: str
    head: str | None = None
    artifacts: str | None = None
    """Where the plan JSON files can be downloaded (a URL, or a folder name)."""


def footer_counts(results: list[EnvPlan]) -> str:
    changed = sum(1 for r in results if r.has_changes)
    failed = sum(1 for r in results if r.failed)
    count = len(results)
    noun = "environment" if count == 1 else "environments"
    without = count - changed - failed
    return f"{count} {noun}, {changed} with changes, {without} without, {failed} failed"


def plan_comment(
    results: list[EnvPlan], context: CommentContext, limit: int = COMMENT_LIMIT
) -> str:
    """The comment body; never longer than ``limit`` characters (measured, not estimated).

    From :data:`FLEET_FROM` environments on, the fleet layout (:func:`fleet_comment`); below
    it, a section per environment in promotion order."""
    if len(results) >= FLEET_FROM:
        return fleet_comment(results, context, limit)
    where = _artifacts(context)
    head = _header(results, context)
    variants = [list(_section_variants(r, where, limit)) for r in results]
    chosen = [0] * len(variants)
    sections = [v[0] for v in variants]
    omitted = 0
    while len(body := _assembled(head, sections, results, where, omitted)) > limit:
        shrinkable = [i for i, v in enumerate(variants) if chosen[i] < len(v) - 1]
        if not sections:  # the table of environments alone is over the limit
            cut = "\n\n✂️ Cut to stay under the limit: the job log has every plan.\n"
            return body[: limit - len(cut)] + cut
        if not shrinkable:
            omitted += 1
            for kept in (sections, variants, chosen):
                kept.pop()
            continue
        index = max(shrinkable, key=lambda i: (len(sections[i]), -i))
        chosen[index] += 1
        sections[index] = variants[index][chosen[index]]
    return body


def _assembled(
    head: list[str], sections: list[str], results: list[EnvPlan], where: str, omitted: int
) -> str:
    foot = ["---", ""]
    if omitted:
        foot += [f"✂️ {omitted} environment sections were left out to stay under the limit.", ""]
    foot += [f"**{footer_counts(results)}**", "", f"Plan JSON of each environment: {where}."]
    return "\n".join([*head, *sections, *foot]) + "\n"


def _artifacts(context: CommentContext) -> str:
    if context.artifacts and context.artifacts.startswith(("http://", "https://")):
        return f"`<env>.plan.json` in the [workflow run's artifacts]({context.artifacts})"
    return f"`<env>.plan.json` in `{context.artifacts or 'the plan output folder'}`"


def _header(results: list[EnvPlan], context: CommentContext) -> list[str]:
    span = f"`{context.base}`" + (f" → `{context.head}`" if context.head else "")
    lines = [MARKER, "## syncset plan", ""]
    if not results:
        return [*lines, f"No environment is affected by the changes since {span}.", ""]
    lines += [f"Environments affected by the changes since {span}:", ""]
    lines += ["| environment | status | plan | why |", "|---|---|---|---|"]
    for r in results:
        lines.append(f"| `{r.environment}` | {_state(r)} | {_plan_cell(r)} | {r.reason} |")
    return [*lines, ""]


def _state(result: EnvPlan) -> str:
    if result.plan is None:
        return "❌ Failed"
    return "⏳ Being Prepared" if result.plan.unmapped else "✅ Prepared"


def _plan_cell(result: EnvPlan) -> str:
    if result.plan is None:
        return "error: see below"
    pending = result.plan.pending
    return totals([c.action for c in result.plan.changes]) if pending else "no changes"


def _section_variants(result: EnvPlan, where: str, limit: int) -> Iterator[str]:
    """The section of one environment, from the fullest to the shortest form."""
    heading = f"### syncset plan: `{result.environment}`"
    if result.plan is None:
        message = (result.error or "unknown error").replace("```", "'''")
        if len(message) > _ERROR_LIMIT:
            message = message[:_ERROR_LIMIT] + "\n… (cut: the job log has the whole message)"
        yield f"{heading}\n\n❌ **Failed**: the plan could not be made:\n\n```\n{message}\n```\n"
        yield f"{heading}\n\n❌ **Failed**: see the job log for the message.\n"
        return
    plan = result.plan
    name = f"`{saved_plan_name(result.environment)}`"
    text = plan_markdown(plan, heading_level=3)
    graph_note = ""
    if result.graph:
        if len(text) + len(result.graph) < limit:
            yield text + "\n" + _graph_block(result.graph)
        graph_note = (
            f"\n✂️ The dependency graph was left out to stay under {limit:,} characters: "
            f"`syncset graph {result.environment}` draws it.\n"
        )
    yield text + graph_note
    first = _DETAILS.search(text)
    pending = plan.pending
    if first is not None:
        head, plan_line = text[: first.start()], text.rstrip("\n").rsplit("\n", 1)[-1]
        for keep in _fewer(len(pending)):
            details = _details_of(plan.model_copy(update={"changes": tuple(pending[:keep])}))
            if details is None:
                continue  # still over plan_markdown's own cap: far too long here anyway
            note = (
                f"✂️ {len(pending) - keep} of {len(pending)} changed records were cut to keep "
                f"this comment under {COMMENT_LIMIT:,} characters: {name} has them all "
                f"({where}).\n\n"
            )
            yield head + details + note + plan_line + "\n" + graph_note
    short = [heading, "", status_line(plan), "", f"**Plan**: {_plan_cell(result)}.", ""]
    short.append(f"✂️ Details cut to stay under {COMMENT_LIMIT:,} characters: see {name}.")
    yield "\n".join(short) + "\n" + graph_note


def _fewer(count: int) -> Iterator[int]:
    """How many records to keep, from all but one down to none, about 15% fewer each time."""
    keep = count
    while keep > 0:
        keep = min(keep - 1, int(keep * 0.85))
        yield keep


def _details_of(plan: Plan) -> str | None:
    """The ``<details>`` blocks of ``plan``'s markdown; None when plan_markdown had to cut."""
    text = plan_markdown(plan, heading_level=3)
    if _SELF_CUT in text:
        return None
    first = _DETAILS.search(text)
    if first is None:
        return ""
    end = text.rindex("</details>") + len("</details>\n\n")
    return text[first.start() : end]


def _graph_block(mermaid: str) -> str:
    return (
        "<details><summary>Dependency graph of what changes</summary>\n\n"
        f"```mermaid\n{mermaid.rstrip()}\n```\n\n</details>\n"
    )


def apply_markdown(results: list[EnvApply], context: CommentContext) -> str:
    """The result of ``ci apply``: a line per environment, then each environment's report."""
    span = f" of `{context.head}`" if context.head else ""
    lines = [APPLY_MARKER, f"## syncset apply{span}", ""]
    if not results:
        return "\n".join([*lines, "No environment to apply.", ""])
    lines += ["| environment | result | plan | details |", "|---|---|---|---|"]
    for r in results:
        plan = "saved plan" if r.saved else "planned at apply"
        message = r.message.replace("|", "\\|").replace("\n", " ")
        lines.append(
            f"| `{r.environment}` | {_ICONS[r.state]} {r.state.value} | {plan} | {message} |"
        )
    lines.append("")
    for r in results:
        if r.report is not None:
            lines.append(report_markdown(r.report, heading_level=3))
    counts = {state: sum(1 for r in results if r.state is state) for state in EnvState}
    summary = ", ".join(f"{n} {state.value}" for state, n in counts.items())
    noun = "environment" if len(results) == 1 else "environments"
    lines += ["---", "", f"**{len(results)} {noun}: {summary}**", ""]
    return "\n".join(lines)


_ICONS = {
    EnvState.COMPLETED: "✅",
    EnvState.FAILED: "❌",
    EnvState.STALE: "⚠️",
    EnvState.SKIPPED: "⏭️",
}


# -- the fleet layout ---------------------------------------------------------------------------

FLEET_FROM = 10
"""From this many environments on, the comment is a fleet table with collapsed sections: ten
sections one after the other are already more than a reviewer scrolls through."""
_RANKS = ("failed", "being prepared", "with changes", "without changes")


def fleet_rank(result: EnvPlan) -> int:
    """0 failed, 1 Being Prepared (references to map), 2 with changes, 3 without: worst first."""
    if result.plan is None:
        return 0
    if result.plan.unmapped:
        return 1
    return 2 if result.has_changes else 3


def fleet_order(results: list[EnvPlan]) -> list[EnvPlan]:
    """Worst first, then by name: the same order whatever order the plans were made in."""
    return sorted(results, key=lambda r: (fleet_rank(r), r.environment))


def fleet_comment(
    results: list[EnvPlan], context: CommentContext, limit: int = COMMENT_LIMIT
) -> str:
    """One table of every environment, worst first, then the collapsed section of each one that
    has something to say; the bottom sections give way first when over ``limit``."""
    where = _artifacts(context)
    ordered = fleet_order(results)
    cap = max(2_000, limit // 8)
    sections = [_fitted(r, where, cap, limit) for r in ordered if fleet_rank(r) < 3]
    rows = len(ordered)
    while True:
        body = _fleet_assembled(ordered, rows, sections, context, where, limit)
        if len(body) <= limit:
            return body
        if sections:
            sections.pop()  # the best environment still shown gives way first
        elif rows > 0:
            rows -= 1
        else:
            return body[:limit]


def _fitted(result: EnvPlan, where: str, cap: int, limit: int) -> str:
    """The fullest form of the section under ``cap``, so that one huge plan does not push out
    every other environment's; collapsed in a ``<details>`` block."""
    variants = list(_section_variants(result, where, limit))
    text = next((v for v in variants if len(v) <= cap), variants[-1])
    summary = f"<code>{result.environment}</code>: {_state(result)}, {_changes_cell(result)}"
    if result.plan is None:  # the first line of the error says more than "see its details"
        first = ((result.error or "").strip().splitlines() or ["unknown error"])[0]
        first = first if len(first) <= 100 else first[:99] + "…"
        summary = f"<code>{result.environment}</code>: {_state(result)}: {html.escape(first)}"
    return f"<details><summary>{summary}</summary>\n\n{text}\n</details>\n"


def _fleet_assembled(
    ordered: list[EnvPlan],
    rows: int,
    sections: list[str],
    context: CommentContext,
    where: str,
    limit: int,
) -> str:
    span = f"`{context.base}`" + (f" → `{context.head}`" if context.head else "")
    counts = [sum(1 for r in ordered if fleet_rank(r) == rank) for rank in range(4)]
    tally = ", ".join(f"{n} {label}" for n, label in zip(counts, _RANKS, strict=True) if n)
    lines = [MARKER, "## syncset plan", ""]
    lines += [f"{len(ordered)} environments affected by the changes since {span}: {tally}.", ""]
    lines += ["| environment | status | changes | unmapped |", "|---|---|---|---|"]
    for r in ordered[:rows]:
        unmapped = "-" if r.plan is None else str(len(r.plan.unmapped))
        lines.append(f"| `{r.environment}` | {_state(r)} | {_changes_cell(r)} | {unmapped} |")
    lines.append("")
    if rows < len(ordered):
        lines += [
            f"✂️ {len(ordered) - rows} more environments (the last in this order) were left out "
            f"of the table to stay under {limit:,} characters: the job log lists every one.",
            "",
        ]
    lines += sections
    with_section = sum(1 for r in ordered if fleet_rank(r) < 3)
    if len(sections) < with_section:
        lines += [
            f"✂️ The details of {with_section - len(sections)} environments (the last in the "
            f"table's order) were left out to stay under {limit:,} characters: "
            f"`syncset plan <env>` shows one, and {where} has each.",
            "",
        ]
    lines += [
        "---",
        "",
        f"**{footer_counts(ordered)}**",
        "",
        f"Plan JSON of each environment: {where}.",
    ]
    return "\n".join(lines) + "\n"


def _changes_cell(result: EnvPlan) -> str:
    """The pending changes in a few words: only the actions there are (a table of a hundred
    rows must stay narrow)."""
    if result.plan is None:
        return "error: see its details"
    counts = Counter(c.action for c in result.plan.pending)
    parts = [f"{counts[action]} to {action.value}" for action in Action if counts[action]]
    return ", ".join(parts) if parts else "no changes"
