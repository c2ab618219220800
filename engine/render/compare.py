"""Views of a comparison between two environments, in the seeds' status words."""

from __future__ import annotations

import json

from syncset.promotion.compare import CompareEntry, CompareStatus, Comparison
from syncset.render import Format
from syncset.render.values import change_line, diff_lines

WORDS = {
    CompareStatus.EXISTS_NO_DIFFERENCES: "Exists - no differences",
    CompareStatus.EXISTS_DIFFERENCES: "Exists - differences",
    CompareStatus.DOESNT_EXIST: "Doesn't exist",
    CompareStatus.ONLY_IN_DESTINATION: "Only in destination",
    CompareStatus.AMBIGUOUS: "Ambiguous",
}
SYMBOL = {
    CompareStatus.EXISTS_DIFFERENCES: "~",
    CompareStatus.DOESNT_EXIST: "+",
    CompareStatus.ONLY_IN_DESTINATION: "?",
    CompareStatus.AMBIGUOUS: "!",
}


def render_comparison(comparison: Comparison, fmt: Format, heading_level: int = 3) -> str:
    if fmt is Format.JSON:
        body = comparison.model_dump(mode="json")
        body["summary"] = comparison.summary()
        return json.dumps(body, indent=2, ensure_ascii=False) + "\n"
    if fmt is Format.MARKDOWN:
        return _markdown(comparison, heading_level)
    return _text(comparison)


def _title(comparison: Comparison) -> str:
    where = "live accounts" if comparison.mode == "live" else "folders"
    return f"Compare {comparison.source} → {comparison.destination} ({where})"


def _text(comparison: Comparison) -> str:
    lines = [_title(comparison)]
    columns = _columns(comparison)
    header = f"  {'kind':<18}" + "".join(f"{WORDS[c]:>26}" for c in columns)
    lines.append(header)
    for kind, counts in comparison.summary().items():
        lines.append(f"  {kind:<18}" + "".join(f"{counts.get(k, 0) or '-':>26}" for k in columns))
    lines.append("")
    for entry in comparison.entries:
        if entry.status is CompareStatus.EXISTS_NO_DIFFERENCES:
            continue
        lines.append(_headline(entry))
        for change in entry.changes:
            mark, text = change_line(change)
            lines.append(f"    {mark} {text}")
    differing = len(comparison.differing())
    lines.append(f"{differing} records would change in {comparison.destination}.")
    return "\n".join(lines) + "\n"


def _markdown(comparison: Comparison, heading_level: int) -> str:
    lines = [f"{'#' * heading_level} {_title(comparison)}", ""]
    columns = _columns(comparison)
    lines.append("| kind | " + " | ".join(WORDS[c] for c in columns) + " |")
    lines.append("|---|" + "---:|" * len(columns))
    for kind, counts in comparison.summary().items():
        lines.append(f"| {kind} | " + " | ".join(str(counts.get(k, 0)) for k in columns) + " |")
    lines.append("")
    changed = [e for e in comparison.entries if e.status is not CompareStatus.EXISTS_NO_DIFFERENCES]
    if changed:
        lines += ["<details><summary>Records</summary>", "", "```diff"]
        for entry in changed:
            headline = _headline(entry)
            if entry.status is CompareStatus.EXISTS_DIFFERENCES:
                headline = f"@@ {headline.removeprefix('~ ')} @@"
            lines.append(headline)
            for change in entry.changes:
                for mark, text in diff_lines(change):
                    lines.append(f"{mark}   {text.replace('```', '~~~')}")
        lines += ["```", "", "</details>", ""]
    return "\n".join(lines) + "\n"


def _columns(comparison: Comparison) -> list[CompareStatus]:
    """The summary's columns: Ambiguous only when a record is (it happens in live mode only)."""
    ambiguous = any(e.status is CompareStatus.AMBIGUOUS for e in comparison.entries)
    return [s for s in WORDS if ambiguous or s is not CompareStatus.AMBIGUOUS]


def _headline(entry: CompareEntry) -> str:
    note = f" ({entry.note})" if entry.note else ""
    return f"{SYMBOL[entry.status]} {entry.kind}/{entry.id}: {WORDS[entry.status]}{note}"
