"""Every YAML that syncset parses has its nesting bounded, whatever quotes a file uses.

The C parser recurses on the C stack: ~50,000 nested collections crash the process (SIGSEGV)
instead of raising. The bound must hold for flow and block styles alike and must not be fooled
by an apostrophe in a plain scalar (``it's``), which an earlier guard took for a quote.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from syncset.config.syncsets import load_syncsets
from syncset.config.yamlio import (
    MAX_DEPTH,
    Locator,
    YamlFileError,
    check_depth,
    round_trip_documents,
)
from syncset.errors import ConfigError, PlanFileError
from syncset.plan.model import load_plan

CALENDAR = "environments/dev/calendars/deep.yaml"
DEEP = 50_000
TOO_DEEP = f"YAML nested more than {MAX_DEPTH} levels deep: flatten the document"


def run_script(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).with_name("syncset")
    return subprocess.run(
        [str(script), *args], cwd=root, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    ("body", "line", "col"),
    [
        ("name: it's deep\ndescription: " + "[" * DEEP, 4, 513),
        ("name: it's deep\ndescription: " + "{a: " * DEEP, 4, 2010),
        ('name: "a \\" b"\ndescription: ' + "[" * DEEP, 4, 513),
        ("name: deep\ndescription:\n  " + "? " * DEEP + "x", 5, 1001),
        ("name: deep\ndescription:\n  " + "- " * DEEP + "x", 5, 1001),
    ],
    ids=["apostrophe-then-brackets", "apostrophe-then-braces", "escaped-quote", "keys", "dashes"],
)
def test_an_apostrophe_earlier_in_the_file_does_not_turn_the_nesting_guard_off(
    repo, body, line, col
):
    repo.write(CALENDAR, f"kind: calendar\nid: deep\n{body}\n")

    result = run_script(repo.root, "validate", "dev")

    assert result.returncode == 1, result.stderr
    assert result.stderr.splitlines()[0] == f"error: {CALENDAR}:{line}:{col}: {TOO_DEEP}"


def test_syncsets_yaml_nested_past_the_limit_is_a_problem_not_a_crash(repo):
    repo.write("syncsets.yaml", "# it's ours\nversion: 1\nsync_sets: " + "[" * DEEP + "\n")

    with pytest.raises(ConfigError) as caught:
        load_syncsets(repo.root)

    assert str(caught.value.problems[0]) == f"syncsets.yaml:3:511: {TOO_DEEP}"


def test_the_round_trip_reader_of_snapshot_and_map_is_bounded_too():
    text = "# it's mine\nreferences: " + "[" * DEEP + "\n"

    with pytest.raises(YamlFileError) as caught:
        round_trip_documents(text, "environments/dev/mappings.yaml")

    assert caught.value.problem.message == TOO_DEEP


def test_the_locator_finds_no_position_in_a_too_deep_file_instead_of_crashing(tmp_path):
    (tmp_path / "deep.yaml").write_text("a: it's\nb: " + "{c: " * DEEP + "\n")

    assert Locator(tmp_path).position("deep.yaml", 0, ("b",)) == (1, 1)


@pytest.mark.parametrize("depth", [MAX_DEPTH - 1, MAX_DEPTH])
def test_nesting_up_to_the_limit_is_read(depth):
    # The document's root collection is level 1, the flow sequences below it the rest.
    text = "a: " + "[" * (depth - 1) + "]" * (depth - 1) + "\n"

    check_depth(text, "x.yaml")


def test_nesting_one_past_the_limit_is_refused_at_the_collection_that_passes_it():
    text = "a: " + "[" * MAX_DEPTH + "]" * MAX_DEPTH + "\n"

    with pytest.raises(YamlFileError) as caught:
        check_depth(text, "x.yaml")

    assert str(caught.value.problem) == f"x.yaml:1:{3 + MAX_DEPTH}: {TOO_DEEP}"


def test_many_brackets_that_are_not_nested_are_measured_not_refused(repo):
    hours = "".join(
        f'  - {{weekday: mon, time_from: "{h:02d}:00", time_until: "{h:02d}:30"}}\n'
        for h in range(1, 23)
    )
    texts = [f"kind: calendar\nid: c{n}\nname: 'C{n} {'[' * 600}'\n" for n in range(20)]
    repo.write(CALENDAR, "---\n".join(t + "hours:\n" + hours for t in texts))

    assert len(repo.validate().records) == 20


def test_a_plan_file_nested_past_the_json_limit_is_a_clear_error(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)

    with pytest.raises(PlanFileError, match="not a plan file \\(JSON nested too deeply\\)"):
        load_plan(path)


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r", "\x85"], ids=["lf", "crlf", "cr", "nel"])
def test_block_nesting_by_indentation_is_bounded_whatever_the_line_breaks(newline):
    text = newline.join(" " * n + f"k{n}:" for n in range(MAX_DEPTH + 50)) + " x" + newline

    with pytest.raises(YamlFileError) as caught:
        check_depth(text, "x.yaml")

    assert str(caught.value.problem) == f"x.yaml:501:501: {TOO_DEEP}"
