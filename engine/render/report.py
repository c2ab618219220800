"""How an apply's outcome is shown: a line per record as it finishes, then a summary."""

from __future__ import annotations

from syncset.apply.run import ApplyReport, Outcome, RecordResult
from syncset.render.values import SYMBOLS, VERBS


def result_line(result: RecordResult) -> str:
    change = result.change
    head = (
        f"{result.outcome.value:>8}  {SYMBOLS[change.action]} {change.ref} ({VERBS[change.action]})"
    )
    return f"{head}: {result.message}" if result.message else head


def report_summary(report: ApplyReport) -> str:
    return f"Apply of {report.environment}: {report.status} ({report.counts()})."


def report_markdown(report: ApplyReport, heading_level: int = 3) -> str:
    icon = "✅" if report.ok else "❌"
    lines = [
        f"{'#' * heading_level} syncset apply: `{report.environment}`",
        "",
        f"{icon} **{report.status}**: {report.counts()}",
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
