"""Golden renders of the seed scenario's plans in text, markdown and JSON.

Three moments of the seed story: the first plan of dev (everything to create), dev after an apply
and some drift (every status and action at once), and qa before its people are mapped (Being
Prepared). Volatile values are replaced by placeholders; ``UPDATE_GOLDEN=1`` rewrites the files.
"""

from __future__ import annotations

import pytest
from plan_apply_helpers import (
    check_golden,
    copy_seed,
    hand_create,
    load_people,
    normalise_json,
    normalise_text,
    seed_people,
)

FORMATS = {"text": "txt", "markdown": "md", "json": "json"}


def first_plan(repo, cli):
    load_people(repo.root, seed_people("wdc-people"))
    return "dev"


def drifted(repo, cli):
    """After the first apply: YAML edits, a removal by policy, a holiday that left the YAML (it
    cannot be removed), hand-made records."""
    load_people(repo.root, seed_people("wdc-people"))
    repo.write(
        "environments/dev/teams/release-managers.yaml",
        """
        kind: team
        id: release-managers
        name: Release Managers
        """,
    )
    assert cli("apply", "dev", "--auto-approve").code == 0
    (repo.root / "environments/dev/teams/release-managers.yaml").unlink()
    folder = repo.root / "environments/dev"
    env_file = folder / "environment.yaml"
    env_file.write_text(
        env_file.read_text().replace("only_in_account: keep", "only_in_account: disable")
    )
    board = folder / "agile_boards/expense-reporting.yaml"
    board.write_text(board.read_text().replace("wip_limit: 5", "wip_limit: 8"))
    calendar = folder / "calendars/app-dev-office-hours.yaml"
    calendar.write_text(
        calendar.read_text()
        .replace("  - new-years-day-2027\n", "  - easter-mon-2027\n")
        .replace(
            'fri, time_from: "08:00", time_until: "16:00"',
            'fri, time_from: "08:00", time_until: "15:00"',
        )
    )
    (folder / "holidays/new-years-day-2027.yaml").unlink()
    repo.write(
        "environments/dev/holidays/easter-mon-2027.yaml",
        """
        kind: holiday
        id: easter-mon-2027
        name: Easter Monday
        start_at: 2027-03-29
        end_at: 2027-03-29
        """,
    )
    repo.write(
        "environments/dev/ui_extensions/expense-fields.yaml",
        """
        kind: ui_extension
        id: expense-fields
        name: Expense fields
        category: request_template
        title: Expense details
        html: <div id="expense"></div>
        """,
    )
    hand_create(
        repo.root, "ui_extension", {"name": "Expense fields", "category": "request_template"}
    )
    hand_create(repo.root, "team", {"name": "Service Desk", "remarks": "Made by hand"})
    return "dev"


def qa_being_prepared(repo, cli):
    load_people(repo.root, seed_people("widget-europe-people"), env="qa")
    return "qa"


SCENARIOS = {
    "seed-dev-first": first_plan,
    "seed-dev-drift": drifted,
    "seed-qa-being-prepared": qa_being_prepared,
}


@pytest.fixture(params=sorted(SCENARIOS))
def scenario(request, repo, cli):
    copy_seed(repo.root)
    environment = SCENARIOS[request.param](repo, cli)
    return request.param, environment


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_the_seed_scenario_renders_as_the_golden_file(scenario, cli, fmt):
    name, environment = scenario

    result = cli("plan", environment, "--format", fmt)

    assert result.code == 0, result.err
    normalise = normalise_json if fmt == "json" else normalise_text
    check_golden(f"plan-{name}.{FORMATS[fmt]}", normalise(result.out))


def test_the_drift_scenario_has_every_action_and_summary_key(repo, cli):
    import json

    copy_seed(repo.root)
    drifted(repo, cli)

    plan = json.loads(cli("plan", "dev", "--format", "json").out)

    actions = {change["action"] for change in plan["changes"]}
    assert actions == {"none", "create", "update", "adopt", "disable"}
    keys = {key for counts in plan["summary"].values() for key in counts}
    assert keys == {
        "exists_no_differences",
        "exists_differences",
        "doesnt_exist",
        "only_in_account_managed",
        "only_in_account_unmanaged",
    }
