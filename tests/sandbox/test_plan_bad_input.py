"""Bad input to plan and apply: one clear line naming the file and what to do, exit 1, no writes."""

from __future__ import annotations

import json

import pytest
from plan_apply_helpers import file_bytes

TEAM = "kind: team\nid: dev\nname: Dev\n"
GARBAGE = bytes(range(256)) * 16
"""Not a SQLite file: the header is wrong from its first byte."""


def one_line_error(result) -> str:
    assert result.code == 1, result
    assert result.err.startswith("error: "), result.err
    assert result.err.count("\n") == 1, result.err
    return result.err


@pytest.fixture
def planned(repo, cli):
    """A repository whose dev account exists, with a saved plan that has a change in it."""
    repo.write("environments/dev/team.yaml", TEAM)
    assert cli("apply", "dev", "--auto-approve").code == 0
    repo.write("environments/dev/team.yaml", TEAM + "remarks: Builds things\n")
    assert cli("plan", "dev", "--out", "plan.json").code == 0
    return repo


def edit_plan(repo, name, change):
    body = json.loads((repo.root / "plan.json").read_text())
    change(body)
    (repo.root / name).write_text(json.dumps(body))


# -- the account ------------------------------------------------------------------------------


def test_a_missing_sandbox_file_that_may_not_be_created_is_one_line(repo, cli):
    repo.add_environment(
        "dev", account="provider: sandbox\npath: .syncset/dev.sqlite\ncreate: false"
    )
    repo.write("environments/dev/team.yaml", TEAM)
    before = file_bytes(repo.root)

    error = one_line_error(cli("plan", "dev"))

    assert "sandbox account .syncset/dev.sqlite does not exist" in error
    assert "create: false" in error
    assert file_bytes(repo.root) == before


@pytest.mark.parametrize("command", [("plan", "dev"), ("apply", "dev", "--auto-approve")])
def test_a_corrupt_sandbox_file_is_one_line_and_left_as_it_was(repo, cli, command):
    repo.write("environments/dev/team.yaml", TEAM)
    repo.write_bytes(".syncset/dev.sqlite", GARBAGE)
    before = file_bytes(repo.root)

    error = one_line_error(cli(*command))

    assert "sandbox account .syncset/dev.sqlite is not a usable SQLite database" in error
    assert "move it away to start an empty account" in error
    assert file_bytes(repo.root) == before


def test_a_sandbox_path_that_is_a_folder_is_one_line(repo, cli):
    repo.write("environments/dev/team.yaml", TEAM)
    (repo.root / ".syncset/dev.sqlite").mkdir(parents=True)

    error = one_line_error(cli("plan", "dev"))

    assert "sandbox account .syncset/dev.sqlite is a folder, not a SQLite file" in error


def test_an_unknown_provider_names_environment_yaml_and_the_known_providers(repo, cli):
    repo.add_environment("dev", account="provider: sandbax\npath: .syncset/dev.sqlite")
    repo.write("environments/dev/team.yaml", TEAM)

    result = cli("plan", "dev")

    assert result.code == 1
    first = result.err.splitlines()[0]
    assert first.startswith("error: environments/dev/environment.yaml:4:13: account.provider: ")
    assert "unknown provider 'sandbax'" in first and "sandbox" in first
    assert not (repo.root / ".syncset/dev.sqlite").exists(), "no account made for it"


# -- saved plans ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "change", "expected"),
    [
        (
            "v2.json",
            lambda body: body.update(format_version=2),
            "v2.json: plan format_version 2 is not supported (this syncset writes 1)",
        ),
        (
            "edited.json",
            lambda body: body["changes"][0].update(action="delete"),
            "edited.json: checksum does not match: the plan was edited after it was written",
        ),
        (
            "no-checksum.json",
            lambda body: body.pop("checksum"),
            "no-checksum.json: checksum does not match",
        ),
    ],
)
def test_a_saved_plan_that_cannot_be_trusted_is_refused_with_one_line(
    planned, cli, name, change, expected
):
    edit_plan(planned, name, change)
    before = file_bytes(planned.root)

    error = one_line_error(cli("apply", name, "--auto-approve"))

    assert expected in error
    assert file_bytes(planned.root) == before


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"not json at all", "junk.json: not a plan file (invalid JSON"),
        (b"[1, 2, 3]", "junk.json: not a plan file (no format_version)"),
        (b"\xff\xfe\x00garbage", "junk.json: not a plan file"),
    ],
)
def test_a_file_that_is_not_a_plan_is_refused_with_one_line(planned, cli, content, expected):
    planned.write_bytes("junk.json", content)
    before = file_bytes(planned.root)

    error = one_line_error(cli("apply", "junk.json", "--auto-approve"))

    assert expected in error
    assert file_bytes(planned.root) == before


def test_a_missing_plan_file_is_one_line(planned, cli):
    error = one_line_error(cli("apply", "gone.json", "--auto-approve"))

    assert "gone.json: cannot read plan file" in error


def test_a_plan_for_an_environment_this_repository_does_not_have_is_refused(planned, cli):
    import hashlib

    def for_staging(body):
        body["environment"] = "staging"
        body.pop("checksum")
        canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        body["checksum"] = "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()

    edit_plan(planned, "staging.json", for_staging)
    before = file_bytes(planned.root)

    error = one_line_error(cli("apply", "staging.json", "--auto-approve"))

    assert "unknown environment 'staging'" in error
    assert file_bytes(planned.root) == before


def test_a_plan_made_in_another_checkout_of_the_environment_is_refused(
    planned, cli, tmp_path, monkeypatch
):
    other = tmp_path / "other-checkout"
    (other / "environments/dev").mkdir(parents=True)
    for name in ("environment.yaml", "team.yaml"):
        source = planned.root / "environments/dev" / name
        (other / "environments/dev" / name).write_bytes(source.read_bytes())
    (other / "environments/dev/team.yaml").write_text(TEAM + "remarks: Elsewhere\n")
    monkeypatch.setenv("SYNCSET_ROOT", str(other))
    assert cli("plan", "dev", "--out", str(tmp_path / "elsewhere.json")).code == 0
    monkeypatch.setenv("SYNCSET_ROOT", str(planned.root))
    before = file_bytes(planned.root)

    error = one_line_error(cli("apply", str(tmp_path / "elsewhere.json"), "--auto-approve"))

    assert "environments/dev changed since this plan was made: plan again" in error
    assert file_bytes(planned.root) == before
