"""The seed story end to end against two fake 4me/Xurrent accounts: dev → qa, people mapped.

The same steps as ``make demo`` (engine/demo.py), but each environment's account is a fake
Xurrent server on 127.0.0.1 reached by the ``xurrent`` provider over HTTP: build the scrum
configuration in dev, promote it to qa on a git branch, map the people qa lacks, apply, and
plan again to find no differences. The servers check every query against the schema.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import git
import pytest
from fake_sites import CLIENT_SECRET, XurrentSite
from ruamel.yaml import YAML
from serverkit import Limits

PROJECT = Path(__file__).resolve().parents[2]
BURST = {"burst": 20, "window": 0.5}


def account_block(site: XurrentSite, secret_env: str) -> str:
    return "\n".join(
        [
            "account:",
            "  provider: xurrent",
            f"  account: {site.account.account}",
            f"  url: {site.server.url}/graphql",
            f"  token_url: {site.server.url}/token",
            "  client_id: syncset-ci",
            f"  client_secret: '{{{{ env(\"{secret_env}\") }}}}'",
            "  http: {backoff_seconds: 0.01, burst: {requests: 20, per_seconds: 0.5}}",
        ]
    )


def point_at(root: Path, env: str, site: XurrentSite, secret_env: str) -> None:
    path = root / "environments" / env / "environment.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    start = lines.index("account:")
    end = start + 1
    while end < len(lines) and lines[end].startswith("  "):
        end += 1
    lines[start:end] = account_block(site, secret_env).splitlines()
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def seed_people(site: XurrentSite, people_file: Path) -> dict[str, str]:
    """The people of a docs/demo file, made by hand in the account: e-mail → live id."""
    organizations: dict[str, str] = {}
    people: dict[str, str] = {}
    for doc in YAML(typ="safe").load_all(people_file.read_text(encoding="utf-8")):
        if doc["kind"] == "organization":
            organizations[doc["name"]] = site.account.seed("Organization", name=doc["name"])
        else:
            people[doc["primary_email"]] = site.account.seed(
                "Person",
                name=doc["name"],
                primaryEmail=doc["primary_email"],
                organization=organizations[doc["organization"]],
            )
    return people


@pytest.fixture
def story_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "repo"
    for name in ("environments", "docs/demo"):
        shutil.copytree(PROJECT / name, root / name)
    shutil.copy2(PROJECT / "syncsets.yaml", root / "syncsets.yaml")
    (root / ".gitignore").write_text(".syncset/\n", encoding="utf-8")
    monkeypatch.chdir(root)
    monkeypatch.setenv("SYNCSET_ROOT", str(root))
    monkeypatch.setenv("DEV_CLIENT_SECRET", CLIENT_SECRET)
    monkeypatch.setenv("QA_CLIENT_SECRET", CLIENT_SECRET)
    return root


def commit_all(root: Path, message: str) -> None:
    repo = git.Repo.init(root) if not (root / ".git").exists() else git.Repo(root)
    repo.git.add(A=True)
    actor = git.Actor("syncset tests", "tests@syncset.invalid")
    repo.index.commit(message, author=actor, committer=actor)


def test_seed_story_dev_to_qa_with_people_mapped_over_graphql(
    story_repo: Path,
    cli: Callable[..., Any],
    xurrent_site: Callable[..., XurrentSite],
) -> None:
    dev, qa = xurrent_site(limits=Limits(**BURST)), xurrent_site(limits=Limits(**BURST))
    dev_people = seed_people(dev, story_repo / "docs/demo/wdc-people.yaml")
    qa_people = seed_people(qa, story_repo / "docs/demo/widget-europe-people.yaml")
    point_at(story_repo, "dev", dev, "DEV_CLIENT_SECRET")
    point_at(story_repo, "qa", qa, "QA_CLIENT_SECRET")
    commit_all(story_repo, "The example environments on two Xurrent accounts")

    def run(*args: str, expect: int = 0) -> str:
        result = cli(*args)
        assert result.code == expect, f"syncset {' '.join(args)}\n{result.out}\n{result.err}"
        assert CLIENT_SECRET not in result.out + result.err
        return str(result.out)

    run("validate")
    run("ping", "dev")
    run("plan", "dev")
    run("apply", "dev", "--auto-approve")
    run("plan", "dev", "--detailed-exitcode")
    run("promote", "dev", "qa", "--sync-set", "scrum")
    being_prepared = run("plan", "qa")
    run("map", "qa", "--suggest")
    run("map", "qa", "--set", "person:rodney.wilson@wdc.example=ander.alkin@widget.example")
    run("apply", "qa", "--auto-approve")
    run("plan", "qa", "--detailed-exitcode")

    assert "Being Prepared" in being_prepared
    assert "rodney.wilson@wdc.example" in being_prepared
    team = _only(qa, "Team")
    assert (team["source"], team["sourceID"]) == ("syncset", "application-development")
    assert team["manager"] == qa_people["ander.alkin@widget.example"]
    assert team["coordinator"] == qa_people["frank.watson@wdc.example"]
    assert sorted(team["members"]) == sorted(
        [qa_people["frank.watson@wdc.example"], qa_people["howard.tanner@widget.example"]]
    )
    board = _only(qa, "AgileBoard")
    assert [c["name"] for c in board["columns"]] == ["To Do", "In Progress", "Review", "Done"]
    assert board["columns"][1]["team"] == team["id"]
    assert team["agileBoard"] == board["id"]
    calendar = _only(qa, "Calendar")
    assert len(calendar["calendarHours"]) == 5 and len(calendar["holidays"]) == 2
    assert _only(dev, "Team")["manager"] == dev_people["rodney.wilson@wdc.example"]
    for site in (dev, qa):
        assert site.account.counters["invalid"] == 0
        assert site.account.counters["spliced"] == 0
        # Each command is a new client that cannot know the last one's burst: it may meet
        # one 429, and after waiting as told, no other.
        seen = site.account.counters.snapshot()
        assert max((n for k, n in seen.items() if k.startswith("429 for token")), default=0) <= 1
        managed = [r for r in site.account.records.values() if r.get("source") == "syncset"]
        assert len(managed) == len({r["sourceID"] + r["__typename"] for r in managed})


def _only(site: XurrentSite, type_name: str) -> dict[str, Any]:
    (record,) = site.account.of_type(type_name)
    return record
