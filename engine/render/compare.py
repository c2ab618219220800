"""Views of a comparison between two environments, in the seeds' status words."""

from __future__ import annotations

import json

from syncset.promotion.compare import Comparison
from syncset.render import Format
from syncset.render.values import change_line

WORDS = {
    "exists_no_differences": "Exists - no differences",
    "exists_differences": "Exists - differences",
    "doesnt_exist": "Doesn't exist",
    "only_in_destination": "Only in destination",
}
SYMBOL = {"exists_differences": "~", "doesnt_exist": "+", "only_in_destination": "?"}


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
    header = f"  {'kind':<18}" + "".join(f"{w:>26}" for w in WORDS.values())
    lines.append(header)
    for kind, counts in comparison.summary().items():
        lines.append(f"  {kind:<18}" + "".join(f"{counts.get(k, 0) or '-':>26}" for k in WORDS))
    lines.append("")
    for entry in comparison.entries:
        if entry.status == "exists_no_differences":
            continue
        lines.append(f"{SYMBOL[entry.status]} {entry.kind}/{entry.id}: {WORDS[entry.status]}")
        for change in entry.changes:
            mark, text = change_line(change)
            lines.append(f"    {mark} {text}")
    differing = len(comparison.differing())
    lines.append(f"{differing} records would change in {comparison.destination}.")
    return "\n".join(lines) + "\n"


def _markdown(comparison: Comparison, heading_level: int) -> str:
    lines = [f"{'#' * heading_level} {_title(comparison)}", ""]
    lines.append("| kind | " + " | ".join(WORDS.values()) + " |")
    lines.append("|---|" + "---:|" * len(WORDS))
    for kind, counts in comparison.summary().items():
        lines.append(f"| {kind} | " + " | ".join(str(counts.get(k, 0)) for k in WORDS) + " |")
    lines.append("")
    changed = [e for e in comparison.entries if e.status != "exists_no_differences"]
    if changed:
        lines += ["<details><summary>Records</summary>", "", "```diff"]
        for entry in changed:
            lines.append(f"{SYMBOL[entry.status]} {entry.kind}/{entry.id}: {WORDS[entry.status]}")
            for change in entry.changes:
                mark, text = change_line(change)
                lines.append(f"{mark}   {text.replace('```', '~~~')}")
        lines += ["```", "", "</details>", ""]
    return "\n".join(lines) + "\n"
