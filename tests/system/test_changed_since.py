"""``syncset plan ENV --changed-since REF``: only records in files changed since the git ref
(committed, staged, unstaged or untracked), plus the records that reference them; a change to
environment.yaml or mappings.yaml affects every record, so it selects everything.
"""

from __future__ import annotations

import json

import pytest
from promotion_helpers import seed_repository

DEV = "environments/dev"
SCRUM = {
    "agile_board/expense-reporting",
    "calendar/app-dev-office-hours",
    "holiday/christmas-day-2026",
    "holiday/new-years-day-2027",
    "product_backlog/expense-reporting",
    "scrum_workspace/application-development",
    "team/application-development",
}


@pytest.fixture
def seed(tmp_path, monkeypatch):
    return seed_repository(tmp_path / "repo", monkeypatch)


def planned(cli, ref="HEAD", env="dev"):
    """The records a plan with --changed-since speaks about."""
    result = cli("plan", env, "--changed-since", ref, "--format", "json")
    assert result.code == 0, result.err
    plan = json.loads(result.out)
    return {f"{c['kind']}/{c['id']}" for c in plan["changes"]}, plan


def touch(seed, relative, comment="# reviewed\n"):
    with (seed.root / relative).open("a", encoding="utf-8") as handle:
        handle.write(comment)


def test_nothing_changed_selects_nothing(seed, cli):
    assert planned(cli)[0] == set()


@pytest.mark.parametrize(
    ("changed", "selected"),
    [
        pytest.param(
            "holidays/christmas-day-2026.yaml",
            {"holiday/christmas-day-2026", "calendar/app-dev-office-hours"},
            id="holiday: and the calendar that lists it",
        ),
        pytest.param(
            "calendars/app-dev-office-hours.yaml",
            {"calendar/app-dev-office-hours", "team/application-development"},
            id="calendar: and the team whose work hours it is",
        ),
        pytest.param(
            "teams/application-development.yaml",
            {
                "team/application-development",
                "scrum_workspace/application-development",
                "agile_board/expense-reporting",
            },
            id="team: and the workspace and the board whose column names it",
        ),
    ],
)
def test_a_changed_file_selects_its_records_and_those_that_reference_them(
    seed, cli, changed, selected
):
    touch(seed, f"{DEV}/{changed}")

    assert planned(cli)[0] == selected


def test_committed_staged_and_untracked_changes_all_count(seed, cli):
    base = seed.repo.head.commit.hexsha
    touch(seed, f"{DEV}/holidays/christmas-day-2026.yaml")
    seed.commit("Christmas reviewed")
    touch(seed, f"{DEV}/product_backlogs/expense-reporting.yaml")
    seed.repo.git.add(f"{DEV}/product_backlogs/expense-reporting.yaml")
    seed.write(
        f"{DEV}/holidays/kings-day-2027.yaml",
        "kind: holiday\nid: kings-day-2027\nname: King's Day\n"
        "start_at: 2027-04-27\nend_at: 2027-04-27\n",
    )

    selected, _ = planned(cli, base)

    assert selected == {
        "holiday/christmas-day-2026",
        "calendar/app-dev-office-hours",
        "product_backlog/expense-reporting",
        "scrum_workspace/application-development",
        "holiday/kings-day-2027",
    }
    assert planned(cli, "HEAD")[0] == selected - {"holiday/christmas-day-2026"} - {
        "calendar/app-dev-office-hours"
    }


@pytest.mark.parametrize("name", ["environment.yaml", "mappings.yaml"])
def test_a_change_to_the_environments_settings_selects_everything(seed, cli, name):
    touch(seed, f"{DEV}/{name}")

    assert planned(cli)[0] == SCRUM


def test_changes_in_another_environment_select_nothing_here(seed, cli):
    touch(seed, "environments/qa/mappings.yaml")
    touch(seed, "environments/qa/environment.yaml")

    assert planned(cli)[0] == set()


def test_references_to_map_are_those_of_the_selected_records(seed, cli):
    touch(seed, f"{DEV}/holidays/christmas-day-2026.yaml")
    assert planned(cli)[1]["mappings"] == []

    touch(seed, f"{DEV}/product_backlogs/expense-reporting.yaml")
    plan = planned(cli)[1]

    assert [m["value"] for m in plan["mappings"]] == ["rodney.wilson@wdc.example"]


def test_an_unknown_ref_is_an_error(seed, cli):
    result = cli("plan", "dev", "--changed-since", "no-such-branch")

    assert result.code == 1
    assert "unknown git ref 'no-such-branch'" in result.err


def test_outside_a_git_repository_it_is_an_error(repo, cli):
    result = cli("plan", "dev", "--changed-since", "HEAD")

    assert result.code == 1
    assert "is not a git repository: --changed-since needs git" in result.err


@pytest.fixture
def applied_with_disable(seed, cli):
    """dev applied with policy disable, plus a team nobody references, all committed."""
    settings = seed.read(f"{DEV}/environment.yaml")
    seed.write(f"{DEV}/environment.yaml", settings.replace("keep", "disable"))
    seed.write(
        f"{DEV}/teams/release-managers.yaml",
        "kind: team\nid: release-managers\nname: Release Managers\n",
    )
    seed.commit("dev disables what leaves the YAML; Release Managers")
    assert cli("sandbox", "load", "dev", "docs/demo/wdc-people.yaml").code == 0
    assert cli("apply", "dev", "--auto-approve").code == 0
    (seed.root / DEV / "teams/release-managers.yaml").unlink()
    return seed


def test_without_changed_since_a_deleted_records_disable_is_planned(applied_with_disable, cli):
    plan = json.loads(cli("plan", "dev", "--format", "json").out)

    assert [
        (c["kind"], c["id"], c["action"]) for c in plan["changes"] if c["action"] != "none"
    ] == [("team", "release-managers", "disable")]


def test_a_record_whose_file_was_deleted_is_in_the_plan(applied_with_disable, cli):
    selected, plan = planned(cli)

    assert "team/release-managers" in selected
    assert [
        (c["kind"], c["id"], c["action"]) for c in plan["changes"] if c["action"] != "none"
    ] == [("team", "release-managers", "disable")]
