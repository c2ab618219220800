"""The shipped workflows' own commands, step by step, on sandbox accounts in a git repository.

A pull request promotes dev → qa; the plan workflow's steps produce the comment; after the merge
the apply workflow's steps apply the plan reviewed on the pull request; the plan step run again
shows no changes; a hand edit in the qa account is found by the drift workflow's step, which
also offers it as a branch. Only the syncset steps run (the ones that call GitHub's API are
covered by actionlint in test_workflows.py); each runs the exact ``run:`` text of the YAML.
"""

from __future__ import annotations

import contextlib
import http.server
import io
import json
import re
import shutil
import textwrap
import threading
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from ci_helpers import (
    PROJECT_ROOT,
    example_repo,
    git,
    hand_edit,
    load_workflow,
    run_gitlab_job,
    run_step,
    syncset_steps,
)
from ruamel.yaml import YAML

from syncset.ci.comment import COMMENT_LIMIT, MARKER
from syncset.plan.model import load_plan

if TYPE_CHECKING:
    from collections.abc import Iterator

    from conftest import CliRunner

PLAN, APPLY, DRIFT = "syncset-plan.yml", "syncset-apply.yml", "syncset-drift.yml"
GITHUB = {
    "github.server_url": "https://github.com",
    "github.repository": "widget/config",
    "github.run_id": "123",
    "github.token": "not-a-real-token",
}


@pytest.fixture
def pull_request(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: CliRunner
) -> tuple[Path, str]:
    """The example repository on a branch made by ``syncset promote dev qa``; returns the base.

    The promotion is the developer's step before the pull request, not a workflow step: it runs
    in-process (the workflow steps under test run as the runner runs them, in bash).
    """
    monkeypatch.delenv("SYNCSET_ROOT", raising=False)
    root = example_repo(tmp_path / "repo")
    base = git(root, "rev-parse", "HEAD")
    monkeypatch.chdir(root)
    promote = cli("promote", "dev", "qa")
    assert promote.code == 0, promote.err
    assert git(root, "branch", "--show-current").startswith("promote/dev-to-qa/")
    return root, base


def documented_comment() -> str:
    """The example comment of docs/ci.md (a blockquote), as the markdown it quotes."""
    text = (PROJECT_ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    block = text.split("shown as GitHub renders it:\n\n", 1)[1].split("\n\n", 1)[0]
    return "\n".join(line[2:] for line in block.splitlines()) + "\n"


def without_commits(text: str) -> str:
    return re.sub(r"`[0-9a-f]{10}`", "`<commit>`", text)


def run_plan_workflow(root: Path, base: str) -> dict[str, object]:
    workflow = load_workflow(PLAN)
    steps = syncset_steps(workflow, "plan")
    assert [s["name"] for s in steps] == ["Validate", "Plan the changed environments"]
    expressions = GITHUB | {"github.event.pull_request.base.sha": base}
    validate = run_step(workflow, "plan", steps[0], root, expressions)
    assert validate.code == 0, validate.stderr
    plan = run_step(workflow, "plan", steps[1], root, expressions)
    assert plan.code == 0, plan.stderr
    comment = (root / "syncset-out" / "comment.md").read_text(encoding="utf-8")
    return {"exitcode": plan.outputs["exitcode"], "comment": comment, "summary": plan.summary}


def test_pull_request_merge_and_drift_through_the_workflow_steps(pull_request, tmp_path):
    root, base = pull_request

    # The pull request: the plan step writes one comment with the qa section and the footer.
    planned = run_plan_workflow(root, base)
    comment = str(planned["comment"])
    assert planned["exitcode"] == "2"
    assert comment.startswith(MARKER)
    assert "### syncset plan: `qa`" in comment
    assert "✅ **Prepared**: ready to apply" in comment
    assert "**1 environment, 1 with changes, 0 without, 0 failed**" in comment
    assert "```mermaid" in comment
    assert len(comment) < COMMENT_LIMIT
    assert planned["summary"] == comment
    assert load_plan(root / "syncset-out" / "qa.plan.json").environment == "qa"
    assert without_commits(comment) == without_commits(documented_comment())

    # The merge; the apply workflow downloads the pull request's plans (here: a copy).
    shutil.copytree(root / "syncset-out", root / "saved-plans")
    branch = git(root, "branch", "--show-current")
    git(root, "checkout", "-q", "main")
    git(root, "merge", "-q", "--no-ff", branch, "-m", "Merge the promotion")
    workflow = load_workflow(APPLY)
    [find] = syncset_steps(workflow, "changed")
    changed = run_step(
        workflow,
        "changed",
        find,
        root,
        GITHUB | {"github.event.before": base, "inputs.environment": ""},
    )
    assert changed.code == 0, changed.stderr
    environments = json.loads(changed.outputs["environments"])
    assert environments == [{"name": "qa", "key": "qa"}]
    [apply] = syncset_steps(workflow, "apply")
    for env in environments:
        expressions = GITHUB | {
            "matrix.environment.name": env["name"],
            "steps.saved.outputs.plans": "saved-plans",
        }
        applied = run_step(workflow, "apply", apply, root, expressions)
        assert applied.code == 0, applied.stdout + applied.stderr
    report = (root / "syncset-out" / "apply.md").read_text(encoding="utf-8")
    assert "| `qa` | ✅ completed | saved plan |" in report

    # After the apply, the plan of the same change shows nothing left to do.
    again = run_plan_workflow(root, base)
    assert again["exitcode"] == "0"
    assert "**1 environment, 0 with changes, 1 without, 0 failed**" in str(again["comment"])
    assert "no changes, the account matches" in str(again["comment"])

    # Someone edits the qa account by hand: the nightly drift step finds it.
    hand_edit(root, "qa", "team", "remarks", "Edited by hand in the qa account")
    workflow = load_workflow(DRIFT)
    detect, offer = syncset_steps(workflow, "drift")
    assert (detect["name"], offer["name"]) == (
        "Detect drift",
        "Offer the live values as a pull request",
    )
    found = run_step(workflow, "drift", detect, root, GITHUB | {"matrix.environment.name": "qa"})
    assert found.code == 0, found.stderr
    assert found.outputs["exitcode"] == "2"
    assert "Drift in `qa`" in found.summary
    assert "Edited by hand in the qa account" in found.summary

    # ...and offers the live values as a branch, pushed for a pull request (gh stands in).
    git(tmp_path, "init", "-q", "--bare", "origin.git")
    git(root, "remote", "add", "origin", str(tmp_path / "origin.git"))
    stand_ins = tmp_path / "bin"
    stand_ins.mkdir()
    gh = stand_ins / "gh"
    gh.write_text(f'#!/bin/sh\necho "$@" >> {tmp_path / "gh.log"}\n', encoding="utf-8")
    gh.chmod(0o755)
    offered = run_step(
        workflow, "drift", offer, root, GITHUB | {"matrix.environment.name": "qa"}, (stand_ins,)
    )
    assert offered.code == 0, offered.stderr
    pushed = git(tmp_path / "origin.git", "branch", "--list", "drift/qa/*")
    assert pushed.strip().startswith("drift/qa/")
    assert "pr create --head drift/qa/" in (tmp_path / "gh.log").read_text(encoding="utf-8")
    adopted = git(
        root, "show", f"{pushed.strip()}:environments/qa/teams/application-development.yaml"
    )
    assert "remarks: Edited by hand in the qa account" in adopted
    assert git(root, "branch", "--show-current") == "main"


def test_the_gitlab_jobs_run_their_scripts_on_the_same_story(pull_request):
    root, base = pull_request
    pipeline = YAML(typ="safe").load((PROJECT_ROOT / "docs/ci/gitlab-ci.yml").read_text("utf-8"))
    job_url = {"CI_JOB_URL": "https://gitlab.example/widget/config/-/jobs/1"}

    merge_request = run_gitlab_job(
        pipeline, "plan:merge-request", root, job_url | {"CI_MERGE_REQUEST_DIFF_BASE_SHA": base}
    )
    assert merge_request.returncode == 0, merge_request.stdout + merge_request.stderr
    assert "SYNCSET_GITLAB_TOKEN is not set" in merge_request.stdout
    comment = (root / "syncset-out" / "comment.md").read_text(encoding="utf-8")
    assert "**1 environment, 1 with changes, 0 without, 0 failed**" in comment

    reviewed = _artifacts_zip(root / "syncset-out")

    git(root, "checkout", "-q", "main")
    git(root, "merge", "-q", "--no-ff", "-", "-m", "Merge the promotion")
    merged = git(root, "rev-parse", "HEAD").strip()
    planned = run_gitlab_job(pipeline, "plan:main", root, {"CI_COMMIT_BEFORE_SHA": base})
    assert planned.returncode == 0, planned.stderr
    (root / "syncset-out" / "qa.plan.json").unlink()  # plan:main's plan is not the one applied

    with _fake_gitlab(merged, reviewed) as api_url:
        gitlab = {
            "CI_API_V4_URL": api_url,
            "CI_PROJECT_ID": "7",
            "CI_COMMIT_SHA": merged,
            "CI_JOB_TOKEN": JOB_TOKEN,
            "SYNCSET_GITLAB_TOKEN": API_TOKEN,
        }
        applied = run_gitlab_job(pipeline, "apply:qa", root, gitlab)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "Applying the plan of merge request !12 (job 31)." in applied.stdout
    assert API_TOKEN not in applied.stdout + applied.stderr
    assert JOB_TOKEN not in applied.stdout + applied.stderr
    assert sorted(p.name for p in (root / "saved-plans").iterdir()) == [
        "outside.plan.json",
        "qa.plan.json",
    ]
    assert not (root.parent / "outside.plan.json").exists()
    assert "| `qa` | ✅ completed | saved plan |" in (root / "syncset-out" / "apply.md").read_text(
        encoding="utf-8"
    )

    # Without SYNCSET_GITLAB_TOKEN there is no merge request to take a plan from: plan afresh.
    afresh = run_gitlab_job(pipeline, "apply:qa", root, {"CI_COMMIT_SHA": merged})
    assert afresh.returncode == 0, afresh.stdout + afresh.stderr
    assert "SYNCSET_GITLAB_TOKEN is not set" in afresh.stdout
    assert "qa is planned at apply" in afresh.stdout
    assert "saved plan" not in (root / "syncset-out" / "apply.md").read_text(encoding="utf-8")

    hand_edit(root, "qa", "team", "remarks", "Edited by hand")
    drift = run_gitlab_job(pipeline, "drift", root, job_url | {"SYNCSET_ENVIRONMENT": "qa"})
    assert drift.returncode == 0, drift.stderr
    assert "Edited by hand" in (root / "drift.md").read_text(encoding="utf-8")


def test_the_gitlab_api_snippets_are_valid_python():
    text = (PROJECT_ROOT / "docs/ci/gitlab-ci.yml").read_text(encoding="utf-8")
    snippets = re.findall(r"python - <<'EOF'\n(.*?)\n\s*EOF", text, re.DOTALL)
    assert len(snippets) == 2
    for snippet in snippets:
        compile(textwrap.dedent(snippet), "gitlab-ci.yml", "exec")


API_TOKEN, JOB_TOKEN = "glpat-api-secret-1234", "job-token-secret-5678"


def _artifacts_zip(out_dir: Path) -> bytes:
    """The plan:merge-request job's artifacts as GitLab serves them, plus a hostile entry."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for file in sorted(out_dir.iterdir()):
            archive.write(file, f"syncset-out/{file.name}")
        archive.writestr("../outside.plan.json", "{}")
    return buffer.getvalue()


@contextlib.contextmanager
def _fake_gitlab(merged_sha: str, artifacts: bytes) -> Iterator[str]:
    """GitLab's REST API v4 for the apply job, from its documentation: the merge requests of a
    commit, a merge request's pipelines (newest first), a pipeline's jobs, a job's artifacts
    (a zip; CI_JOB_TOKEN is accepted there only)."""
    api = {
        f"/projects/7/repository/commits/{merged_sha}/merge_requests": [
            {"iid": 12, "state": "merged", "merge_commit_sha": merged_sha}
        ],
        "/projects/7/merge_requests/12/pipelines": [
            {"id": 502, "sha": "b" * 40, "status": "failed"},
            {"id": 501, "sha": "a" * 40, "status": "success"},
        ],
        "/projects/7/pipelines/501/jobs": [
            {"id": 30, "name": "validate", "status": "success"},
            {"id": 31, "name": "plan:merge-request", "status": "success"},
        ],
    }

    class GitLab(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0].removeprefix("/api/v4")
            if path == "/projects/7/jobs/31/artifacts":
                ok = self.headers.get("JOB-TOKEN") == JOB_TOKEN
                self._send(200 if ok else 401, artifacts if ok else b"{}", "application/zip")
            elif self.headers.get("PRIVATE-TOKEN") != API_TOKEN:
                self._send(401, b'{"message":"401 Unauthorized"}', "application/json")
            elif path in api:
                self._send(200, json.dumps(api[path]).encode(), "application/json")
            else:
                self._send(404, b'{"message":"404 Not found"}', "application/json")

        def _send(self, status: int, body: bytes, kind: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), GitLab)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api/v4"
    finally:
        server.shutdown()
        server.server_close()
