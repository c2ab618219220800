"""``syncset promote SRC DST``: records carried to the next environment as a git branch + commit.

Every refusal must leave the repository exactly as it was: the same ``git status``, branches,
HEAD, index and file bytes. A promotion copies files unchanged, keeps files only DST has, and
writes one commit on ``promote/SRC-to-DST/<yyyymmdd-hhmmss>`` (or none with ``--no-commit``).
"""

from __future__ import annotations

import re
import stat
from datetime import UTC, datetime

import pytest
from promotion_helpers import (
    ANDER,
    BRANCH_PATTERN,
    FRANK,
    FRANK_EUROPE,
    RODNEY,
    SCRUM_FILES,
    init_repository,
    seed_repository,
)

from syncset.promotion.promote import promote

QA_TEAM = "environments/qa/teams/application-development.yaml"
DEV_TEAM = "environments/dev/teams/application-development.yaml"


@pytest.fixture
def seed(tmp_path, monkeypatch):
    """The checkout's examples (dev holds the scrum workspace; qa and prod are empty) in git."""
    return seed_repository(tmp_path / "repo", monkeypatch)


@pytest.fixture
def promoted(seed, cli):
    """dev's scrum set promoted to qa and merged: both folders hold the same records."""
    result = cli("promote", "dev", "qa", "--sync-set", "scrum")
    assert result.code == 0, result.err
    branch = seed.repo.active_branch.name
    seed.merge(branch)
    seed.repo.delete_head(branch)
    return seed


def refused(seed, cli, *args):
    """Run a promote that must be refused; prove that nothing changed; return stderr."""
    before = seed.state()
    result = cli("promote", *args)
    assert result.code == 1, result.out
    assert seed.state() == before
    return result.err


# -- refusals leave the repository untouched --------------------------------------------------


@pytest.mark.parametrize(
    "change",
    ["modified", "untracked", "staged"],
)
def test_refuses_when_the_destination_folder_has_uncommitted_changes(seed, cli, change):
    if change == "untracked":
        seed.write("environments/qa/teams/draft.yaml", "kind: team\nid: draft\nname: Draft\n")
    else:
        with (seed.root / "environments/qa/mappings.yaml").open("a", encoding="utf-8") as f:
            f.write("# work in progress\n")
        if change == "staged":
            seed.repo.git.add("environments/qa/mappings.yaml")

    err = refused(seed, cli, "dev", "qa", "--sync-set", "scrum")

    assert "environments/qa has uncommitted changes; commit or stash them first" in err


def test_uncommitted_changes_outside_the_destination_do_not_block(seed, cli):
    with (seed.root / "environments/prod/mappings.yaml").open("a", encoding="utf-8") as f:
        f.write("# prod work in progress\n")

    result = cli("promote", "dev", "qa", "--sync-set", "scrum")

    assert result.code == 0, result.err
    assert seed.status() == " M environments/prod/mappings.yaml"


def test_refuses_a_destination_that_does_not_promote_from_the_source(seed, cli):
    err = refused(seed, cli, "dev", "prod", "--sync-set", "scrum")

    assert "prod promotes from qa, not dev: set promotes_from: dev" in err


def test_refuses_a_destination_that_promotes_from_nothing(seed, cli):
    err = refused(seed, cli, "qa", "dev")

    assert "dev promotes from nothing, not qa" in err


def test_refuses_a_copy_that_would_not_validate_and_restores_every_byte(seed, cli):
    seed.write(
        "environments/dev/extra.yaml",
        """
        kind: holiday
        id: kings-day
        name: King's Day
        start_at: 2027-04-27
        end_at: 2027-04-27
        ---
        kind: team
        id: ops
        name: Ops
        work_hours: app-dev-office-hours
        """,
    )
    seed.commit("An extra file: a holiday and a team that needs the calendar")

    err = refused(seed, cli, "dev", "qa", "--id", "holiday/kings-day")

    assert "after the copy qa would not validate, so nothing was changed" in err
    assert "environments/qa/extra.yaml:10:13: team/ops: work_hours:" in err
    assert not (seed.root / "environments/qa/extra.yaml").exists()


def test_refuses_a_destination_file_that_also_holds_records_the_source_file_does_not(seed, cli):
    seed.write(
        "environments/qa/teams.yaml",
        """
        kind: team
        id: application-development
        name: Application Development
        ---
        kind: team
        id: qa-testers
        name: QA testers
        """,
    )
    seed.commit("qa keeps its teams in one file")

    err = refused(seed, cli, "dev", "qa", "--sync-set", "scrum")

    assert "environments/qa/teams.yaml also holds team/qa-testers" in err
    assert "split the file" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("dev", "qa", "--sync-set", "nope"), "unknown sync set 'nope'"),
        (("dev", "qa", "--id", "team/nobody"), "--id team/nobody: no such record in dev"),
        (
            ("dev", "qa", "--sync-set", "scrum", "--id", "team/application-development"),
            "use --sync-set or --id, not both",
        ),
        (("dev", "staging"), "unknown environment 'staging'"),
    ],
)
def test_refuses_an_unknown_selection_or_environment(seed, cli, args, message):
    assert message in refused(seed, cli, *args)


def test_refuses_a_source_that_does_not_validate(seed, cli):
    seed.write(DEV_TEAM, seed.read(DEV_TEAM).replace("work_hours:", "work_hour:"))
    seed.commit("A typo in dev")

    err = refused(seed, cli, "dev", "qa", "--sync-set", "scrum")

    assert f"{DEV_TEAM}:7:1: team/application-development: work_hour: unknown field" in err


def test_refuses_to_carry_a_teams_members_that_the_sync_set_leaves_out(seed, cli):
    seed.write(DEV_TEAM, seed.read(DEV_TEAM) + f"members: [{FRANK}]\n")
    seed.commit("dev manages its team's members")

    err = refused(seed, cli, "dev", "qa", "--sync-set", "scrum")

    assert (
        "team/application-development declares members, which sync set scrum leaves out "
        "(team.members is opt-in: people are not configuration): remove members from "
        f"{DEV_TEAM}, or add include: [team.members] to scrum in syncsets.yaml"
    ) in err


def test_a_sync_set_that_includes_team_members_carries_them(seed, cli):
    seed.write(DEV_TEAM, seed.read(DEV_TEAM) + f"members: [{FRANK}]\n")
    syncsets = seed.read("syncsets.yaml").replace(
        "    root: scrum_workspace\n", "    root: scrum_workspace\n    include: [team.members]\n"
    )
    seed.write("syncsets.yaml", syncsets)
    seed.commit("the scrum set carries the team's members")

    result = cli("promote", "dev", "qa", "--sync-set", "scrum")

    assert result.code == 0, result.err
    assert f"members: [{FRANK}]" in seed.read(QA_TEAM)


def test_refuses_outside_a_git_repository(repo, cli):
    repo.add_environment("qa", extra="promotes_from: dev\n")
    repo.write(DEV_TEAM, "kind: team\nid: application-development\nname: App Dev\n")
    before = repo.files()

    result = cli("promote", "dev", "qa")

    assert result.code == 1
    assert "is not a git repository: promote works on git branches" in result.err
    assert repo.files() == before


def test_a_commit_refused_by_git_leaves_the_repository_untouched(seed, cli):
    hook = seed.root / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\necho 'no promotions on Fridays' >&2\nexit 1\n", encoding="utf-8")
    hook.chmod(hook.stat().st_mode | stat.S_IXUSR)

    err = refused(seed, cli, "dev", "qa", "--sync-set", "scrum")

    assert "git refused the promotion commit" in err


def test_a_second_promotion_in_the_same_second_gets_its_own_branch(promoted):
    now = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)
    promoted.write(DEV_TEAM, promoted.read(DEV_TEAM).replace("Builds", "Builds, runs"))
    promoted.commit("A better team description in dev")
    first = promote(promoted.root, "dev", "qa", now=now)
    promoted.checkout(promoted.main)

    second = promote(promoted.root, "dev", "qa", now=now)

    assert first.branch == "promote/dev-to-qa/20261122-093000"
    assert second.branch == "promote/dev-to-qa/20261122-093000-2"
    assert {first.branch, second.branch} <= set(promoted.state().branches)


# -- what a promotion writes ------------------------------------------------------------------


def test_no_commit_leaves_the_copies_in_the_working_tree_on_the_same_branch(seed, cli):
    before = seed.state()

    result = cli("promote", "dev", "qa", "--sync-set", "scrum", "--no-commit")

    assert result.code == 0, result.err
    assert "Changes left in the working tree (--no-commit)." in result.out
    after = seed.state()
    assert (after.branches, after.head, after.active, after.index) == (
        before.branches,
        before.head,
        before.active,
        before.index,
    )
    assert after.status.splitlines() == [f"?? environments/qa/{name}" for name in SCRUM_FILES]


def test_a_promotion_keeps_files_only_the_destination_has(seed, cli):
    qa_only = seed.write("environments/qa/teams/qa-testers.yaml", "kind: team\nid: qa-testers\n")
    qa_only.write_text("kind: team\nid: qa-testers\nname: QA testers\n", encoding="utf-8")
    seed.commit("A team only qa has")

    result = cli("promote", "dev", "qa", "--sync-set", "scrum")

    assert result.code == 0, result.err
    assert qa_only.read_text(encoding="utf-8") == "kind: team\nid: qa-testers\nname: QA testers\n"
    assert "qa-testers" not in seed.repo.head.commit.message


def test_a_record_the_destination_keeps_elsewhere_is_copied_to_its_file_there(seed, cli):
    seed.write(
        "environments/qa/our-teams/app-dev.yaml",
        """
        kind: team
        id: application-development
        name: Application Development
        remarks: An older description.
        """,
    )
    seed.commit("qa's own layout")

    result = cli("promote", "dev", "qa", "--sync-set", "scrum")

    assert result.code == 0, result.err
    assert seed.read("environments/qa/our-teams/app-dev.yaml") == seed.read(DEV_TEAM)
    assert not (seed.root / QA_TEAM).exists()


def test_without_a_selection_only_the_records_that_differ_are_promoted(promoted, cli):
    team = promoted.read(DEV_TEAM)
    promoted.write(DEV_TEAM, team.replace("Builds and maintains", "Builds, runs and maintains"))
    promoted.commit("A better team description in dev")

    result = cli("promote", "dev", "qa")

    assert result.code == 0, result.err
    commit = promoted.repo.head.commit
    assert list(commit.stats.files) == [QA_TEAM]
    assert commit.message.splitlines()[2:] == ["team: application-development"]
    assert promoted.read(QA_TEAM) == promoted.read(DEV_TEAM)


def test_nothing_to_promote_makes_no_branch(promoted, cli):
    before = promoted.state()

    result = cli("promote", "dev", "qa", "--sync-set", "scrum")

    assert result.code == 0, result.err
    assert result.out == "Nothing to promote: qa already has dev's records.\n"
    assert promoted.state() == before


def test_an_id_brings_the_records_it_needs_but_not_what_needs_it(seed, cli):
    result = cli("promote", "dev", "qa", "--id", "calendar/app-dev-office-hours")

    assert result.code == 0, result.err
    assert seed.repo.head.commit.message == (
        "Promote dev → qa: 3 records\n"
        "\n"
        "calendar: app-dev-office-hours\n"
        "holiday: christmas-day-2026, new-years-day-2027\n"
    )


def test_records_sharing_a_file_with_a_selected_one_are_named_as_carried(seed, cli):
    seed.write(
        "environments/dev/holidays/spring.yaml",
        """
        kind: holiday
        id: kings-day
        name: King's Day
        start_at: 2027-04-27
        end_at: 2027-04-27
        ---
        kind: holiday
        id: liberation-day
        name: Liberation Day
        start_at: 2027-05-05
        end_at: 2027-05-05
        """,
    )
    seed.commit("Spring holidays")

    result = cli("promote", "dev", "qa", "--id", "holiday/kings-day")

    assert result.code == 0, result.err
    message = seed.repo.head.commit.message
    assert message.splitlines()[2] == "holiday: kings-day"
    assert "Also carried (same files): holiday/liberation-day" in message
    assert "also carried (same files): `holiday/liberation-day`" in result.out


def test_the_branch_is_named_after_both_environments_and_the_time(seed, cli):
    result = cli("promote", "dev", "qa", "--sync-set", "scrum")

    [branch] = seed.promote_branches()
    assert re.fullmatch(BRANCH_PATTERN.format(src="dev", dst="qa"), branch)
    assert seed.repo.active_branch.name == branch
    assert f"Created branch {branch}: git push -u origin {branch}" in result.out


def test_the_promotion_commit_holds_only_destination_files(seed, cli):
    (seed.root / "NOTES.md").write_text("Unrelated notes.\n", encoding="utf-8")
    seed.repo.git.add("NOTES.md")

    result = cli("promote", "dev", "qa", "--sync-set", "scrum")

    assert result.code == 0, result.err
    assert sorted(seed.repo.head.commit.stats.files) == [
        f"environments/qa/{name}" for name in SCRUM_FILES
    ]


def test_files_are_copied_byte_for_byte(tmp_path, monkeypatch, cli):
    root = tmp_path / "repo"
    for name in ("dev", "qa"):
        folder = root / "environments" / name
        folder.mkdir(parents=True)
        extra = "promotes_from: dev\n" if name == "qa" else ""
        (folder / "environment.yaml").write_text(
            f"version: 1\nname: {name}\naccount:\n  provider: sandbox\n"
            f"  path: .syncset/{name}.sqlite\n{extra}",
            encoding="utf-8",
        )
    (root / "environments/dev/team.yaml").write_bytes(b"kind: team\r\nid: t\r\nname: T\r\n")
    git_repo = init_repository(root, monkeypatch)

    result = cli("promote", "dev", "qa")

    assert result.code == 0, result.err
    assert (root / "environments/qa/team.yaml").read_bytes() == (
        git_repo.root / "environments/dev/team.yaml"
    ).read_bytes()


# -- the pull request description -------------------------------------------------------------


def test_pr_body_is_being_prepared_with_each_value_to_map_and_where_it_is_used(seed, cli, tmp_path):
    body_file = tmp_path / "pr.md"

    result = cli("promote", "dev", "qa", "--sync-set", "scrum", "--pr-body", str(body_file))

    assert result.code == 0, result.err
    body = body_file.read_text(encoding="utf-8")
    [branch] = seed.promote_branches()
    assert body.startswith(
        "## Promote `dev` → `qa`\n\n"
        f"Branch `{branch}`, commit `{seed.repo.head.commit.hexsha[:10]}`.\n\n"
        "⏳ **Being Prepared**: map these in `environments/qa/mappings.yaml` "
        "(`syncset map qa --suggest` proposes targets):\n"
    )
    assert (
        f"| person | `{RODNEY}` | `agile_board/expense-reporting.manager`, "
        "`product_backlog/expense-reporting.product_owner`, "
        "`team/application-development.manager` |"
    ) in body
    assert "- holiday: `christmas-day-2026`, `new-years-day-2027`\n" in body
    assert "### Compare dev → qa (folders)" in body
    assert "| holiday | 0 | 0 | 2 | 0 |" in body


def test_pr_body_is_prepared_when_the_destination_maps_every_value(seed, cli, tmp_path):
    assert cli("sandbox", "load", "qa", "docs/demo/widget-europe-people.yaml").code == 0
    seed.write(
        "environments/qa/mappings.yaml",
        f"""
        version: 1
        references:
          person:
            {RODNEY}: {ANDER}
            {FRANK}: {FRANK_EUROPE}
        """,
    )
    seed.commit("qa maps WDC's people")
    body_file = tmp_path / "pr.md"

    result = cli("promote", "dev", "qa", "--sync-set", "scrum", "--pr-body", str(body_file))

    assert result.code == 0, result.err
    body = body_file.read_text(encoding="utf-8")
    assert "✅ **Prepared**: every reference is mapped (0 automatically).\n" in body
    assert "Being Prepared" not in body


def test_pr_body_compares_exactly_the_records_the_branch_changes(seed, cli, tmp_path):
    seed.write(
        "environments/dev/teams/service-desk.yaml",
        """
        kind: team
        id: service-desk
        name: Service Desk
        """,
    )
    seed.commit("dev: a team outside the scrum sync set")
    body_file = tmp_path / "pr.md"

    result = cli("promote", "dev", "qa", "--sync-set", "scrum", "--pr-body", str(body_file))

    assert result.code == 0, result.err
    body = body_file.read_text(encoding="utf-8")
    promoted = re.findall(r"`([a-z0-9-]+)`", body.split("**Records promoted**:")[1].split("###")[0])
    compared = re.findall(r"^[+~] ([a-z_]+/[a-z0-9-]+):", body, flags=re.MULTILINE)
    assert len(promoted) == 7
    assert sorted(ref.split("/")[1] for ref in compared) == sorted(promoted)
    assert "team/service-desk" not in body
    assert "1 other records of `dev` differ from `qa` and are not part of this promotion" in body
