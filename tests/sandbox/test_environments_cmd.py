"""``syncset environments [--check]``: the fleet from the files, and a health probe per account."""

from __future__ import annotations

import json

import pytest
from ci_helpers import git

TEAM = "kind: team\nid: {id}\nname: {name}\n"
CALENDAR = "kind: calendar\nid: {id}\nname: {name}\n"


@pytest.fixture
def fleet(repo):
    """dev → qa → prod, and two customers promoted from prod, in a git repository."""
    repo.add_environment("qa", extra="promotes_from: dev\n")
    repo.add_environment("prod", extra="promotes_from: qa\n")
    repo.add_environment("customers/acme", extra="promotes_from: prod\n")
    repo.add_environment("customers/globex", extra="promotes_from: prod\n")
    for env in ("dev", "qa", "prod", "customers/acme", "customers/globex"):
        repo.write(f"environments/{env}/teams/a.yaml", TEAM.format(id="a", name="A"))
    repo.write("environments/dev/teams/b.yaml", TEAM.format(id="b", name="B"))
    repo.write("environments/dev/calendars/c.yaml", CALENDAR.format(id="c", name="C"))
    (repo.root / ".gitignore").write_text(".syncset/\n", encoding="utf-8")
    git(repo.root, "init", "-q", "-b", "main")
    git(repo.root, "add", "-A")
    git(repo.root, "commit", "-q", "-m", "start")
    return repo


def by_name(result):
    body = json.loads(result.out)
    return body, {env["name"]: env for env in body["environments"]}


def test_text_lists_every_environment_with_the_promotion_tree_and_counts(fleet, cli):
    result = cli("environments")

    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[:6] == [
        "5 environments",
        "",
        "Promotion:",
        "  dev → qa → prod",
        "  ├─ customers/acme",
        "  └─ customers/globex",
    ]
    dev = lines[lines.index("dev") : lines.index("dev") + 6]
    assert dev == [
        "dev",
        "  account      sandbox path=.syncset/dev.sqlite",
        "  promotes to  qa",
        "  records      3 (calendar 1, team 2)",
        "  last apply   never",
        "",
    ]
    assert "Health:" not in result.out


def test_json_has_links_counts_and_the_last_apply_from_the_journal(fleet, cli):
    assert cli("apply", "dev", "--auto-approve").code == 0

    result = cli("environments", "--format", "json")

    assert result.code == 0, result.err
    body, envs = by_name(result)
    assert body["format_version"] == 1
    assert list(envs) == ["dev", "qa", "prod", "customers/acme", "customers/globex"]
    assert body["promotions"] == [
        {
            "name": "dev",
            "promotes_to": [
                {
                    "name": "qa",
                    "promotes_to": [
                        {
                            "name": "prod",
                            "promotes_to": [
                                {"name": "customers/acme", "promotes_to": []},
                                {"name": "customers/globex", "promotes_to": []},
                            ],
                        }
                    ],
                }
            ],
        }
    ]
    assert envs["prod"]["promotes_from"] == "qa"
    assert envs["prod"]["promotes_to"] == ["customers/acme", "customers/globex"]
    assert envs["dev"]["records"] == {"calendar": 1, "team": 2}
    assert envs["dev"]["record_count"] == 3
    assert envs["customers/acme"]["account"] == {
        "provider": "sandbox",
        "path": ".syncset/customers/acme.sqlite",
    }
    last = envs["dev"]["last_apply"]
    assert last["command"] == "apply" and last["result"] == "Completed"
    assert last["records"] == {"applied": 3}
    assert last["commit"] == git(fleet.root, "rev-parse", "HEAD").strip()
    assert last["journal"].startswith(".syncset/journal/dev/")
    assert envs["qa"]["last_apply"] is None
    assert envs["dev"]["health"] is None and body["checked"] is False


def test_an_apply_killed_before_its_end_is_unfinished(fleet, cli):
    assert cli("apply", "dev", "--auto-approve").code == 0
    [journal] = (fleet.root / ".syncset/journal/dev").glob("*.jsonl")
    lines = journal.read_text(encoding="utf-8").splitlines()
    journal.write_text("\n".join(line for line in lines if '"end"' not in line) + "\n")

    _, envs = by_name(cli("environments", "dev", "--format", "json"))

    assert envs["dev"]["last_apply"]["result"] == "unfinished"


def test_check_probes_every_account_and_counts_drift(fleet, cli):
    assert cli("apply", "qa", "--auto-approve").code == 0

    result = cli("environments", "--check", "--format", "json")

    assert result.code == 0, result.err
    body, envs = by_name(result)
    assert body["checked"] is True and body["healthy"] is True
    dev, qa = envs["dev"]["health"], envs["qa"]["health"]
    assert dev["healthy"] and dev["reachable"] is True and dev["problem"] is None
    assert dev["drift"] == 3  # three records not yet in dev's account
    assert qa["drift"] == 0
    assert dev["credentials"] is None  # a sandbox has none to present
    assert dev["account"] == "sandbox .syncset/dev.sqlite (new, empty)"
    text = cli("environments", "--check", "customers/*")
    assert text.code == 0
    assert "  health       ok (reachable, no credentials needed, drift 1 change)" in text.out
    assert text.out.endswith("Health: all healthy\n")


def test_check_exits_1_when_an_account_is_broken_and_still_probes_the_others(fleet, cli):
    (fleet.root / ".syncset").mkdir()
    (fleet.root / ".syncset/qa.sqlite").write_bytes(b"this is not a SQLite file" * 100)
    fleet.write("environments/prod/teams/broken.yaml", "kind: team\nid: [unclosed\n")

    result = cli("environments", "--check", "--format", "json")

    assert result.code == 1
    body, envs = by_name(result)
    assert body["healthy"] is False
    assert envs["dev"]["healthy"] is True and envs["customers/acme"]["healthy"] is True
    qa = envs["qa"]["health"]
    assert qa["healthy"] is False and ".syncset/qa.sqlite" in qa["problem"]
    assert envs["prod"]["error"].startswith("environments/prod/teams/broken.yaml:")
    assert envs["prod"]["health"] is None and envs["prod"]["healthy"] is False
    assert envs["prod"]["promotes_from"] == "qa"  # read from the file all the same
    text = cli("environments", "--check")
    assert text.code == 1
    assert text.out.endswith("Health: unhealthy: qa, prod\n")


def test_a_pattern_that_selects_nothing_names_the_environments(fleet, cli):
    result = cli("environments", "staging/*")

    assert result.code == 1
    assert "no environment matches 'staging/*'" in result.err
    assert "customers/acme, customers/globex, dev, prod, qa" in result.err


def test_no_secret_reaches_the_listing(repo, cli, monkeypatch):
    monkeypatch.setenv("ACME_TOKEN", "tok-3f9a1c77e2")
    monkeypatch.setenv("ACME_ACCOUNT", "acct-55d0e1")
    repo.add_environment(
        "customers/acme",
        account="\n".join(
            [
                "provider: xurrent",
                "url: https://api.acme.example/v1/graphql",
                "account: '{{ env(\"ACME_ACCOUNT\") }}'",
                "token: '{{ env(\"ACME_TOKEN\") }}'",
            ]
        ),
        extra="vars:\n  api_key: '{{ env(\"ACME_TOKEN\") }}'\n",
    )

    for fmt in ("text", "markdown", "json"):
        result = cli("environments", "--format", fmt)

        assert result.code == 0, result.err
        assert "https://api.acme.example/v1/graphql" in result.out
        assert "tok-3f9a1c77e2" not in result.out + result.err
        assert "acct-55d0e1" not in result.out + result.err
    _, envs = by_name(cli("environments", "--format", "json"))
    assert set(envs["customers/acme"]["account"]) == {"provider", "url", "account"}
