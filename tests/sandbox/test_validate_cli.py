"""``syncset validate`` as a user runs it: the summary, exit codes and what is printed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import CliRunner, Repo


TEAM = "environments/dev/teams/application-development.yaml"
GOOD_TEAM = "kind: team\nid: application-development\nname: Application Development\n"


def table_rows(out: str) -> dict[str, list[str]]:
    """Rows of rich's summary table by first cell, whatever the box characters are."""
    rows: dict[str, list[str]] = {}
    for line in out.splitlines():
        cells = [c.strip() for c in line.replace("┃", "│").split("│") if c.strip()]
        if len(cells) > 1:
            rows[cells[0]] = cells[1:]
    return rows


def test_success_prints_records_per_kind_per_environment(repo: Repo, cli: CliRunner) -> None:
    repo.add_environment("qa")
    repo.write(TEAM, GOOD_TEAM)
    repo.write("environments/dev/calendars/office.yaml", "kind: calendar\nid: o\nname: O\n")
    repo.write("environments/qa/teams/application-development.yaml", GOOD_TEAM)

    result = cli("validate")

    assert result.code == 0
    assert result.err == ""
    rows = table_rows(result.out)
    assert rows["kind"] == ["dev", "qa"]
    assert rows["calendar"] == ["1", "0"]
    assert rows["team"] == ["1", "1"]
    assert rows["total"] == ["2", "1"]


def test_named_environments_only_are_validated(repo: Repo, cli: CliRunner) -> None:
    repo.add_environment("qa")
    repo.write("environments/qa/broken.yaml", "kind: nonsense\n")
    repo.write(TEAM, GOOD_TEAM)

    result = cli("validate", "dev")

    assert result.code == 0
    assert table_rows(result.out)["kind"] == ["dev"]


def test_problems_of_every_environment_are_reported_together(repo: Repo, cli: CliRunner) -> None:
    repo.add_environment("qa")
    repo.write("environments/dev/a.yaml", "kind: team\nid: a\nname: A\nmanager: x\n")
    repo.write("environments/qa/b.yaml", "kind: tema\nid: b\n")

    result = cli("validate")

    assert result.code == 1
    assert result.out == ""
    assert result.err.splitlines() == [
        "error: environments/dev/a.yaml:4:10: team/a: manager: 'x' is not an e-mail address "
        "(expected name@domain.example)",
        "environments/qa/b.yaml:1:7: kind: unknown kind 'tema': did you mean 'team'?",
        "2 problems found; nothing was written.",
    ]


def test_validate_writes_nothing_even_on_success(repo: Repo, cli: CliRunner) -> None:
    repo.write(TEAM, GOOD_TEAM)
    before = repo.files()

    assert cli("validate").code == 0

    assert repo.files() == before
    assert not (repo.root / ".syncset").exists()


def test_unknown_environment_is_one_line_and_exit_1(repo: Repo, cli: CliRunner) -> None:
    result = cli("validate", "staging")

    assert result.code == 1
    assert result.err.splitlines() == [
        "error: unknown environment 'staging': no environments/staging/environment.yaml "
        "(environments: dev)"
    ]


def test_outside_a_repository_is_one_line_and_exit_1(
    tmp_path: Path, cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SYNCSET_ROOT", raising=False)
    monkeypatch.chdir(tmp_path)

    result = cli("validate")

    assert result.code == 1
    assert result.err.startswith("error: no environments/ folder here or above ")


def test_syncset_root_is_found_from_a_subfolder(
    repo: Repo, cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo.write(TEAM, GOOD_TEAM)
    monkeypatch.delenv("SYNCSET_ROOT")
    monkeypatch.chdir(repo.root / "environments" / "dev" / "teams")

    result = cli("validate")

    assert result.code == 0
    assert table_rows(result.out)["team"] == ["1"]


def test_problem_lines_are_printed_verbatim(repo: Repo, cli: CliRunner) -> None:
    # Messages hold user text and regular expressions: they must not be read as rich markup.
    repo.write(TEAM, "kind: team\nid: App_Dev\nname: A\n")
    repo.write("environments/dev/odd.yaml", "kind: '[/x]'\nid: y\n")
    expected = repo.problems()
    assert "[a-z0-9]" in expected[1]

    result = cli("validate")

    assert result.err.splitlines() == [
        f"error: {expected[0]}",
        expected[1],
        "2 problems found; nothing was written.",
    ]


def test_unknown_option_is_a_usage_error_not_a_traceback(repo: Repo, cli: CliRunner) -> None:
    result = cli("validate", "--strict")

    assert result.code == 1
    assert "No such option: --strict" in result.err


@pytest.mark.system  # it starts a process: the system layer
def test_console_script_validates_and_fails_without_traceback(repo: Repo) -> None:
    """One run of the installed ``syncset`` script, as CI and users run it."""
    script = Path(sys.executable).with_name("syncset")
    repo.write(TEAM, GOOD_TEAM)
    ok = subprocess.run(
        [str(script), "validate"], cwd=repo.root, capture_output=True, text=True, timeout=60
    )
    repo.write("environments/dev/bad.yaml", "kind: team\nid: b\nname: [\n")

    bad = subprocess.run(
        [str(script), "validate"], cwd=repo.root, capture_output=True, text=True, timeout=60
    )

    assert ok.returncode == 0, ok.stderr
    assert "team" in ok.stdout
    assert bad.returncode == 1
    assert "Traceback" not in bad.stderr
    assert bad.stderr.startswith("error: environments/dev/bad.yaml:4:1: invalid YAML: ")
    assert bad.stderr.endswith("1 problem found; nothing was written.\n")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "sync_sets:\n  scrum:\n    root: scrum_workspace\n  bad: [\n",
            "syncsets.yaml:5:1: invalid YAML",
        ),
        ("sync_sets:\n  people:\n    root: person\n", "syncsets.yaml:3:11: root 'person' is"),
        ("sync_sets:\n  x:\n    rot: team\n", "syncsets.yaml:3:"),
    ],
)
def test_a_malformed_syncsets_file_fails_validate_with_its_position(
    repo: Repo, cli: CliRunner, text: str, expected: str
) -> None:
    repo.write("syncsets.yaml", text)

    result = cli("validate")

    assert result.code == 1
    assert expected in result.err, result.err
    assert "Traceback" not in result.err
