"""The pull-request comment: status line, summary, removals and adoptions first, a size budget."""

from __future__ import annotations

import json
import re

from plan_apply_helpers import environment, live, plan_of, record

from syncset.render import Format, render_plan
from syncset.render.markdown import MAX_CHARS

LONG = "Remarks long enough that a few hundred records make a very long comment. " * 3


def calendars(count: int):
    return [
        record("team", f"team-{n:04d}", name=f"Team {n:04d}", remarks=LONG) for n in range(count)
    ]


def test_a_small_plan_lists_removals_and_adoptions_before_the_details():
    env = environment(
        record("team", "dev", name="Dev"),
        record("team", "new", name="New"),
        policy="disable",
    )
    plan = plan_of(
        env, live("team", "SBX-1", name="Dev"), live("team", "SBX-2", owner="gone", name="Gone")
    )

    markdown = render_plan(plan, Format.MARKDOWN)

    assert markdown.startswith("### syncset plan: `dev`\n\n✅ **Prepared**: ready to apply\n")
    removals = markdown.index("**Removals and adoptions**")
    assert removals < markdown.index("<details>")
    assert "- adopt `team/dev`: exists without the ownership marker" in markdown
    assert "- disable `team/gone`: managed, no longer in YAML" in markdown
    assert "<details><summary>team: 3 to change</summary>" in markdown
    assert markdown.rstrip().endswith(
        "**Plan**: 1 to create, 0 to update, 1 to adopt, 1 to disable or delete. API calls: 0."
    )


def test_a_plan_without_changes_says_the_account_matches():
    plan = plan_of(
        environment(record("team", "dev", name="Dev")),
        live("team", "SBX-1", owner="dev", name="Dev"),
    )

    markdown = render_plan(plan, Format.MARKDOWN)

    assert "✅ **Prepared**: no changes, the account matches" in markdown
    assert "<details>" not in markdown
    assert "**Plan**: no changes." in markdown


def test_a_huge_plan_stays_under_the_budget_and_says_what_was_left_out():
    plan = plan_of(environment(*calendars(600)))
    unbounded = sum(len(json.dumps(c.model_dump(mode="json"))) for c in plan.changes)
    assert unbounded > 2 * MAX_CHARS

    markdown = render_plan(plan, Format.MARKDOWN)

    assert len(markdown) <= MAX_CHARS
    left_out = re.search(r"⚠️ (\d+) changed records were left out", markdown)
    assert left_out is not None
    shown = markdown.count("\n+ team/team-")
    assert shown > 0
    assert shown + int(left_out.group(1)) == 600
    assert "`syncset plan --out plan.json`" in markdown
    assert markdown.count("<details>") == markdown.count("</details>")
    assert markdown.count("```diff") == markdown.count("```\n\n</details>")


def test_a_record_is_never_cut_in_the_middle():
    markdown = render_plan(plan_of(environment(*calendars(600))), Format.MARKDOWN)

    blocks = markdown.split("\n+ team/team-")[1:]
    assert all("+   remarks:" in block for block in blocks)


def test_a_plan_with_thousands_of_adoptions_stays_under_the_budget():
    records = calendars(800)
    account = [live("team", f"SBX-{n}", name=r.fields["name"]) for n, r in enumerate(records)]

    markdown = render_plan(plan_of(environment(*records), *account), Format.MARKDOWN)

    assert len(markdown) <= MAX_CHARS
    assert re.search(r"- … \d+ more removals and adoptions: see the JSON plan", markdown)
    assert "changed records were left out" in markdown


def test_a_plan_with_thousands_of_unmapped_people_stays_under_the_budget():
    teams = [
        record("team", f"team-{n:04d}", name=f"Team {n:04d}", manager=f"person{n:04d}@wdc.example")
        for n in range(1500)
    ]

    plan = plan_of(environment(*teams))
    markdown = render_plan(plan, Format.MARKDOWN)

    assert len(plan.unmapped) == 1500
    assert len(markdown) <= MAX_CHARS
    assert "⏳ **Being Prepared**: 1500 references to map before apply" in markdown
    assert re.search(r"\d+ more references: see the JSON plan", markdown)
