"""Renderers sit at the edge: the CLI picks one format once; the engine never asks which.

Each renderer reads a :class:`syncset.plan.model.Plan` (or the JSON model of it) and returns text;
none of them can see a secret, because the plan never holds one.
"""

from __future__ import annotations

from enum import StrEnum

from syncset.plan.model import Plan


class Format(StrEnum):
    TEXT = "text"
    MARKDOWN = "markdown"
    JSON = "json"


def render_plan(plan: Plan, fmt: Format, *, color: bool = False, width: int = 100) -> str:
    if fmt is Format.JSON:
        return plan.to_json()
    if fmt is Format.MARKDOWN:
        from syncset.render.markdown import plan_markdown

        return plan_markdown(plan)
    from syncset.render.text import plan_text

    return plan_text(plan, color=color, width=width)
