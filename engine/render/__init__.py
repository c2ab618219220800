"""Renderers sit at the edge: the CLI picks one format once; the engine never asks which.

Each renderer reads a :class:`syncset.plan.model.Plan` (or the JSON model of it) and returns text;
none of them should see a secret, because the plan holds none (secret paths are ``sensitive``),
and what they return passes the secret masker all the same (a record's name, an unmapped
reference value).
"""

from __future__ import annotations

from syncset.formats import Format as Format  # re-exported: the CLI and renderers name it here
from syncset.plan.model import Plan
from syncset.secrets import SECRETS


def render_plan(plan: Plan, fmt: Format, *, color: bool = False, width: int = 100) -> str:
    if fmt is Format.JSON:
        return plan.to_json()
    if fmt is Format.MARKDOWN:
        from syncset.render.markdown import plan_markdown

        return SECRETS.mask(plan_markdown(plan))
    from syncset.render.text import plan_text

    return SECRETS.mask(plan_text(plan, color=color, width=width))
