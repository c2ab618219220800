"""How an apply's outcome is shown: a line per record as it finishes, then a summary."""

from __future__ import annotations

from syncset.apply.run import ApplyReport, Outcome, RecordResult
from syncset.plan.model import Plan
from syncset.render.values import SYMBOLS, VERBS


def result_line(result: RecordResult) -> str:
    change = result.change
    head = (
        f"{result.outcome.value:>8}  {SYMBOLS[change.action]} {change.ref} ({VERBS[change.action]})"
    )
    return f"{head}: {result.message}" if result.message else head


def refused_lines(plan: Plan | None) -> list[str]:
    """A line per record the plan does not let apply write (duplicates, re-keys without
    consent): said on every apply, so a refusal is never silent, and not a failure."""
    return [f"{'refused':>8}  ! {c.ref}: {c.reason}" for c in plan.refused] if plan else []


def summary_counts(report: ApplyReport) -> str:
    """The one summary: ``applied``/``failed`` are records by their writes in the journal;
    ``skipped``/``stale`` are records left unwritten or unfinished (a board created whose
    columns could not be set is applied *and* skipped: both are true)."""
    writes = report.writes
    applied, failed, unknown = (writes.get(o, 0) for o in ("applied", "failed", "unknown"))
    skipped, stale = report.count(Outcome.SKIPPED), report.count(Outcome.STALE)
    text = f"{applied} applied, {failed} failed, {skipped} skipped, {stale} stale"
    return text + (f", {unknown} unknown" if unknown else "")


def report_summary(report: ApplyReport) -> str:
    return f"Apply of {report.environment}: {report.status} ({summary_counts(report)})."


def report_markdown(report: ApplyReport, heading_level: int = 3) -> str:
    icon = "✅" if report.ok else "❌"
    lines = [
        f"{'#' * heading_level} syncset apply: `{report.environment}`",
        "",
        f"{icon} **{report.status}**: {summary_counts(report)}",
        "",
    ]
    problems = [r for r in report.results if r.outcome is not Outcome.APPLIED]
    if problems:
        lines += ["| record | outcome | message |", "|---|---|---|"]
        for result in problems:
            message = result.message.replace("|", "\\|")
            lines.append(f"| `{result.change.ref}` | {result.outcome.value} | {message} |")
        lines.append("")
    return "\n".join(lines) + "\n"
