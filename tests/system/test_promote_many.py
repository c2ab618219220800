"""``syncset promote SRC 'customers/*'``: one branch, one commit per destination.

Each destination keeps its own mappings.yaml and environment.yaml (only record files change),
the pull-request description has a row per destination worst first with details collapsed,
and it stays under the comment budget for a hundred destinations. A destination that fails
(an account that cannot be read, a refused check, a refused commit) refuses the whole
promotion before anything is left written: the repository is exactly as it was.
"""

from __future__ import annotations

import re
import stat
import threading
import time

import pytest
from promotion_helpers import (
    ANDER,
    FRANK,
    FRANK_EUROPE,
    RODNEY,
    SCRUM_FILES,
    GitRepo,
    seed_repository,
)

from syncset.ci.comment import COMMENT_LIMIT
from syncset.promotion.fanout import WORKERS, promote_many
from syncset.render.fanout import fanout_markdown
from syncset.workflow import read_reference_data

DEV_TEAM = "environments/dev/teams/application-development.yaml"
FANOUT_BRANCH = r"promote/dev-to-{count}-environments/\d{{8}}-\d{{6}}"

WIDGET_PEOPLE = f"""
kind: person
id: frank-europe
name: Frank Watson
primary_email: {FRANK_EUROPE}
---
kind: person
id: ander
name: Ander Alkin
primary_email: {ANDER}
"""
"""People of a customer's own account: Frank's and Rodney's roles go to them by mapping."""

WDC_FRANK = f"""
kind: person
id: frank
name: Frank Watson
primary_email: {FRANK}
"""
"""WDC's Frank himself in a customer's account: he maps to himself automatically."""


def add_customer(seed: GitRepo, name: str, mappings: dict[str, str] | None = None) -> None:
    """``environments/customers/<name>`` promoting from dev, with its own vars and a
    mappings.yaml (``source → target`` people), each file with a comment of its own."""
    seed.write(
        f"environments/customers/{name}/environment.yaml",
        f"""
        # {name}'s own account; records arrive by promotion from dev.
        version: 1
        name: customers/{name}
        account:
          provider: sandbox
          path: .syncset/customer-{name}.sqlite
        vars:
          company: Customer {name.upper()}
        promotes_from: dev
        """,
    )
    people = "".join(f"\n    {source}: {target}" for source, target in (mappings or {}).items())
    seed.write(
        f"environments/customers/{name}/mappings.yaml",
        f"# {name} maps WDC's people to its own\nversion: 1\nreferences:\n"
        + (f"  person:{people}\n" if people else "  {}\n")
        + "overrides: {}\n",
    )


def load_people(cli, name: str, seed: GitRepo, people: str) -> None:
    path = seed.write(f".syncset/people-{name}.yaml", people)
    result = cli("sandbox", "load", f"customers/{name}", str(path))
    assert result.code == 0, result.err


@pytest.fixture
def fleet(tmp_path, monkeypatch, cli):
    """The example (dev holds the scrum workspace) with customers a, b and c promoting from
    dev: a maps both of WDC's people to its own, b maps nobody, c maps Frank only."""
    seed = seed_repository(tmp_path / "repo", monkeypatch)
    add_customer(seed, "a", {FRANK: FRANK_EUROPE, RODNEY: ANDER})
    add_customer(seed, "b")
    add_customer(seed, "c", {FRANK: FRANK_EUROPE})
    seed.commit("Three customers promoting from dev")
    load_people(cli, "a", seed, WIDGET_PEOPLE)
    load_people(cli, "c", seed, WIDGET_PEOPLE)
    return seed


def own_files(seed: GitRepo) -> dict[str, bytes]:
    """Every customer's environment.yaml and mappings.yaml, byte for byte."""
    return {
        path: data
        for path, data in seed.state().files.items()
        if path.endswith(("/environment.yaml", "/mappings.yaml")) and "customers/" in path
    }


def refused(seed: GitRepo, cli, *args: str) -> str:
    """Run a promote that must be refused; prove that nothing changed; return stderr."""
    before = seed.state()
    result = cli("promote", *args)
    assert result.code == 1, result.out
    assert seed.state() == before
    return result.err


# -- one branch, a commit per destination -----------------------------------------------------


def test_fan_out_makes_one_branch_with_a_commit_per_customer(fleet, cli, tmp_path):
    before = own_files(fleet)
    body_file = tmp_path / "pr.md"

    result = cli(
        "promote", "dev", "customers/*", "--sync-set", "scrum", "--pr-body", str(body_file)
    )

    assert result.code == 0, result.err
    [branch] = fleet.promote_branches()
    assert re.fullmatch(FANOUT_BRANCH.format(count=3), branch)
    assert fleet.repo.active_branch.name == branch
    commits = list(fleet.repo.iter_commits(f"{fleet.main}..{branch}"))[::-1]
    assert [c.message.splitlines()[0] for c in commits] == [
        f"Promote dev → customers/{name}: 7 records (sync set scrum)" for name in "abc"
    ]
    for commit, name in zip(commits, "abc", strict=True):
        assert sorted(commit.stats.files) == [
            f"environments/customers/{name}/{file}" for file in SCRUM_FILES
        ]
    assert own_files(fleet) == before
    for name in "abc":
        assert fleet.read(f"environments/customers/{name}/{SCRUM_FILES[-1]}") == fleet.read(
            DEV_TEAM
        )
    assert fleet.status() == ""
    assert f"Created branch {branch} with 3 commits, one per environment" in result.out
    body = body_file.read_text(encoding="utf-8")
    assert body.startswith(
        f"## Promote `dev` → 3 environments (`customers/*`)\n\nBranch `{branch}`"
    )


def test_the_description_lists_each_customer_worst_first_with_its_status(fleet, cli, tmp_path):
    body_file = tmp_path / "pr.md"

    result = cli(
        "promote", "dev", "customers/*", "--sync-set", "scrum", "--pr-body", str(body_file)
    )

    assert result.code == 0, result.err
    body = body_file.read_text(encoding="utf-8")
    commits = {
        c.message.split("→ ")[1].split(":")[0]: c.hexsha[:10]
        for c in fleet.repo.iter_commits(f"{fleet.main}..HEAD")
    }
    rows = re.findall(r"^\| `(customers/\w)` \| (.+?) \| (\d+) \| (\d+) \| `(\w+)` \|$", body, re.M)
    assert rows == [
        ("customers/b", "⏳ Being Prepared", "7", "2", commits["customers/b"]),
        ("customers/c", "⏳ Being Prepared", "7", "1", commits["customers/c"]),
        ("customers/a", "✅ Prepared", "7", "0", commits["customers/a"]),
    ]
    assert "**2 Being Prepared, 1 Prepared** (sync set `scrum`)" in body
    summaries = re.findall(
        r"^<details><summary><code>(customers/\w)</code>: (.+?)</summary>$", body, re.M
    )
    assert summaries == [
        ("customers/b", "⏳ Being Prepared, 7 records, 2 references to map"),
        ("customers/c", "⏳ Being Prepared, 7 records, 1 reference to map"),
        ("customers/a", "✅ Prepared, 7 records, every reference mapped"),
    ]
    details_c = body.split("<code>customers/c</code>")[1].split("</details>")[0]
    assert f"| person | `{RODNEY}` |" in details_c
    assert FRANK not in details_c.split("**Records promoted**")[0]
    assert "map these in `environments/customers/c/mappings.yaml`" in details_c
    details_a = body.split("<code>customers/a</code>")[1].split("</details>")[0]
    assert "✅ **Prepared**: every reference is mapped (0 automatically)." in details_a
    assert "✂️" not in body


def test_a_customer_already_up_to_date_gets_no_commit_and_is_named(fleet, cli):
    first = cli("promote", "dev", "customers/[ab]", "--sync-set", "scrum")
    assert first.code == 0, first.err
    fleet.merge(fleet.repo.active_branch.name)

    result = cli("promote", "dev", "customers/*", "--sync-set", "scrum")

    assert result.code == 0, result.err
    assert "Already up to date, nothing promoted: `customers/a`, `customers/b`." in result.out
    [commit] = fleet.repo.iter_commits(f"{fleet.main}..HEAD")
    assert commit.message.startswith("Promote dev → customers/c: 7 records")


def test_nothing_to_promote_anywhere_makes_no_branch(fleet, cli):
    assert cli("promote", "dev", "customers/*", "--sync-set", "scrum").code == 0
    fleet.merge(fleet.repo.active_branch.name)
    before = fleet.state()

    result = cli("promote", "dev", "customers/*", "--sync-set", "scrum")

    assert result.code == 0, result.err
    assert result.out == (
        "Nothing to promote: customers/a, customers/b, customers/c already have dev's records.\n"
    )
    assert fleet.state() == before


def test_a_glob_selecting_one_customer_is_the_promotion_to_one(fleet, cli):
    result = cli("promote", "dev", "customers/[a]", "--sync-set", "scrum")

    assert result.code == 0, result.err
    [branch] = fleet.promote_branches()
    assert re.fullmatch(r"promote/dev-to-customers/a/\d{8}-\d{6}", branch)
    assert result.out.startswith("## Promote `dev` → `customers/a`\n")


def test_no_commit_leaves_every_customers_copies_in_the_working_tree(fleet, cli):
    before = fleet.state()

    result = cli("promote", "dev", "customers/*", "--sync-set", "scrum", "--no-commit")

    assert result.code == 0, result.err
    after = fleet.state()
    assert (after.branches, after.head, after.active) == (
        before.branches,
        before.head,
        before.active,
    )
    assert sorted(after.status.splitlines()) == sorted(
        f"?? environments/customers/{name}/{file}" for name in "abc" for file in SCRUM_FILES
    )
    assert "No commits (`--no-commit`)" in result.out


def test_the_calendars_sync_set_fans_out_too(fleet, cli):
    result = cli("promote", "dev", "customers/*", "--sync-set", "calendars")

    assert result.code == 0, result.err
    commits = list(fleet.repo.iter_commits(f"{fleet.main}..HEAD"))
    assert sorted(c.message.splitlines()[0] for c in commits) == [
        f"Promote dev → customers/{name}: 3 records (sync set calendars)" for name in "abc"
    ]
    assert "**0 Being Prepared, 3 Prepared** (sync set `calendars`)" in result.out


# -- one destination refuses: nothing is written ----------------------------------------------


def test_a_customer_whose_account_cannot_be_read_refuses_the_whole_promotion(fleet, cli):
    (fleet.root / ".syncset/customer-b.sqlite").write_bytes(b"not an SQLite file" * 64)

    err = refused(fleet, cli, "dev", "customers/*", "--sync-set", "scrum")

    assert "cannot read the account of 1 of 3 destinations, so nothing was promoted" in err
    assert re.search(r"^  customers/b: .*customer-b\.sqlite", err, re.M)
    assert "customers/a:" not in err and "customers/c:" not in err


def test_a_customer_that_does_not_promote_from_the_source_refuses_it_all(fleet, cli):
    path = "environments/customers/b/environment.yaml"
    fleet.write(path, fleet.read(path).replace("promotes_from: dev", "promotes_from: prod"))
    fleet.commit("b promotes from prod")

    err = refused(fleet, cli, "dev", "customers/*", "--sync-set", "scrum")

    assert "customers/b promotes from prod, not dev" in err


def test_uncommitted_changes_in_one_customer_refuse_it_all_naming_it(fleet, cli):
    with (fleet.root / "environments/customers/c/mappings.yaml").open("a", encoding="utf-8") as f:
        f.write("# work in progress\n")

    err = refused(fleet, cli, "dev", "customers/*", "--sync-set", "scrum")

    assert "environments/customers/c has uncommitted changes" in err
    assert "environments/customers/a" not in err.splitlines()[0]


def test_a_copy_one_customer_would_not_validate_restores_every_customer(fleet, cli):
    fleet.write(
        "environments/customers/c/calendars/office.yaml",
        """
        kind: calendar
        id: office
        name: Application Development - Office Hours
        """,
    )
    fleet.commit("c has a calendar of its own by the name dev's calendar has")

    err = refused(fleet, cli, "dev", "customers/*", "--sync-set", "scrum")

    assert "after the copy customers/c would not validate, so nothing was changed" in err
    assert "environments/customers/c/calendars/" in err


def test_a_commit_git_refuses_for_one_customer_undoes_the_branch_and_every_copy(fleet, cli):
    hook = fleet.root / ".git" / "hooks" / "pre-commit"
    hook.write_text(
        "#!/bin/sh\n"
        "if git diff --cached --name-only | grep -q '^environments/customers/c/'; then\n"
        "  echo 'customer c is frozen' >&2; exit 1\n"
        "fi\n",
        encoding="utf-8",
    )
    hook.chmod(hook.stat().st_mode | stat.S_IXUSR)

    err = refused(fleet, cli, "dev", "customers/*", "--sync-set", "scrum")

    assert "git refused the promotion commit" in err
    assert "customer c is frozen" in err


def test_a_glob_selecting_nothing_lists_the_environments(fleet, cli):
    err = refused(fleet, cli, "dev", "clients/*")

    assert "no environment matches 'clients/*'" in err
    assert "customers/a, customers/b, customers/c" in err


# -- a hundred customers ----------------------------------------------------------------------


@pytest.fixture
def hundred(tmp_path, monkeypatch, cli):
    """A hundred customers: every third maps both people (Prepared), every third has WDC's
    Frank in its account (one left to map), the others map nobody (two to map)."""
    seed = seed_repository(tmp_path / "repo", monkeypatch)
    for i in range(100):
        mappings = {FRANK: FRANK_EUROPE, RODNEY: ANDER} if i % 3 == 0 else None
        add_customer(seed, f"c{i:03}", mappings)
    seed.commit("A hundred customers")
    for i in range(100):
        if i % 3 == 0:
            load_people(cli, f"c{i:03}", seed, WIDGET_PEOPLE)
        elif i % 3 == 1:
            load_people(cli, f"c{i:03}", seed, WDC_FRANK)
    return seed


def test_a_hundred_customers_stay_under_the_budget_worst_first(hundred, cli, tmp_path):
    body_file = tmp_path / "pr.md"
    started = time.monotonic()

    result = cli(
        "promote", "dev", "customers/*", "--sync-set", "scrum", "--pr-body", str(body_file)
    )

    assert result.code == 0, result.err
    assert time.monotonic() - started < 20
    body = body_file.read_text(encoding="utf-8")
    assert len(body) <= COMMENT_LIMIT
    assert len(list(hundred.repo.iter_commits(f"{hundred.main}..HEAD"))) == 100
    rows = re.findall(r"^\| `(customers/c\d+)` \| (.+?) \| 7 \| (\d) \|", body, re.M)
    assert len(rows) == 100
    unmapped = [int(n) for _, _, n in rows]
    assert unmapped == sorted(unmapped, reverse=True)
    assert [n for _, _, n in rows].count("2") == 33 and unmapped.count(1) == 33
    assert rows[0] == ("customers/c002", "⏳ Being Prepared", "2")
    assert rows[-1] == ("customers/c099", "✅ Prepared", "0")
    shown = re.findall(r"^<details><summary><code>(customers/c\d+)</code>", body, re.M)
    assert 0 < len(shown) < 100
    assert shown == [name for name, _, _ in rows[: len(shown)]]
    assert (
        f"✂️ The details of {100 - len(shown)} environments (the best prepared, last in the "
        f"table) were left out to stay under {COMMENT_LIMIT:,} characters: `syncset plan <env>`"
    ) in body
    assert body.count("<details><summary><code>customers/") == len(shown)
    assert body.count("<details>") == body.count("</details>")


def test_a_tight_budget_keeps_the_table_first_and_drops_details_of_the_best(fleet):
    fan = promote_many(
        fleet.root,
        "dev",
        ["customers/a", "customers/b", "customers/c"],
        read_reference_data,
        pattern="customers/*",
        sync_set="scrum",
    )
    full = fanout_markdown(fan)
    first_details = full.index("<details><summary><code>")
    second_details = full.index("<details><summary><code>", first_details + 1)

    cut = fanout_markdown(fan, limit=second_details + 400)

    assert len(cut) <= second_details + 400
    assert re.findall(r"<code>(customers/\w)</code>", cut) == ["customers/b"]
    assert "✂️ The details of 2 environments" in cut
    assert cut.count("| `customers/") == 3
    assert len(fanout_markdown(fan, limit=300)) <= 300


def test_a_glob_that_selects_the_source_itself_is_refused(fleet, cli):
    err = refused(fleet, cli, "dev", "*")

    assert "'*' selects dev, the environment promoted from" in err


def test_accounts_are_read_concurrently_at_most_eight_at_a_time(tmp_path, monkeypatch):
    seed = seed_repository(tmp_path / "repo", monkeypatch)
    names = [f"c{i:02}" for i in range(12)]
    for name in names:
        add_customer(seed, name)
    seed.commit("Twelve customers")
    lock = threading.Lock()
    active, peak, kinds_read = 0, 0, set()

    def slow_reader(environment, kinds):
        nonlocal active, peak
        with lock:
            active += 1
            peak = max(peak, active)
            kinds_read.add(tuple(kinds))
        time.sleep(0.2)  # long enough that every free worker is busy at once
        try:
            return read_reference_data(environment, kinds)
        finally:
            with lock:
                active -= 1

    fan = promote_many(
        seed.root, "dev", [f"customers/{n}" for n in names], slow_reader, sync_set="scrum"
    )

    assert peak == WORKERS == 8
    assert kinds_read == {("person",)}
    assert [t.name for t in fan.targets] == [f"customers/{n}" for n in names]
