"""The seed's story end to end (4me Account Sync, told the GitOps way), as ``make demo`` runs it.

On sandbox accounts in a real git repository made in ``tmp_path``: dev holds the Application
Development scrum workspace; ``promote dev qa --sync-set scrum`` makes the branch and the commit;
qa's account has neither Frank Watson nor Rodney Wilson, so its plan is *Being Prepared* listing
exactly those two (the team's people are not in a sync set) until they are mapped (Frank to
Widget Europe's Frank Watson by a suggestion reviewed and accepted, Rodney to Ander Alkin by
hand), then *Prepared*;
apply completes and the next plan has no differences. The same promotion to prod reuses none of
qa's mappings: prod's own mappings.yaml decides.

The story runs once per module (it is one sequence of commands); each test checks one part of it
from what the run recorded.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from promotion_helpers import (
    ANDER,
    BRANCH_PATTERN,
    FRANK,
    FRANK_EUROPE,
    RODNEY,
    SCRUM_FILES,
    GitRepo,
    GitState,
    account_row,
    config_rows,
    live_id_of_person,
    mapping_states,
    seed_repository,
    unmapped_uses,
)

from syncset.cli import main

SCRUM_USES = {
    FRANK: {"team/application-development.coordinator"},
    RODNEY: {
        "agile_board/expense-reporting.manager",
        "product_backlog/expense-reporting.product_owner",
        "team/application-development.manager",
    },
}
"""Every record and field of the scrum sync set that uses each of WDC's people: exactly the two
people of the product page, Frank the coordinator, Rodney the product owner and manager."""


@dataclass(frozen=True)
class Step:
    code: int
    out: str
    err: str


@dataclass
class Story:
    git: GitRepo
    started: datetime
    steps: dict[str, Step] = field(default_factory=dict)
    seen: dict[str, Any] = field(default_factory=dict)
    """What the story looked at along the way (files, git states, account rows)."""

    @property
    def root(self) -> Path:
        return self.git.root

    def run(self, name: str, *args: str) -> Step:
        out, err = io.StringIO(), io.StringIO()
        code = 0
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                main(list(args))
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        step = Step(code, out.getvalue(), err.getvalue())
        self.steps[name] = step
        return step

    def ok(self, name: str, *args: str) -> Step:
        step = self.run(name, *args)
        assert step.code == 0, f"syncset {' '.join(args)} exited {step.code}:\n{step.err}"
        return step

    def plan(self, name: str, env: str) -> dict[str, Any]:
        step = self.ok(name, "plan", env, "--format", "json")
        return dict(json.loads(step.out))


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Story]:
    """The whole story, run once: dev → qa → prod, with what each step printed."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        git_repo = seed_repository(tmp_path_factory.mktemp("story") / "repo", monkeypatch)
        told = Story(git_repo, datetime.now(UTC))
        _dev(told)
        _promote_to_qa(told)
        _map_and_apply_qa(told)
        _promote_to_prod(told)
        yield told


def _dev(s: Story) -> None:
    s.ok("validate", "validate")
    s.ok("load dev people", "sandbox", "load", "dev", "docs/demo/wdc-people.yaml")
    s.ok("apply dev", "apply", "dev", "--auto-approve")
    s.run("plan dev again", "plan", "dev", "--detailed-exitcode")
    s.ok("show scrum", "syncsets", "show", "scrum", "--env", "dev")


def _promote_to_qa(s: Story) -> None:
    s.seen["before promote"] = s.git.state()
    pr_body = s.root.parent / "pr-dev-qa.md"
    s.ok("promote dev qa", "promote", "dev", "qa", "--sync-set", "scrum", "--pr-body", str(pr_body))
    s.seen["pr dev qa"] = pr_body.read_text(encoding="utf-8")
    s.seen["after promote"] = s.git.state()
    s.seen["promotion commit"] = s.git.repo.head.commit
    s.seen["qa plan without people"] = s.plan("plan qa", "qa")
    s.run("plan qa detailed", "plan", "qa", "--detailed-exitcode")
    s.run("apply qa refused", "apply", "qa", "--auto-approve")
    s.seen["qa config rows after refusal"] = config_rows(s.root, "qa")


def _map_and_apply_qa(s: Story) -> None:
    s.ok("load qa people", "sandbox", "load", "qa", "docs/demo/widget-europe-people.yaml")
    s.seen["qa plan with people"] = s.plan("plan qa with people", "qa")
    s.seen["qa mappings before"] = s.git.read("environments/qa/mappings.yaml")
    s.ok("suggest qa", "map", "qa", "--suggest")
    s.seen["qa mappings after suggest"] = s.git.read("environments/qa/mappings.yaml")
    s.seen["qa plan proposed"] = s.plan("plan qa proposed", "qa")
    s.ok("accept qa", "map", "qa", "--accept")
    s.seen["qa mappings after accept"] = s.git.read("environments/qa/mappings.yaml")
    s.ok("set qa", "map", "qa", "--set", f"person:{RODNEY}={ANDER}")
    s.seen["qa plan mapped"] = s.plan("plan qa mapped", "qa")
    s.ok("apply qa", "apply", "qa", "--auto-approve")
    s.run("plan qa again", "plan", "qa", "--detailed-exitcode")
    s.run("compare dev qa live", "compare", "dev", "qa", "--live", "--sync-set", "scrum")
    s.run(
        "compare dev qa live json",
        "compare",
        "dev",
        "qa",
        "--live",
        "--sync-set",
        "scrum",
        "-f",
        "json",
    )


def _promote_to_prod(s: Story) -> None:
    promotion = s.git.repo.active_branch.name
    s.git.commit("Map qa's people", "environments/qa/mappings.yaml")
    s.git.merge(promotion)
    s.seen["qa mappings merged"] = s.git.read("environments/qa/mappings.yaml")
    s.seen["prod mappings before promote"] = s.git.read("environments/prod/mappings.yaml")
    s.ok("promote qa prod", "promote", "qa", "prod", "--sync-set", "scrum")
    s.seen["prod mappings after promote"] = s.git.read("environments/prod/mappings.yaml")
    s.seen["prod promotion files"] = sorted(s.git.repo.head.commit.stats.files)
    s.seen["prod plan without people"] = s.plan("plan prod", "prod")
    s.ok("load prod people", "sandbox", "load", "prod", "docs/demo/widget-europe-people.yaml")
    s.seen["prod plan with people"] = s.plan("plan prod with people", "prod")
    s.ok("map prod", "map", "prod")
    s.ok(
        "set prod",
        "map",
        "prod",
        "--set",
        f"person:{RODNEY}={ANDER}",
        "--set",
        f"person:{FRANK}={FRANK_EUROPE}",
    )
    s.seen["prod plan mapped"] = s.plan("plan prod mapped", "prod")
    s.ok("apply prod", "apply", "prod", "--auto-approve")
    s.run("plan prod again", "plan", "prod", "--detailed-exitcode")


# -- dev -------------------------------------------------------------------------------------


def test_dev_account_matches_its_yaml_after_the_first_apply(story: Story) -> None:
    assert story.steps["plan dev again"].code == 0, story.steps["plan dev again"].out
    assert "The account matches the configuration." in story.steps["plan dev again"].out
    assert {row["kind"] for row in config_rows(story.root, "dev")} == {
        "agile_board",
        "calendar",
        "holiday",
        "product_backlog",
        "scrum_workspace",
        "team",
    }


def test_scrum_sync_set_lists_its_records_and_the_people_to_map(story: Story) -> None:
    shown = story.steps["show scrum"].out

    for ref in ("scrum_workspace/application-development", "holiday/new-years-day-2027"):
        assert f"  {ref}\n" in shown
    assert f"person {RODNEY}: " in shown
    assert "product_backlog/expense-reporting.product_owner" in shown


# -- promote dev → qa ------------------------------------------------------------------------


def test_promotion_to_qa_is_one_commit_on_a_new_timestamped_branch(story: Story) -> None:
    before: GitState = story.seen["before promote"]
    after: GitState = story.seen["after promote"]
    commit = story.seen["promotion commit"]

    [branch] = sorted(set(after.branches) - set(before.branches))
    assert re.fullmatch(BRANCH_PATTERN.format(src="dev", dst="qa"), branch)
    assert after.active == branch
    stamp = datetime.strptime(branch.rsplit("/", 1)[1], "%Y%m%d-%H%M%S").replace(tzinfo=UTC)
    assert abs((stamp - story.started).total_seconds()) < 600
    assert [parent.hexsha for parent in commit.parents] == [before.head]
    assert after.status == ""
    assert sorted(commit.stats.files) == [f"environments/qa/{name}" for name in SCRUM_FILES]


def test_promotion_commit_message_lists_the_records_by_kind(story: Story) -> None:
    assert story.seen["promotion commit"].message == (
        "Promote dev → qa: 7 records (sync set scrum)\n"
        "\n"
        "agile_board: expense-reporting\n"
        "calendar: app-dev-office-hours\n"
        "holiday: christmas-day-2026, new-years-day-2027\n"
        "product_backlog: expense-reporting\n"
        "scrum_workspace: application-development\n"
        "team: application-development\n"
    )


def test_promotion_copies_the_files_unchanged(story: Story) -> None:
    files = story.seen["after promote"].files

    for name in SCRUM_FILES:
        assert files[f"environments/qa/{name}"] == files[f"environments/dev/{name}"], name


def test_pull_request_body_says_being_prepared_with_the_people_to_map(story: Story) -> None:
    body = story.seen["pr dev qa"]

    assert body == story.steps["promote dev qa"].out.split("Created branch")[0]
    assert "**Being Prepared**" in body
    for person in (RODNEY, FRANK):
        assert f"| person | `{person}` |" in body
    assert body.count("| person |") == 2
    assert "`agile_board/expense-reporting.manager`" in body


# -- qa: Being Prepared → Prepared → Completed -------------------------------------------------


def test_qa_plan_without_people_is_being_prepared_with_every_use(story: Story) -> None:
    plan = story.seen["qa plan without people"]

    assert plan["status"] == "being_prepared"
    assert unmapped_uses(plan) == SCRUM_USES
    assert story.steps["plan qa detailed"].code == 2


def test_apply_refuses_a_being_prepared_plan_and_writes_nothing(story: Story) -> None:
    refused = story.steps["apply qa refused"]

    assert refused.code == 1
    assert "Being Prepared" in refused.err
    assert RODNEY in refused.err
    assert story.seen["qa config rows after refusal"] == []


def test_qa_people_made_by_hand_are_not_the_wdc_people_so_both_stay_unmapped(
    story: Story,
) -> None:
    plan = story.seen["qa plan with people"]

    assert plan["status"] == "being_prepared"
    assert mapping_states(plan) == {FRANK: ("unmapped", None), RODNEY: ("unmapped", None)}


def test_suggest_proposes_frank_watson_for_review_and_maps_nothing(story: Story) -> None:
    before = story.seen["qa mappings before"]
    after = story.seen["qa mappings after suggest"]
    suggested = story.steps["suggest qa"].out

    assert re.search(
        rf"^proposed:\n  person:\n    {re.escape(FRANK)}:\n"
        rf"      target: {re.escape(FRANK_EUROPE)}\n"
        r"      score: 0\.95\n      matched: same e-mail local part\n",
        after,
        re.MULTILINE,
    ), after
    assert "references: {}" in after
    assert RODNEY not in after.split("proposed:")[1]
    comments = [line for line in before.splitlines() if line.lstrip().startswith("#")]
    assert comments and [line for line in after.splitlines() if line in comments] == comments
    assert re.search(rf"unmapped +person {re.escape(RODNEY)}", suggested)
    assert "2 unmapped, 1 proposals await review (syncset map qa --accept)" in suggested


def test_the_qa_plan_stays_being_prepared_while_the_proposal_awaits_review(story: Story) -> None:
    plan = story.seen["qa plan proposed"]

    assert plan["status"] == "being_prepared"
    assert mapping_states(plan) == {FRANK: ("unmapped", None), RODNEY: ("unmapped", None)}
    assert {u["value"]: (u["proposed"] or {}).get("target") for u in plan["unmapped"]} == {
        FRANK: FRANK_EUROPE,
        RODNEY: None,
    }


def test_accept_maps_frank_watson_with_its_score_as_a_comment(story: Story) -> None:
    after = story.seen["qa mappings after accept"]

    assert re.search(
        rf"^    {re.escape(FRANK)}: {re.escape(FRANK_EUROPE)} +# accepted proposal: score 0\.95",
        after,
        re.MULTILINE,
    ), after
    assert "proposed:" not in after
    assert "accepted 1 proposals" in story.steps["accept qa"].out
    assert "1 unmapped" in story.steps["accept qa"].out


def test_qa_plan_is_prepared_once_rodney_wilson_maps_to_ander_alkin(story: Story) -> None:
    plan = story.seen["qa plan mapped"]

    assert plan["status"] == "prepared"
    assert plan["unmapped"] == []
    assert mapping_states(plan) == {FRANK: ("mapped", FRANK_EUROPE), RODNEY: ("mapped", ANDER)}
    assert "0 unmapped" in story.steps["set qa"].out


def test_apply_to_qa_completes_and_gives_rodneys_roles_to_ander(story: Story) -> None:
    assert "Completed" in story.steps["apply qa"].out
    ander = live_id_of_person(story.root, "qa", ANDER)
    frank = live_id_of_person(story.root, "qa", FRANK_EUROPE)
    team = account_row(story.root, "qa", "team", "Application Development")["data"]
    board = account_row(story.root, "qa", "agile_board", "Expense Reporting")["data"]
    backlog = account_row(story.root, "qa", "product_backlog", "Expense Reporting")["data"]

    assert (team["manager"], team["coordinator"]) == (ander, frank)
    assert "members" not in team, "the people of the team are not in the sync set"
    assert board["manager"] == backlog["product_owner"] == ander


def test_qa_plan_after_apply_shows_no_differences(story: Story) -> None:
    again = story.steps["plan qa again"]

    assert again.code == 0, again.out
    assert "Plan: no changes." in again.out


def test_live_compare_after_the_promotion_sees_mapped_people_as_no_difference(story: Story) -> None:
    compared = json.loads(story.steps["compare dev qa live json"].out)

    statuses = {f"{e['kind']}/{e['id']}": e["status"] for e in compared["entries"]}
    assert len(statuses) == 7
    assert set(statuses.values()) == {"exists_no_differences"}, story.steps[
        "compare dev qa live"
    ].out
    assert story.steps["compare dev qa live"].out.endswith("0 records would change in qa.\n")


# -- prod: nothing reused from qa ------------------------------------------------------------


def test_promotion_to_prod_starts_from_the_merged_qa_folder(story: Story) -> None:
    out = story.steps["promote qa prod"].out

    assert re.search(BRANCH_PATTERN.format(src="qa", dst="prod"), out)
    for name in SCRUM_FILES:
        assert story.git.read(f"environments/prod/{name}") == story.git.read(
            f"environments/qa/{name}"
        )
    assert story.seen["prod promotion files"] == [f"environments/prod/{n}" for n in SCRUM_FILES]
    assert story.seen["prod mappings after promote"] == story.seen["prod mappings before promote"]


def test_prod_reuses_none_of_qas_mappings(story: Story) -> None:
    empty = story.seen["prod plan without people"]
    with_people = story.seen["prod plan with people"]

    assert empty["status"] == with_people["status"] == "being_prepared"
    assert unmapped_uses(empty) == SCRUM_USES
    assert mapping_states(with_people) == {FRANK: ("unmapped", None), RODNEY: ("unmapped", None)}
    assert re.search(rf"unmapped +person {re.escape(RODNEY)}", story.steps["map prod"].out)


def test_prod_is_prepared_once_its_own_mappings_say_so(story: Story) -> None:
    plan = story.seen["prod plan mapped"]

    assert plan["status"] == "prepared"
    assert mapping_states(plan)[RODNEY] == ("mapped", ANDER)
    assert story.steps["plan prod again"].code == 0, story.steps["plan prod again"].out
