"""The terminal view: summary table first, Terraform-like symbols, colour only on a terminal."""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess

import pytest
from plan_apply_helpers import SYNCSET, environment, live, plan_of, record, syncset_environ

from syncset.render import Format, render_plan

ANSI = "\x1b["


def mixed_plan():
    env = environment(
        record("team", "created", name="Created"),
        record("team", "updated", name="Updated", remarks="new"),
        record("team", "adopted", name="Adopted"),
        record("flow", "kept", name="Kept"),
        policy="delete",
    )
    return plan_of(
        env,
        live("team", "SBX-1", owner="updated", name="Updated", remarks="old"),
        live("team", "SBX-2", name="Adopted"),
        live("team", "SBX-3", owner="gone", name="Gone"),
        live("flow", "SBX-4", owner="kept", name="Kept"),
        live("flow", "SBX-5", owner="deleted", name="Deleted"),
    )


def test_the_summary_table_comes_first_then_each_record_riskiest_first_with_its_symbol():
    text = render_plan(mixed_plan(), Format.TEXT)
    lines = text.splitlines()

    assert lines[0] == "Plan for dev (inline account): Prepared"
    symbols = ("+ ", "~ ", "& ", "- ")
    first_record = next(i for i, line in enumerate(lines) if line[:2] in symbols)
    table_rows = [i for i, line in enumerate(lines) if line.split()[:1] in (["flow"], ["team"])]
    assert len(table_rows) == 2 and max(table_rows) < first_record
    assert lines[table_rows[0]].split() == ["flow", "1", "-", "-", "1", "-"]
    order = [line.split()[1] for line in lines if line[:2] in symbols]
    assert order == [
        "flow/deleted",
        "team/gone",
        "team/adopted",
        "team/updated",
        "team/created",
    ]
    assert "& team/adopted  adopt" in text
    assert "+ team/created  create" in text
    assert "~ team/updated  update" in text
    assert '    ~ remarks: "old" → "new"' in text
    assert "- flow/deleted  delete" in text
    assert "- team/gone  disable" in text
    assert lines[-1].startswith(
        "Plan: 1 to create, 1 to update, 1 to adopt, 2 to disable or delete."
    )


def test_colour_is_used_only_when_asked_for():
    plan = mixed_plan()

    assert ANSI not in render_plan(plan, Format.TEXT)
    coloured = render_plan(plan, Format.TEXT, color=True)
    assert ANSI in coloured
    assert "\x1b[1;32m+ team/created" in coloured  # green, bold


def run_in_terminal(root, *args, extra_env=None) -> str:
    """Run syncset with a pseudo-terminal as stdout; returns what it printed."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [str(SYNCSET), *args],
        cwd=root,
        env=syncset_environ(root, {"TERM": "xterm-256color", **(extra_env or {})}),
        stdin=subprocess.DEVNULL,
        stdout=follower,
        stderr=subprocess.PIPE,
    )
    os.close(follower)
    output = b""
    while True:
        ready, _, _ = select.select([leader], [], [], 30)
        if not ready:
            break
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
    process.wait(timeout=30)
    os.close(leader)
    return output.decode()


@pytest.mark.system  # it starts a process: the system layer
def test_the_plan_command_is_coloured_on_a_terminal_unless_no_color_is_set(repo):
    repo.write("environments/dev/team.yaml", "kind: team\nid: dev\nname: Dev\n")

    coloured = run_in_terminal(repo.root, "plan", "dev")
    plain = run_in_terminal(repo.root, "plan", "dev", extra_env={"NO_COLOR": "1"})

    assert "+ team/dev" in coloured and ANSI in coloured
    assert "+ team/dev" in plain and ANSI not in plain


def test_the_plan_command_is_not_coloured_when_piped(repo, cli):
    repo.write("environments/dev/team.yaml", "kind: team\nid: dev\nname: Dev\n")

    result = cli("plan", "dev")

    assert "+ team/dev" in result.out
    assert ANSI not in result.out


def test_text_and_markdown_list_the_changes_in_one_order_riskiest_first():
    plan = mixed_plan()

    def order(text: str, pattern: str) -> list[str]:
        return re.findall(pattern, text, flags=re.MULTILINE)

    text = order(render_plan(plan, Format.TEXT), r"^[-+~&] (\S+)  ")
    markdown = order(render_plan(plan, Format.MARKDOWN), r"^(?:[-+] |@@ )([a-z_]+/[a-z]+): ")
    assert (
        text
        == markdown
        == [
            "flow/deleted",
            "team/gone",
            "team/adopted",
            "team/updated",
            "team/created",
        ]
    )


def test_a_rename_reads_as_one_in_text_and_markdown():
    plan = plan_of(
        environment(record("team", "ops", name="Operations")),
        live("team", "SBX-1", owner="ops", name="Ops"),
    )

    text = render_plan(plan, Format.TEXT)
    markdown = render_plan(plan, Format.MARKDOWN)

    assert "~ team/ops  update (renamed)" in text
    assert "@@ team/ops: update (renamed) @@\n" in markdown
    assert '-   name: "Ops"\n+   name: "Operations"\n' in markdown


def test_a_value_that_looks_like_an_emoji_code_is_shown_as_written(repo, cli):
    repo.write(
        "environments/dev/team.yaml",
        'kind: team\nid: dev\nname: Dev\nremarks: "Deploy :rocket: at 10:x: ok"\n',
    )

    result = cli("plan", "dev")

    assert result.code == 0, result.err
    assert "Deploy :rocket: at 10:x: ok" in result.out
    assert "🚀" not in result.out
