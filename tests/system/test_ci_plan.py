"""``syncset ci plan``: which environments a change touches, the comment, the exit code."""

from __future__ import annotations

import json

import pytest
from ci_helpers import git

from syncset.ci.comment import COMMENT_LIMIT, FLEET_FROM, MARKER, CommentContext, plan_comment
from syncset.ci.plan import EnvPlan, Touched, touched_environments
from syncset.plan.model import (
    Action,
    FieldChange,
    Plan,
    PlanStatus,
    RecordChange,
    Status,
    load_plan,
)
from syncset.render.markdown import MAX_CHARS, plan_markdown

TEAM = "kind: team\nid: {id}\nname: {name}\n"


@pytest.fixture
def chain(repo):
    """dev → qa → prod on sandbox accounts, one team each, committed on main."""
    repo.add_environment("qa", extra="promotes_from: dev\n")
    repo.add_environment("prod", extra="promotes_from: qa\n")
    for env in ("dev", "qa", "prod"):
        repo.write(f"environments/{env}/teams/a.yaml", TEAM.format(id="a", name="A"))
    (repo.root / ".gitignore").write_text(".syncset/\nsyncset-out/\n", encoding="utf-8")
    git(repo.root, "init", "-q", "-b", "main")
    git(repo.root, "add", "-A")
    git(repo.root, "commit", "-q", "-m", "start")
    return repo


def test_a_change_in_one_folder_touches_only_that_environment(chain):
    chain.write("environments/qa/teams/b.yaml", TEAM.format(id="b", name="B"))

    assert touched_environments(chain.root, "HEAD") == [
        Touched("qa", "environments/qa/ changed (1 file)")
    ]


@pytest.mark.parametrize("path", ["syncsets.yaml", ".syncset-version"])
def test_what_every_environment_depends_on_touches_all_in_promotion_order(chain, path):
    chain.write(path, "# changed\n")

    touched = touched_environments(chain.root, "HEAD")

    assert [t.environment for t in touched] == ["dev", "qa", "prod"]
    assert f"`{path}` changed (every environment depends on it)" in touched[0].reason


@pytest.mark.parametrize(
    "path", ["engine/x.py", "providers/x.py", "schemas/x.py", "pyproject.toml"]
)
def test_folders_of_a_config_repository_that_syncset_does_not_read_touch_nothing(chain, path):
    """In a configuration repository the tool comes from its pin, not from these folders."""
    chain.write(path, "# changed\n")

    assert touched_environments(chain.root, "HEAD") == []


def test_a_change_outside_environments_plans_nothing_and_exits_0(chain, cli):
    chain.write("docs/notes.md", "# notes\n")

    result = cli("ci", "plan", "--base", "HEAD")

    assert result.code == 0, result.err
    comment = (chain.root / "syncset-out" / "comment.md").read_text(encoding="utf-8")
    assert "No environment is affected" in comment
    assert "**0 environments, 0 with changes, 0 without, 0 failed**" in comment


def test_each_plan_is_saved_as_json_next_to_one_comment_and_changes_exit_2(chain, cli):
    chain.write("environments/qa/teams/b.yaml", TEAM.format(id="b", name="B"))
    chain.write("environments/prod/teams/b.yaml", TEAM.format(id="b", name="B"))

    result = cli("ci", "plan", "--base", "HEAD", "--out-dir", "out")

    assert result.code == 2, result.err
    out = chain.root / "out"
    assert sorted(p.name for p in out.iterdir()) == ["comment.md", "prod.plan.json", "qa.plan.json"]
    assert load_plan(out / "qa.plan.json").environment == "qa"
    comment = (out / "comment.md").read_text(encoding="utf-8")
    assert comment.startswith(MARKER + "\n## syncset plan")
    assert comment.index("### syncset plan: `qa`") < comment.index("### syncset plan: `prod`")
    assert "**2 environments, 2 with changes, 0 without, 0 failed**" in comment


def test_environments_that_match_their_accounts_exit_0(chain, cli):
    assert cli("apply", "qa", "--auto-approve").code == 0
    chain.write(
        "environments/qa/teams/a.yaml", "# a comment only\n" + TEAM.format(id="a", name="A")
    )

    result = cli("ci", "plan", "--base", "HEAD")

    assert result.code == 0, result.out + result.err
    assert "1 environment, 0 with changes, 1 without, 0 failed" in result.out


def test_a_failed_environment_shows_its_error_never_its_secret_and_exits_1(chain, cli, monkeypatch):
    monkeypatch.setenv("PROD_ACCOUNT_KEY", "s3cret-account-key")
    chain.add_environment(
        "prod",
        account="provider: sandbox\npath: \"{{ env('PROD_ACCOUNT_KEY') }}/prod.sqlite\"\n"
        "create: false",
        extra="promotes_from: qa\n",
    )
    chain.write("environments/qa/teams/b.yaml", TEAM.format(id="b", name="B"))

    result = cli("ci", "plan", "--base", "HEAD")

    assert result.code == 1
    comment = (chain.root / "syncset-out" / "comment.md").read_text(encoding="utf-8")
    assert "❌ **Failed**: the plan could not be made" in comment
    assert "sandbox account ***/prod.sqlite does not exist" in comment
    assert "s3cret-account-key" not in comment + result.out + result.err
    assert "**2 environments, 1 with changes, 0 without, 1 failed**" in comment
    assert not (chain.root / "syncset-out" / "prod.plan.json").exists()
    error = (chain.root / "syncset-out" / "prod.error.txt").read_text(encoding="utf-8")
    assert "sandbox account ***/prod.sqlite does not exist" in error
    assert "s3cret-account-key" not in error


def test_graph_adds_the_mermaid_graph_of_what_changes(chain, cli):
    chain.write("environments/qa/teams/b.yaml", TEAM.format(id="b", name="B"))

    assert cli("ci", "plan", "--base", "HEAD", "--graph").code == 2

    comment = (chain.root / "syncset-out" / "comment.md").read_text(encoding="utf-8")
    graph = comment.split("```mermaid\n", 1)[1].split("```", 1)[0]
    assert '["team/b"]' in graph and "class n0,n1 create" in graph


def test_changed_lists_the_environments_for_a_job_matrix(chain, cli):
    chain.write(".syncset-version", "syncset-gitops==0.1.0\n")

    result = cli("ci", "changed", "--base", "HEAD", "--format", "json")

    assert json.loads(result.out) == ["dev", "qa", "prod"]


def test_changed_without_base_or_env_says_what_it_needs_and_an_unknown_env_is_an_error(chain, cli):
    neither = cli("ci", "changed")
    unknown = cli("ci", "changed", "--env", "customers/*")

    assert neither.code == 1 and "ci changed needs --base or --env" in neither.err
    assert unknown.code == 1 and "no environment matches 'customers/*'" in unknown.err
    assert "Traceback" not in neither.err + unknown.err


def test_a_change_in_a_grouped_folder_touches_that_environment_and_saves_its_plan(chain, cli):
    chain.add_environment("customers/acme", extra="promotes_from: prod\n")
    chain.add_environment("customers/globex", extra="promotes_from: prod\n")
    for env in ("customers/acme", "customers/globex"):
        chain.write(f"environments/{env}/teams/a.yaml", TEAM.format(id="a", name="A"))
    git(chain.root, "add", "-A")
    git(chain.root, "commit", "-q", "-m", "customers")
    chain.write("environments/customers/acme/teams/b.yaml", TEAM.format(id="b", name="B"))
    chain.write("environments/qa/teams/b.yaml", TEAM.format(id="b", name="B"))

    changed = cli("ci", "changed", "--base", "HEAD", "--format", "json")
    matrix = cli("ci", "changed", "--base", "HEAD", "--format", "matrix")
    planned = cli("ci", "plan", "--base", "HEAD")

    assert json.loads(changed.out) == ["qa", "customers/acme"]
    assert json.loads(matrix.out) == [
        {"name": "qa", "key": "qa"},
        {"name": "customers/acme", "key": "customers~acme"},
    ]
    assert planned.code == 2, planned.err
    saved = chain.root / "syncset-out" / "customers~acme.plan.json"
    assert load_plan(saved).environment == "customers/acme"
    assert "customers/acme: changes (plan: syncset-out/customers~acme.plan.json)" in planned.out
    applied = cli("ci", "apply", "--plans", "syncset-out", "--auto-approve")
    assert applied.code == 0, applied.out + applied.err
    assert "customers/acme: completed: 2 applied" in applied.out


# -- the comment's budget (pure: plans made as data) -------------------------------------------


def big_plan(env: str, records: int) -> Plan:
    changes = tuple(
        RecordChange(
            kind="team" if index % 2 else "calendar",
            id=f"record-{index:04d}",
            name=f"Record {index}",
            status=Status.DOESNT_EXIST,
            action=Action.CREATE,
            managed=True,
            changes=(FieldChange(field="description", after="x" * 150),),
        )
        for index in range(records)
    )
    return Plan(
        environment=env,
        account=f"sandbox .syncset/{env}.sqlite",
        status=PlanStatus.PREPARED,
        created_at="2026-01-01T00:00:00Z",
        env_digest="sha256:0",
        summary={
            "calendar": {"doesnt_exist": records // 2},
            "team": {"doesnt_exist": records // 2},
        },
        changes=changes,
    )


def test_a_comment_over_the_limit_is_cut_per_section_and_says_where_the_rest_is():
    results = [EnvPlan(env, "changed", plan=big_plan(env, 400)) for env in ("dev", "qa", "prod")]

    comment = plan_comment(results, CommentContext("abc", "def", "https://ci.example/run/1"))

    assert len(comment) <= COMMENT_LIMIT
    for env in ("dev", "qa", "prod"):
        assert f"### syncset plan: `{env}`" in comment
        cut = f"were cut to keep this comment under 65,536 characters: `{env}.plan.json` has them"
        assert cut in comment
    assert "[workflow run's artifacts](https://ci.example/run/1)" in comment
    assert comment.rstrip().endswith("artifacts](https://ci.example/run/1).")
    assert "**3 environments, 3 with changes, 0 without, 0 failed**" in comment


def test_sections_that_fit_are_kept_whole_while_the_largest_gives_way():
    small = big_plan("dev", 4)
    results = [
        EnvPlan("dev", "changed", plan=small),
        EnvPlan("qa", "changed", plan=big_plan("qa", 800)),
    ]

    comment = plan_comment(results, CommentContext("abc"), limit=20_000)

    assert len(comment) <= 20_000
    assert "record-0003" in comment.split("### syncset plan: `qa`")[0]
    assert "✂️" not in comment.split("### syncset plan: `qa`")[0]
    assert "✂️" in comment.split("### syncset plan: `qa`")[1]


def test_a_comment_under_the_limit_is_not_cut():
    results = [EnvPlan("qa", "changed", plan=big_plan("qa", 10))]

    comment = plan_comment(results, CommentContext("abc"))

    assert "✂️" not in comment
    assert "record-0009" in comment


@pytest.mark.parametrize("records", [700, 760, 820, 900, 1000, 1500])
def test_a_cut_plan_is_never_over_its_stated_limit_and_says_so_in_its_own_paragraph(records):
    plan = big_plan("qa", records)
    plan = plan.model_copy(
        update={
            "changes": tuple(
                c.model_copy(update={"changes": (FieldChange(field="x", after="é" * (i % 97)),)})
                for i, c in enumerate(plan.changes)
            )
        }
    )

    text = plan_markdown(plan)

    assert len(text) <= MAX_CHARS
    assert "\n\n⚠️ " in text
    assert "has all.\n\n**Plan**: " in text


def test_a_graph_that_does_not_fit_is_named_as_left_out_not_dropped_silently():
    graph = "flowchart LR\n" + "".join(f'  n{i}["team/t{i}"]\n' for i in range(5_000))
    results = [EnvPlan("qa", "changed", plan=big_plan("qa", 10), graph=graph)]

    comment = plan_comment(results, CommentContext("abc"), limit=20_000)

    assert "```mermaid" not in comment
    assert "The dependency graph was left out to stay under 20,000 characters" in comment
    assert "`syncset graph qa` draws it." in comment


def test_left_out_sections_are_named_in_a_paragraph_of_their_own():
    """Below FLEET_FROM environments (the fleet layout is tested in test_ci_fleet.py)."""
    count = FLEET_FROM - 1
    results = [EnvPlan(f"env-{i}", "changed", plan=big_plan(f"env-{i}", 4)) for i in range(count)]

    comment = plan_comment(results, CommentContext("abc"), limit=2_500)

    assert len(comment) <= 2_500
    assert "\n\n✂️ " in comment and f"under the limit.\n\n**{count} environments" in comment
