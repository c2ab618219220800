"""``ci plan`` of a fleet: many environments planned at once, one comment with a fleet table.

The comment's fleet layout is tested on plans made as data (any mix of outcomes, any budget);
the whole flow on 50 grouped sandbox accounts: plan all in one comment, apply all, plan again.
"""

from __future__ import annotations

import json
import random
import shutil

import pytest
from ci_helpers import git, load_workflow, run_step
from example_root import PROJECT_ROOT

from syncset.ci.comment import COMMENT_LIMIT, FLEET_FROM, CommentContext, plan_comment
from syncset.ci.plan import EnvPlan
from syncset.plan.model import (
    Action,
    FieldChange,
    Plan,
    PlanStatus,
    RecordChange,
    Status,
    UnmappedValue,
    Use,
)

TEAM = "kind: team\nid: {id}\nname: {name}\n"
CUSTOMERS = [f"customers/c{i:02d}" for i in range(50)]
MATRIX_PLAN = PROJECT_ROOT / "docs" / "ci" / "syncset-plan-matrix.yml"


def plan_of(env: str, creates: int = 0, unmapped: int = 0, width: int = 40) -> Plan:
    changes = tuple(
        RecordChange(
            kind="team",
            id=f"t{index:04d}",
            name=f"Team {index}",
            status=Status.DOESNT_EXIST,
            action=Action.CREATE,
            managed=True,
            changes=(FieldChange(field="description", after="x" * width),),
        )
        for index in range(creates)
    )
    return Plan(
        environment=env,
        account=f"sandbox .syncset/{env}.sqlite",
        status=PlanStatus.BEING_PREPARED if unmapped else PlanStatus.PREPARED,
        created_at="2026-01-01T00:00:00Z",
        env_digest="sha256:0",
        summary={"team": {"doesnt_exist": creates}},
        changes=changes,
        unmapped=tuple(
            UnmappedValue(
                value=f"person-{i}",
                kind="person",
                used_by=(Use(record="team/t0000", field="manager"),),
            )
            for i in range(unmapped)
        ),
    )


def mixed_fleet() -> list[EnvPlan]:
    """20 environments: 2 failed, 3 Being Prepared, 7 with changes, 8 without."""
    results = [EnvPlan(f"f{i}", "changed", error=f"account f{i} unreachable") for i in (1, 0)]
    results += [EnvPlan(f"u{i}", "changed", plan=plan_of(f"u{i}", 1, unmapped=2)) for i in range(3)]
    results += [EnvPlan(f"w{i}", "changed", plan=plan_of(f"w{i}", 3)) for i in range(7)]
    results += [EnvPlan(f"c{i}", "changed", plan=plan_of(f"c{i}")) for i in range(8)]
    return results


def table_rows(comment: str) -> list[str]:
    return [line.split("`")[1] for line in comment.splitlines() if line.startswith("| `")]


def test_the_fleet_table_lists_the_worst_first_then_by_name_whatever_the_input_order():
    results = mixed_fleet()
    shuffled = random.Random(7).sample(results, len(results))

    comment = plan_comment(shuffled, CommentContext("abc", "def"))

    assert comment == plan_comment(results, CommentContext("abc", "def"))
    rows = table_rows(comment)
    assert rows[:5] == ["f0", "f1", "u0", "u1", "u2"]
    assert rows[5:12] == [f"w{i}" for i in range(7)] and rows[12:] == [f"c{i}" for i in range(8)]
    assert "| `u0` | ⏳ Being Prepared | 1 to create | 2 |" in comment
    assert "| `f0` | ❌ Failed | error: see its details | - |" in comment
    assert "| `c3` | ✅ Prepared | no changes | 0 |" in comment
    assert "2 failed, 3 being prepared, 7 with changes, 8 without changes." in comment


def test_each_environment_with_something_to_say_has_a_collapsed_section_and_clean_ones_none():
    comment = plan_comment(mixed_fleet(), CommentContext("abc"))

    assert comment.count("<details><summary><code>") == 12
    assert (
        "<details><summary><code>f0</code>: ❌ Failed: account f0 unreachable</summary>" in comment
    )
    assert "account f0 unreachable" in comment
    assert "<code>c0</code>" not in comment
    assert "✂️" not in comment
    assert "**20 environments, 10 with changes, 8 without, 2 failed**" in comment


def test_over_the_budget_the_best_give_up_their_details_first_and_a_line_says_how_many():
    comment = plan_comment(mixed_fleet(), CommentContext("abc"), limit=6_000)

    assert len(comment) <= 6_000
    assert len(table_rows(comment)) == 20  # every environment keeps its row
    shown = [s.split("</code>")[0] for s in comment.split("<summary><code>")[1:]]
    assert shown[:2] == ["f0", "f1"]
    assert shown == table_rows(comment)[: len(shown)]
    left_out = 12 - len(shown)
    assert left_out > 0
    assert (
        f"✂️ The details of {left_out} environments (the last in the table's order) were left out "
        "to stay under 6,000 characters: `syncset plan <env>` shows one"
    ) in comment


def test_one_huge_plan_is_shortened_rather_than_pushing_out_every_other_section():
    results = [EnvPlan("big", "changed", plan=plan_of("big", 600, width=150))]
    results += [EnvPlan(f"s{i:02d}", "changed", plan=plan_of(f"s{i:02d}", 2)) for i in range(30)]

    comment = plan_comment(results, CommentContext("abc"))

    assert len(comment) <= COMMENT_LIMIT
    assert comment.count("<details><summary><code>") == 31
    big = comment.split("<summary><code>big</code>")[1].split("<summary><code>")[0]
    assert "✂️" in big and "`big.plan.json`" in big


def test_a_table_longer_than_the_budget_loses_its_last_rows_and_says_so():
    results = [EnvPlan(f"e{i:03d}", "changed", plan=plan_of(f"e{i:03d}")) for i in range(200)]

    comment = plan_comment(results, CommentContext("abc"), limit=5_000)

    assert len(comment) <= 5_000
    rows = table_rows(comment)
    assert rows == [f"e{i:03d}" for i in range(len(rows))] and len(rows) < 200
    assert f"✂️ {200 - len(rows)} more environments (the last in this order)" in comment


def test_below_the_fleet_size_the_comment_keeps_its_section_per_environment():
    results = [EnvPlan(f"e{i}", "changed", plan=plan_of(f"e{i}", 1)) for i in range(FLEET_FROM - 1)]

    comment = plan_comment(results, CommentContext("abc"))

    assert "| environment | status | plan | why |" in comment
    assert comment.count("### syncset plan: `e") == FLEET_FROM - 1
    assert "<summary><code>" not in comment


# -- 50 sandbox accounts, end to end -----------------------------------------------------------


@pytest.fixture
def fleet(repo):
    """50 grouped sandbox accounts ``customers/c00..c49``, two teams each, committed on main."""
    for env in CUSTOMERS:
        repo.add_environment(env)
        for team in ("a", "b"):
            repo.write(f"environments/{env}/teams/{team}.yaml", TEAM.format(id=team, name=team))
    (repo.root / ".gitignore").write_text(".syncset/\nsyncset-out/\nout-*/\n", encoding="utf-8")
    git(repo.root, "init", "-q", "-b", "main")
    git(repo.root, "add", "-A")
    git(repo.root, "commit", "-q", "-m", "fleet")
    return repo


def test_a_change_to_50_accounts_is_one_comment_then_applied_then_planned_clean(fleet, cli):
    for env in CUSTOMERS:
        fleet.write(f"environments/{env}/teams/c.yaml", TEAM.format(id="c", name="C"))

    run = ("ci", "plan", "--base", "HEAD", "--artifacts-url", "https://ci.example/run/1")
    planned = cli(*run, "--workers", "8")
    one_at_a_time = cli(*run, "--workers", "1", "--out-dir", "out-1")

    assert planned.code == 2, planned.err
    out = fleet.root / "syncset-out"
    comment = (out / "comment.md").read_text(encoding="utf-8")
    assert len(comment) <= COMMENT_LIMIT
    assert table_rows(comment) == CUSTOMERS
    assert "| `customers/c17` | ✅ Prepared | 3 to create | 0 |" in comment
    assert comment.count("<details><summary><code>customers/") == 50
    assert "**50 environments, 50 with changes, 0 without, 0 failed**" in comment
    assert one_at_a_time.code == 2
    assert (fleet.root / "out-1" / "comment.md").read_text(encoding="utf-8") == comment
    assert len(list(out.glob("customers~c*.plan.json"))) == 50

    applied = cli("ci", "apply", "--plans", "syncset-out", "--auto-approve")

    assert applied.code == 0, applied.out + applied.err
    assert applied.out.count(": completed: 3 applied") == 50

    git(fleet.root, "add", "-A")
    git(fleet.root, "commit", "-q", "-m", "team c everywhere")
    again = cli("ci", "plan", "--base", "HEAD~1")

    assert again.code == 0, again.out + again.err
    clean = (out / "comment.md").read_text(encoding="utf-8")
    assert "50 environments affected by the changes since" in clean
    assert "50 without changes." in clean and "<details>" not in clean
    assert "**50 environments, 0 with changes, 50 without, 0 failed**" in clean


def test_the_shipped_workflows_list_the_fleet_as_a_matrix_of_names_and_keys(fleet):
    """The real steps, run as the runner would: apply's changed job and drift's listing."""
    fleet.write("environments/customers/c07/teams/c.yaml", TEAM.format(id="c", name="C"))
    git(fleet.root, "add", "-A")
    git(fleet.root, "commit", "-q", "-m", "c07")
    apply = load_workflow("syncset-apply.yml")
    [find] = [s for s in apply["jobs"]["changed"]["steps"] if s.get("id") == "changed"]
    drift = load_workflow("syncset-drift.yml")
    [listing] = [s for s in drift["jobs"]["environments"]["steps"] if s.get("id") == "list"]
    before = git(fleet.root, "rev-parse", "HEAD~1")

    pushed = run_step(
        apply,
        "changed",
        find,
        fleet.root,
        {"github.event.before": before, "inputs.environment": ""},
    )
    dispatched = run_step(
        apply,
        "changed",
        find,
        fleet.root,
        {"github.event.before": before, "inputs.environment": "customers/c1*"},
    )
    nightly = run_step(drift, "environments", listing, fleet.root, {})

    assert pushed.code == 0, pushed.stderr
    matrix = json.loads(pushed.outputs["environments"])
    assert matrix == [{"name": "customers/c07", "key": "customers~c07"}]
    assert [e["key"] for e in json.loads(dispatched.outputs["environments"])] == [
        f"customers~c1{i}" for i in range(10)
    ]
    everything = json.loads(nightly.outputs["environments"])
    assert [e["name"] for e in everything] == [*CUSTOMERS, "dev"]  # promotion order, then name
    assert all("/" not in e["key"] for e in everything)


def test_a_plan_matrix_gathers_into_one_comment_and_a_job_that_left_nothing_fails(fleet, cli):
    """docs/ci/syncset-plan-matrix.yml's steps: a plan job per environment (each uploads its
    folder), then the comment job over the merged folders (as download-artifact merges them)."""
    fleet.write("environments/customers/c00/teams/c.yaml", TEAM.format(id="c", name="C"))
    fleet.write("environments/customers/c01/teams/c.yaml", TEAM.format(id="c", name="C"))
    fleet.write("environments/customers/c02/teams/c.yaml", "kind: team\nid: c\n")  # no name
    git(fleet.root, "add", "-A")
    git(fleet.root, "commit", "-q", "-m", "three customers")
    base = git(fleet.root, "rev-parse", "HEAD~1")
    workflow = load_workflow(str(MATRIX_PLAN))
    [changed] = [s for s in workflow["jobs"]["changed"]["steps"] if s.get("id") == "changed"]
    [plan] = [
        s for s in workflow["jobs"]["plan"]["steps"] if s.get("name") == "Plan one environment"
    ]
    [comment] = [s for s in workflow["jobs"]["comment"]["steps"] if s.get("id") == "plan"]
    github = {
        "github.event.pull_request.base.sha": base,
        "github.server_url": "https://github.com",
        "github.repository": "widget/config",
        "github.run_id": "7",
    }

    listed = run_step(workflow, "changed", changed, fleet.root, github)
    matrix = json.loads(listed.outputs["environments"])
    merged = fleet.root / "syncset-out"
    for env in matrix:
        if env["name"] == "customers/c01":
            continue  # its job was cancelled: nothing uploaded
        job = run_step(
            workflow, "plan", plan, fleet.root, github | {"matrix.environment.name": env["name"]}
        )
        assert job.code == 0, job.stdout + job.stderr
        assert not (merged / "comment.md").exists()
        shutil.move(merged, fleet.root / f"artifact-{env['key']}")
    merged.mkdir()
    for env in matrix:
        for file in (fleet.root / f"artifact-{env['key']}").glob("*"):
            shutil.move(file, merged / file.name)
    gathered = run_step(workflow, "comment", comment, fleet.root, github)

    assert [e["key"] for e in matrix] == ["customers~c00", "customers~c01", "customers~c02"]
    assert sorted(p.name for p in merged.iterdir()) == [
        "comment.md",
        "customers~c00.plan.json",
        "customers~c02.error.txt",
    ]
    assert gathered.code == 0 and gathered.outputs["exitcode"] == "1", gathered.stderr
    text = (merged / "comment.md").read_text(encoding="utf-8")
    assert text == gathered.summary
    assert "| `customers/c00` | ✅ Prepared | 3 to create, 0 to update" in text
    assert "neither customers~c01.plan.json nor customers~c01.error.txt is in syncset-out" in text
    assert "customers/c02/teams/c.yaml" in text and "name" in text
    assert "**3 environments, 1 with changes, 0 without, 2 failed**" in text
    assert "[workflow run's artifacts](https://github.com/widget/config/actions/runs/7)" in text


def test_gathering_reads_a_broken_plan_file_as_that_environments_failure(tmp_path):
    from syncset.ci.plan import Touched, gathered

    plans = tmp_path / "plans"
    plans.mkdir()
    (plans / "customers~a.plan.json").write_text('{"trunc', encoding="utf-8")
    (plans / "customers~b.error.txt").write_text("customers/b: unreachable\n", encoding="utf-8")
    touched = [Touched("customers/a", "changed"), Touched("customers/b", "changed")]

    a, b = gathered(plans, touched)

    assert a.failed and "customers~a.plan.json" in (a.error or ""), "the comment is still written"
    assert b.failed and b.error == "customers/b: unreachable"


def test_an_error_beside_a_plan_file_is_the_outcome_a_gathering_job_shows(tmp_path, fleet, cli):
    from syncset.ci.plan import Touched, gathered

    fleet.write("environments/customers/c00/teams/c.yaml", TEAM.format(id="c", name="C"))
    assert cli("ci", "plan", "--base", "HEAD", "--env", "customers/c00").code == 2
    out = fleet.root / "syncset-out"
    (out / "customers~c00.error.txt").write_text("late failure\n", encoding="utf-8")

    (result,) = gathered(out, [Touched("customers/c00", "changed")])

    assert result.failed and result.error == "late failure"
