"""``syncset init``: a new configuration repository that validates and plans as it is written.

The installed console script runs as a subprocess in an empty folder outside the checkout, as a
team that installed syncset with pipx would run it.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from ci_helpers import BIN, WORKFLOWS, actionlint, git, zizmor_findings
from ruamel.yaml import YAML

import syncset
from syncset.ci.plan import PIN_FILE

SYNCSET = BIN / "syncset"


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYNCSET_")}
    return subprocess.run(
        [str(SYNCSET), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def test_init_then_validate_then_plan_dev_succeed_in_an_empty_folder(tmp_path):
    repo = tmp_path / "config"
    repo.mkdir()
    done = run(repo, "init")
    assert done.returncode == 0, done.stderr
    assert "environments/dev/environment.yaml" in done.stdout
    assert "syncset validate" in done.stdout and "syncset plan dev" in done.stdout
    validated = run(repo, "validate")
    assert validated.returncode == 0, validated.stdout + validated.stderr
    planned = run(repo, "plan", "dev")
    assert planned.returncode == 0, planned.stdout + planned.stderr
    assert "Prepared" in planned.stdout


def test_the_environments_promote_dev_to_qa_to_prod_on_sandbox_accounts(tmp_path):
    assert run(tmp_path, "init", "new").returncode == 0
    yaml = YAML(typ="safe")
    for name, source in (("dev", None), ("qa", "dev"), ("prod", "qa")):
        text = (tmp_path / f"new/environments/{name}/environment.yaml").read_text("utf-8")
        config = yaml.load(text)
        assert config["account"] == {"provider": "sandbox", "path": f".syncset/{name}.sqlite"}
        assert config.get("promotes_from") == source
        assert "# provider: xurrent" in text and "# provider: rest" in text
        assert "{{ env(" in text
        assert yaml.load((tmp_path / f"new/environments/{name}/mappings.yaml").read_text("utf-8"))


def test_the_pin_is_the_version_that_ran_init(tmp_path):
    assert run(tmp_path, "init").returncode == 0
    assert (tmp_path / PIN_FILE).read_text("utf-8") == f"{syncset.__version__}\n"
    version = run(tmp_path, "--version").stdout.split()[-1]
    assert version == syncset.__version__
    assert ".syncset/" in (tmp_path / ".gitignore").read_text("utf-8").splitlines()
    pre_commit = (tmp_path / ".pre-commit-config.yaml").read_text("utf-8")
    assert f"rev: v{syncset.__version__}" in pre_commit
    [repo] = YAML(typ="safe").load(pre_commit)["repos"]
    assert repo["hooks"][0]["entry"] == "syncset validate"


def test_init_refuses_to_overwrite_naming_every_file_and_writing_nothing(tmp_path):
    (tmp_path / "environments/dev").mkdir(parents=True)
    (tmp_path / "environments/dev/environment.yaml").write_text("mine\n", "utf-8")
    (tmp_path / ".gitignore").write_text("mine\n", "utf-8")
    done = run(tmp_path, "init")
    assert done.returncode == 1
    assert "environments/dev/environment.yaml" in done.stderr and ".gitignore" in done.stderr
    assert "--force" in done.stderr and "Traceback" not in done.stderr
    assert (tmp_path / ".gitignore").read_text("utf-8") == "mine\n"
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == [
        ".gitignore",
        "environment.yaml",
    ]


def test_init_force_overwrites(tmp_path):
    (tmp_path / ".gitignore").write_text("mine\n", "utf-8")
    done = run(tmp_path, "init", "--force")
    assert done.returncode == 0, done.stderr
    assert ".syncset/" in (tmp_path / ".gitignore").read_text("utf-8")


def test_the_editor_settings_point_at_schemas_init_wrote(tmp_path):
    assert run(tmp_path, "init").returncode == 0
    settings = json.loads((tmp_path / ".vscode/settings.json").read_text("utf-8"))
    for schema in settings["yaml.schemas"]:
        assert json.loads((tmp_path / schema).read_text("utf-8"))


def test_the_generated_workflows_pass_actionlint_and_zizmor(tmp_path):
    assert run(tmp_path, "init").returncode == 0
    git(tmp_path, "init", "-q")
    workflows = sorted((tmp_path / ".github/workflows").glob("*.yml"))
    assert [p.name for p in workflows] == [
        "syncset-apply.yml",
        "syncset-drift.yml",
        "syncset-plan.yml",
    ]
    linted = actionlint(tmp_path, *workflows)
    assert linted.returncode == 0, linted.stdout + linted.stderr
    assert zizmor_findings(*workflows) == []


def test_the_generated_pipelines_install_the_pinned_version(tmp_path):
    assert run(tmp_path, "init").returncode == 0
    pin = 'pip install "syncset-gitops==$(cat .syncset-version)"'
    yaml = YAML(typ="safe")
    for name in ("syncset-plan.yml", "syncset-apply.yml", "syncset-drift.yml"):
        workflow = yaml.load((tmp_path / ".github/workflows" / name).read_text("utf-8"))
        assert workflow["permissions"] == {}
        installs = [
            step["run"]
            for job in workflow["jobs"].values()
            for step in job["steps"]
            if step.get("name") == "Install syncset"
        ]
        assert installs and all(pin in run_ for run_ in installs)
        shipped = (WORKFLOWS / name).read_text("utf-8")
        assert shipped.count("uses: ") == (tmp_path / ".github/workflows" / name).read_text(
            "utf-8"
        ).count("uses: ")
    pipeline = yaml.load((tmp_path / ".gitlab-ci.yml").read_text("utf-8"))
    assert any(
        pin.replace("pip install", "pip install --quiet") in line
        for line in (pipeline["default"]["before_script"])
    )
    for env in ("dev", "qa", "prod"):
        assert pipeline[f"apply:{env}"]["resource_group"] == f"syncset-{env}"
    plan_paths = yaml.load((tmp_path / ".github/workflows/syncset-plan.yml").read_text("utf-8"))
    assert {"environments/**", "syncsets.yaml", PIN_FILE} <= set(
        plan_paths["on"]["pull_request"]["paths"]
    )


def test_the_generated_gitlab_pipeline_is_the_shipped_one_but_its_install_step():
    """engine/init/templates/gitlab-ci.yml is a copy of docs/ci/gitlab-ci.yml: only the first
    comment line and the install step (the pin only, no checkout fallback) may differ."""
    root = Path(syncset.__file__).resolve().parent.parent
    shipped = (root / "docs/ci/gitlab-ci.yml").read_text("utf-8").splitlines()
    generated = (root / "engine/init/templates/gitlab-ci.yml").read_text("utf-8").splitlines()
    install = shipped.index("  before_script:") + 1
    end = install + next(
        i for i, line in enumerate(shipped[install:]) if not line.startswith(("    ", "      "))
    )
    assert shipped[1:install] == generated[1:install]
    assert (
        generated[install] == '    - pip install --quiet "syncset-gitops==$(cat .syncset-version)"'
    )
    assert shipped[end:] == generated[install + 1 :]
