"""The seed story end to end against two fake 4me/Xurrent accounts: dev → qa, people mapped.

The same steps as ``make demo`` (engine/demo.py), but each environment's account is a fake
Xurrent server on 127.0.0.1 reached by the ``xurrent`` provider over HTTP: ping both (every
kind ok against the account's own schema), build the scrum configuration in dev, promote it to
qa on a git branch, see the plan Being Prepared with exactly the two people of 4me's page
(Frank Watson, coordinator; Rodney Wilson, product owner and manager), map them, see it
Prepared, apply (Completed), and plan again to find no differences. The servers check every
query against their schema; the qa account is also run as an older deployment.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import git
import pytest
from example_root import EXAMPLE_ROOT
from fake_clock import FakeClock
from fake_sites import CLIENT_SECRET, XurrentSite
from ruamel.yaml import YAML
from serverkit import Limits

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
        shutil.copytree(EXAMPLE_ROOT / name, root / name)
    shutil.copy2(EXAMPLE_ROOT / "syncsets.yaml", root / "syncsets.yaml")
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


FRANK, RODNEY = "frank.watson@wdc.example", "rodney.wilson@wdc.example"
FRANK_EUROPE, ANDER = "frank.watson@widget.example", "ander.alkin@widget.example"


@pytest.mark.parametrize(
    "qa_options",
    [
        pytest.param({}, id="qa-current-schema"),
        pytest.param(
            {"request_template_on_boards": False, "hour_ids": True}, id="qa-before-2025-11"
        ),
    ],
)
def test_seed_story_dev_to_qa_with_people_mapped_over_graphql(
    story_repo: Path,
    cli: Callable[..., Any],
    xurrent_site: Callable[..., XurrentSite],
    clock: FakeClock,
    qa_options: dict[str, Any],
) -> None:
    dev = xurrent_site(limits=Limits(**BURST, clock=clock))
    qa = xurrent_site(limits=Limits(**BURST, clock=clock), **qa_options)
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
    pinged = {env: run("ping", env) for env in ("dev", "qa")}
    run("plan", "dev")
    run("apply", "dev", "--auto-approve")
    run("plan", "dev", "--detailed-exitcode")
    run("promote", "dev", "qa", "--sync-set", "scrum")
    being_prepared = json.loads(run("plan", "qa", "--format", "json"))
    run("apply", "qa", "--auto-approve", expect=1)
    run("map", "qa", "--suggest")
    proposed = json.loads(run("plan", "qa", "--format", "json"))
    run("map", "qa", "--accept")
    run("map", "qa", "--set", f"person:{RODNEY}={ANDER}")
    prepared = json.loads(run("plan", "qa", "--format", "json"))
    applied = run("apply", "qa", "--auto-approve")
    run("plan", "qa", "--detailed-exitcode")

    for env, out in pinged.items():
        assert f"ping {env}: ok" in out
        assert "refused" not in out and "schema:" in out
    assert "request_template left out" in pinged["qa"] or not qa_options
    assert being_prepared["status"] == "being_prepared"
    assert {
        u["value"]: sorted(f"{x['record']}.{x['field']}" for x in u["used_by"])
        for u in being_prepared["unmapped"]
    } == {
        FRANK: ["team/application-development.coordinator"],
        RODNEY: [
            "agile_board/expense-reporting.manager",
            "product_backlog/expense-reporting.product_owner",
            "team/application-development.manager",
        ],
    }
    assert proposed["status"] == "being_prepared"
    assert [u["proposed"]["target"] for u in proposed["unmapped"] if u["proposed"]] == [
        FRANK_EUROPE
    ]
    assert prepared["status"] == "prepared"
    assert {m["value"]: m["target"] for m in prepared["mappings"]} == {
        FRANK: FRANK_EUROPE,
        RODNEY: ANDER,
    }
    assert "Apply of qa: Completed" in applied
    team = _only(qa, "Team")
    assert (team["source"], team["sourceID"]) == ("syncset", "application-development")
    assert team["manager"] == qa_people[ANDER]
    assert team["coordinator"] == qa_people[FRANK_EUROPE]
    assert not team.get("members"), "the people of the team are not in the sync set"
    board = _only(qa, "AgileBoard")
    columns = sorted(board["columns"], key=lambda c: c["position"])
    assert [c["name"] for c in columns] == ["To Do", "In Progress", "Review", "Done"]
    assert [c["actionType"] for c in columns] == ["none", "start", "assign", "complete"]
    assert columns[1]["team"] == team["id"]
    assert team["agileBoard"] == board["id"]
    calendar = _only(qa, "Calendar")
    assert sorted(h["weekday"] for h in calendar["calendarHours"]) == [
        "fri",
        "mon",
        "thu",
        "tue",
        "wed",
    ]
    assert len(calendar["holidays"]) == 2
    assert _only(dev, "Team")["manager"] == dev_people[RODNEY]
    for site in (dev, qa):
        assert site.account.counters["invalid"] == 0
        assert site.account.counters["schema"] >= 1
        # Each command is a new client that cannot know the last one's burst: it may meet a
        # 429 on what it has in flight then (one request, or one per apply thread), and after
        # waiting as told, no other.
        seen = site.account.counters.snapshot()
        assert max((n for k, n in seen.items() if k.startswith("429 for token")), default=0) <= 4
        managed = [r for r in site.account.records.values() if r.get("source") == "syncset"]
        assert len(managed) == len({r["sourceID"] + r["__typename"] for r in managed})


def _only(site: XurrentSite, type_name: str) -> dict[str, Any]:
    (record,) = site.account.of_type(type_name)
    return record
