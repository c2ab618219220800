"""The same story on an integration platform through the ``rest`` provider: dev → qa.

A flow with its solution and connection is applied to the dev platform, promoted to qa on a git
branch, applied there, and planned again with no differences: the engine and the declarative
provider agree about renamed fields, ownership fields and each pagination style.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import git
import pytest
from fake_sites import CLIENT_SECRET, RestSite
from ruamel.yaml import YAML


def environment_yaml(name: str, site: RestSite, promotes_from: str | None) -> str:
    settings = site.settings(http={"burst": {"requests": 20, "per_seconds": 0.5}})
    settings["auth"]["client_secret"] = '{{ env("REST_CLIENT_SECRET") }}'
    document: dict[str, Any] = {"version": 1, "name": name, "account": {"provider": "rest"}}
    document["account"].update(settings)
    if promotes_from:
        document["promotes_from"] = promotes_from
    path = Path("environments") / name / "environment.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    YAML().dump(document, path)
    return path.read_text(encoding="utf-8")


RECORDS = {
    "solutions/payroll.yaml": """
        kind: solution
        id: payroll
        name: Payroll
        description: Monthly payroll exports.
    """,
    "connections/payroll-sftp.yaml": """
        kind: connection
        id: payroll-sftp
        name: Payroll SFTP
        type: sftp
        settings: {host: sftp.example.invalid, port: 22}
    """,
    "flows/nightly-export.yaml": """
        kind: flow
        id: nightly-export
        name: Nightly export
        solution: payroll
        connections: [payroll-sftp]
        enabled: true
    """,
}


@pytest.fixture
def rest_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    monkeypatch.chdir(root)
    monkeypatch.setenv("SYNCSET_ROOT", str(root))
    monkeypatch.setenv("REST_CLIENT_SECRET", CLIENT_SECRET)
    (root / "syncsets.yaml").write_text(
        "version: 1\nsync_sets:\n  exports:\n    root: flow\n", encoding="utf-8"
    )
    for relative, text in RECORDS.items():
        path = root / "environments" / "dev" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    (root / ".gitignore").write_text(".syncset/\n", encoding="utf-8")
    return root


def test_rest_story_dev_to_qa_applies_once_and_then_shows_no_differences(
    rest_repo: Path, cli: Callable[..., Any], rest_site: Callable[..., RestSite]
) -> None:
    dev, qa = rest_site(), rest_site()
    environment_yaml("dev", dev, None)
    environment_yaml("qa", qa, "dev")
    repo = git.Repo.init(rest_repo)
    repo.git.add(A=True)
    actor = git.Actor("syncset tests", "tests@syncset.invalid")
    repo.index.commit("dev and qa on two REST platforms", author=actor, committer=actor)

    def run(*args: str) -> str:
        result = cli(*args)
        assert result.code == 0, f"syncset {' '.join(args)}\n{result.out}\n{result.err}"
        assert CLIENT_SECRET not in result.out + result.err
        return str(result.out)

    run("ping", "dev")
    run("apply", "dev", "--auto-approve")
    run("plan", "dev", "--detailed-exitcode")
    run("promote", "dev", "qa", "--sync-set", "exports")
    run("apply", "qa", "--auto-approve")
    run("plan", "qa", "--detailed-exitcode")

    for site in (dev, qa):
        solutions = list(site.account.records["solutions"].values())
        connections = list(site.account.records["connections"].values())
        (flow,) = site.account.records["flows"].values()
        assert [(s["display_name"], s["origin_ref"]) for s in solutions] == [("Payroll", "payroll")]
        assert [c["source_id"] for c in connections] == ["payroll-sftp"]
        assert flow["solution_id"] == solutions[0]["id"]
        assert flow["connection_ids"] == [connections[0]["id"]]
        assert flow["source_id"] == "nightly-export"
