"""Helpers for the CI tests: a git repository of the example environments, workflow steps.

:func:`example_repo` copies the shipped example environments into ``tmp_path`` as a git
repository with sandbox accounts; :func:`run_step` runs one step of a shipped workflow exactly as
its ``run:`` text says, in bash as GitHub's runner does (``bash -eo pipefail``), with the step's
``env:`` expressions replaced by values the test gives, ``$GITHUB_OUTPUT`` and
``$GITHUB_STEP_SUMMARY`` files, and this virtualenv's ``syncset`` first on ``PATH``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from example_root import EXAMPLE_ROOT, PROJECT_ROOT
from ruamel.yaml import YAML

from syncset.apply.sandbox_load import load_into_sandbox
from syncset.config.validate import validate_environment

WORKFLOWS = PROJECT_ROOT / ".github" / "workflows"
BIN = Path(sys.executable).parent
"""This virtualenv's scripts: syncset, actionlint, shellcheck."""
SYNCSET_STEP = re.compile(r"(^|[\s;|&(])syncset\s", re.MULTILINE)
"""A ``run:`` script that calls the syncset command (not merely names syncset-plan.yml)."""
EXPRESSION = re.compile(r"\$\{\{\s*(.+?)\s*\}\}")
ACTIONLINT = BIN / "actionlint"


def git(root: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=CI Test", "-c", "user.email=ci@test.example", *args],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def example_repo(root: Path) -> Path:
    """The example environments under git on ``main``; qa's sandbox holds the people it maps."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copytree(EXAMPLE_ROOT / "environments", root / "environments")
    shutil.copytree(EXAMPLE_ROOT / "docs" / "demo", root / "docs" / "demo")
    shutil.copy(EXAMPLE_ROOT / "syncsets.yaml", root / "syncsets.yaml")
    (root / ".gitignore").write_text(".syncset/\nsyncset-out/\nsaved-plans/\n", encoding="utf-8")
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.name", "CI Test")
    git(root, "config", "user.email", "ci@test.example")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "Example environments")
    for env, people in (
        ("dev", "wdc-people"),
        ("qa", "wdc-people"),
        ("qa", "widget-europe-people"),
    ):
        load_into_sandbox(
            validate_environment(root, env), root / "docs" / "demo" / f"{people}.yaml"
        )
    return root


def hand_edit(root: Path, env: str, kind: str, field: str, value: Any) -> None:
    """Change one field of every ``kind`` record in the sandbox, as a person would by hand."""
    db = sqlite3.connect(root / ".syncset" / f"{env}.sqlite")
    try:
        found = db.execute("SELECT live_id, data FROM records WHERE kind = ?", (kind,)).fetchall()
        assert found, f"no {kind} in the {env} sandbox"
        for live_id, data in found:
            fields = json.loads(data)
            fields[field] = value
            db.execute(
                "UPDATE records SET data = ? WHERE live_id = ?", (json.dumps(fields), live_id)
            )
        db.commit()
    finally:
        db.close()


def load_workflow(name: str) -> dict[str, Any]:
    data: dict[str, Any] = YAML(typ="safe").load((WORKFLOWS / name).read_text(encoding="utf-8"))
    return data


def syncset_steps(workflow: dict[str, Any], job: str) -> list[dict[str, Any]]:
    """The steps of ``job`` whose ``run:`` calls syncset, in order."""
    steps = workflow["jobs"][job]["steps"]
    return [s for s in steps if "run" in s and SYNCSET_STEP.search(s["run"])]


def substitute(text: str, expressions: dict[str, str]) -> str:
    """``${{ expr }}`` replaced by the test's value; an expression the test did not give fails."""

    def value(match: re.Match[str]) -> str:
        expr = match.group(1)
        if expr not in expressions:
            raise AssertionError(f"the test gives no value for ${{{{ {expr} }}}} in {text!r}")
        return expressions[expr]

    return EXPRESSION.sub(value, text)


@dataclass
class StepRun:
    code: int
    stdout: str
    stderr: str
    outputs: dict[str, str]
    summary: str


def run_step(
    workflow: dict[str, Any],
    job: str,
    step: dict[str, Any],
    cwd: Path,
    expressions: dict[str, str],
    path: tuple[Path, ...] = (),
) -> StepRun:
    """Run one step's ``run:`` script as the runner would (``path``: stand-ins such as gh)."""
    assert "${{" not in step["run"], "expressions belong in env:, never inside a run: script"
    scratch = cwd.parent / "runner"
    scratch.mkdir(exist_ok=True)
    output, summary = scratch / "output", scratch / "summary"
    output.write_text("", encoding="utf-8")
    summary.write_text("", encoding="utf-8")
    script = scratch / "step.sh"
    script.write_text(step["run"], encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SYNCSET_", "GITHUB_"))}
    for scope in (workflow.get("env"), workflow["jobs"][job].get("env"), step.get("env")):
        env.update({k: substitute(str(v), expressions) for k, v in (scope or {}).items()})
    env |= {
        "PATH": os.pathsep.join([*map(str, path), str(BIN), os.environ.get("PATH", "")]),
        "CI": "true",
        "GITHUB_OUTPUT": str(output),
        "GITHUB_STEP_SUMMARY": str(summary),
    }
    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    outputs = dict(
        line.split("=", 1) for line in output.read_text(encoding="utf-8").splitlines() if line
    )
    return StepRun(
        done.returncode, done.stdout, done.stderr, outputs, summary.read_text(encoding="utf-8")
    )


def run_gitlab_job(
    pipeline: dict[str, Any], name: str, cwd: Path, variables: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    """Run a GitLab job's ``script:`` lines in one bash, as the runner does (errexit on).

    The ``before_script`` (``pip install .``) is left out: syncset is installed here already.
    """
    job = pipeline[name]
    base = pipeline.get(job.get("extends", ""), {})
    lines = job.get("script") or base["script"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SYNCSET_", "CI_"))}
    env |= {k: str(v) for k, v in pipeline.get("variables", {}).items()}
    env |= {k: str(v) for k, v in {**base.get("variables", {}), **job.get("variables", {})}.items()}
    env |= variables | {"PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", "CI": "true"}
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", "\n".join(lines)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def actionlint(cwd: Path, *files: Path) -> subprocess.CompletedProcess[str]:
    assert ACTIONLINT.exists(), "actionlint is missing: run `make setup`"
    assert (BIN / "shellcheck").exists(), "shellcheck is missing: run `make setup`"
    return subprocess.run(
        [str(ACTIONLINT), "-no-color", *map(str, files)],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={"PATH": f"{BIN}:/usr/bin:/bin"},
        timeout=120,
    )


def zizmor_findings(*files: Path) -> list[str]:
    """zizmor's audits by name, offline (no GitHub API): one entry per finding."""
    assert (BIN / "zizmor").exists(), "zizmor is missing: run `make setup`"
    result = subprocess.run(
        [str(BIN / "zizmor"), "--offline", "--no-progress", "--format", "json", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode in (0, 11, 12, 13, 14), result.stderr
    return [finding["ident"] for finding in json.loads(result.stdout)]
