"""Bad input: every error class of issue 2 gets one clear line at ``path:line:col``, exit 1.

Each case is run through the command line, because "one line, exit 1, no traceback, nothing
written" is a promise of the command, not of the engine.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import CliRunner, Repo


TEAM = "environments/dev/teams/application-development.yaml"

BILLION_LAUGHS = """\
kind: team
id: application-development
name: Application Development
a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
"""

# (case, file content, expected "path:line:col[: subject: field]" prefix, words of the message)
CASES = [
    (
        "malformed-yaml",
        b"kind: team\nid: application-development\nname: Application: Development\n",
        f"{TEAM}:3:18",
        "invalid YAML: mapping values are not allowed",
    ),
    (
        "unquoted-time-in-flow-map",
        b"kind: team\nid: a\nname: A\nx: {time_from: 08:00}\n",
        f"{TEAM}:4:18",
        "found unexpected ':': a value with ':' in a flow map must be quoted: write '08:00'",
    ),
    (
        "tab-indented",
        b"kind: team\nid: a\nname: A\nmembers:\n\t- frank.watson@wdc.example\n",
        f"{TEAM}:5:1",
        "tab character used for indentation: YAML indents with spaces only",
    ),
    (
        "duplicate-key",
        b"kind: team\nid: application-development\nname: A\nname: B\n",
        f"{TEAM}:4:1",
        'duplicate key "name": each key may appear once',
    ),
    (
        "alias-bomb",
        BILLION_LAUGHS.encode(),
        f"{TEAM}:1:1: team/application-development",
        "more than 100,000 values through YAML aliases",
    ),
    (
        "not-utf-8",
        b"kind: team\nid: application-development\nname: Caf\xe9\n",
        f"{TEAM}:3:10",
        "not UTF-8 (byte 0xe9): save the file as UTF-8",
    ),
    (
        "python-internals",
        b"kind: team\nid: application-development\nname: \"{{ ''.__class__ }}\"\n",
        f"{TEAM}:3:7: team/application-development: name",
        "template error: access to attribute '__class__' of 'str' object is unsafe",
    ),
    (
        "env-not-set",
        b"kind: team\nid: application-development\nname: '{{ env(\"SYNCSET_TEST_UNSET\") }}'\n",
        f"{TEAM}:3:7: team/application-development: name",
        "environment variable SYNCSET_TEST_UNSET is not set",
    ),
    (
        "undefined-var",
        b"kind: team\nid: application-development\nname: '{{ vars.compnay }} team'\n",
        f"{TEAM}:3:7: team/application-development: name",
        "template error: 'dict object' has no attribute 'compnay'",
    ),
]


def assert_one_clear_line(err: str, location: str, words: str) -> None:
    """stderr is exactly the problem line and the count line, with no traceback."""
    lines = err.splitlines()
    assert "Traceback" not in err
    assert len(lines) == 2, err
    assert lines[0].startswith(f"error: {location}: "), lines[0]
    assert words in lines[0]
    assert lines[1] == "1 problem found; nothing was written."


@pytest.mark.parametrize(
    ("content", "location", "words"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_bad_input_is_one_positioned_line_and_exit_1(
    repo: Repo,
    cli: CliRunner,
    monkeypatch: pytest.MonkeyPatch,
    content: bytes,
    location: str,
    words: str,
) -> None:
    monkeypatch.delenv("SYNCSET_TEST_UNSET", raising=False)
    repo.write_bytes(TEAM, content)
    before = repo.files()

    result = cli("validate")

    assert result.code == 1
    assert result.out == ""
    assert_one_clear_line(result.err, location, words)
    assert repo.files() == before
    assert not (repo.root / ".syncset").exists()


def test_file_over_the_size_limit_is_refused_without_parsing(
    repo: Repo, cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    import syncset.config.parse_pool

    parsed: list[str] = []
    real_parse = syncset.config.parse_pool.parse_documents

    def spy(text: str, shown: str) -> list[object]:
        parsed.append(shown)
        return real_parse(text, shown)

    monkeypatch.setattr(syncset.config.parse_pool, "parse_documents", spy)
    item = b"  - {weekday: mon, time_from: '08:00', time_until: '17:00'}\n"
    body = b"kind: calendar\nid: huge\nname: Huge\nhours:\n" + item * (50 * 2**20 // len(item))
    big = repo.write_bytes("environments/dev/calendars/huge.yaml", body)
    assert big.stat().st_size >= 50 * 2**20 - len(item)

    started = time.perf_counter()
    result = cli("validate")
    elapsed = time.perf_counter() - started

    assert result.code == 1
    assert_one_clear_line(
        result.err,
        "environments/dev/calendars/huge.yaml:1:1",
        "file is 52.4 MB, over the 8 MiB limit for one YAML file",
    )
    assert "environments/dev/calendars/huge.yaml" not in parsed
    assert elapsed < 5, f"refusing a 50 MB file took {elapsed:.1f}s"


def test_every_bad_file_is_reported_in_one_run(repo: Repo, cli: CliRunner) -> None:
    for name, content, _location, _words in CASES:
        repo.write_bytes(f"environments/dev/bad/{name}.yaml", content)

    result = cli("validate")

    assert result.code == 1
    lines = result.err.splitlines()
    assert lines[-1] == f"{len(CASES)} problems found; nothing was written."
    reported = sorted(line.removeprefix("error: ").split(":")[0] for line in lines[:-1])
    assert reported == sorted(f"environments/dev/bad/{case[0]}.yaml" for case in CASES)


def test_non_utf8_column_counts_characters_not_bytes(repo: Repo) -> None:
    # 'é' is two bytes in UTF-8; the bad byte 0xff is the 13th character of line 3.
    repo.write_bytes(TEAM, b'kind: team\nid: a\nname: "caf\xc3\xa9 \xff"\n')

    (problem,) = repo.problems()

    assert problem == f"{TEAM}:3:13: not UTF-8 (byte 0xff): save the file as UTF-8"


TOO_DEEP = "YAML nested more than 500 levels deep: flatten the document"


def test_deep_flow_nesting_is_refused_before_parsing(repo: Repo) -> None:
    nested = "[" * 3000 + "]" * 3000
    repo.write(TEAM, f"kind: team\nid: a\nname: A\nremarks: {nested}\n")

    # The root mapping is level 1: the 500th "[" (column 509) is level 501.
    assert repo.problems() == [f"{TEAM}:4:509: {TOO_DEEP}"]


def test_brackets_inside_quoted_strings_do_not_count_as_nesting(repo: Repo) -> None:
    repo.write(TEAM, f"kind: team\nid: a\nname: A\nremarks: '{'[' * 600}'\n")

    assert repo.validate().records[("team", "a")].fields["remarks"] == "[" * 600


def run_script(repo: Repo) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).with_name("syncset")
    return subprocess.run(
        [str(script), "validate"], cwd=repo.root, capture_output=True, text=True, timeout=60
    )


@pytest.mark.system  # it starts a process: the system layer
def test_pathological_flow_nesting_does_not_crash_the_process(repo: Repo) -> None:
    nested = "[" * 60_000 + "]" * 60_000
    repo.write(TEAM, f"kind: team\nid: a\nname: A\nremarks: {nested}\n")

    result = run_script(repo)

    assert result.returncode == 1
    assert result.stderr.splitlines()[0] == f"error: {TEAM}:4:509: {TOO_DEEP}"


def test_deep_block_nesting_is_refused_before_parsing(repo: Repo) -> None:
    repo.write(TEAM, "kind: team\nid: a\nname: A\nremarks:\n  " + "- " * 1500 + "x\n")

    assert repo.problems() == [f"{TEAM}:5:1001: {TOO_DEEP}"]


def test_block_nesting_under_the_limit_is_a_problem_not_a_traceback(repo: Repo) -> None:
    # Deeper than the round-trip loader that finds positions can go: the problem is pinned to
    # 1:1. Whether it says "nested too deeply" or "not a string" depends on the stack left.
    repo.write(TEAM, "kind: team\nid: a\nname: A\nremarks:\n  " + "- " * 490 + "x\n")

    (problem,) = repo.problems()

    assert problem.startswith(f"{TEAM}:1:1: team/a: ")


@pytest.mark.system  # it starts a process: the system layer
def test_pathological_block_nesting_does_not_crash_the_process(repo: Repo) -> None:
    repo.write(TEAM, "kind: team\nid: a\nname: A\nremarks:\n  " + "- " * 60_000 + "x\n")

    result = run_script(repo)

    assert result.returncode == 1
    assert result.stderr.splitlines()[0] == f"error: {TEAM}:5:1001: {TOO_DEEP}"


def test_a_bad_environment_yaml_gives_correct_records_no_template_error(repo: Repo) -> None:
    repo.add_environment(
        "dev", extra="vars: {company: ACME}\npolicies: {only_in_account: nosuch}\n"
    )
    repo.write("environments/dev/team.yaml", 'kind: team\nid: t\nname: "{{ vars.company }}"\n')

    problems = repo.problems()

    assert len(problems) == 1, problems
    assert problems[0].startswith("environments/dev/environment.yaml:")
    assert "only_in_account" in problems[0]


def test_an_unreadable_environment_yaml_gives_records_no_template_error(repo: Repo) -> None:
    repo.add_environment("dev", extra="vars:\n  company: ACME\n\tbad: tab\n")
    repo.write("environments/dev/team.yaml", 'kind: team\nid: t\nname: "{{ vars.company }}"\n')
    repo.write("environments/dev/other.yaml", "kind: team\nid: o\n")  # its own problem stays

    problems = repo.problems()

    assert len(problems) == 2, problems
    assert problems[0].startswith("environments/dev/environment.yaml:")
    assert problems[1].startswith("environments/dev/other.yaml:")
