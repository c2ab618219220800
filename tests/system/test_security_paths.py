"""Nothing from an account or a file decides where syncset writes (docs/security.md).

A record's file name comes from a record id that matches the id pattern; every write stays
inside the environment folder it belongs to, links resolved; a link that leads out of an
environment folder is never read; the sandbox file stays inside the repository, outside .git.
"""

from __future__ import annotations

from pathlib import Path

import git
import pytest
from plan_apply_helpers import hand_create, rows

from syncset.errors import RefusedError
from syncset.providers.base import Marker
from syncset.safepath import check_repository_path, confined

CALENDAR = "kind: calendar\nid: {id}\nname: {name}\n"
ENV_YAML = "environments/dev/environment.yaml"


def files_below(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` (links as their target's text), to prove what changed."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and ".git" not in p.parts
    }


def marked_calendar(root: Path, source_id: str, name: str = "Evil") -> None:
    """An account calendar carrying syncset's marker with ``source_id`` (made outside syncset)."""
    hand_create(root, "calendar", {"name": name}, marker=Marker("syncset", source_id))


# -- a marker id as a file name ------------------------------------------------------------------


def test_snapshot_refuses_a_marker_id_that_climbs_out_of_the_environment_folder(repo, cli):
    marked_calendar(repo.root, "../environment")
    environment_yaml = (repo.root / ENV_YAML).read_bytes()

    result = cli("snapshot", "dev")

    assert result.code == 0, result.err
    assert (repo.root / ENV_YAML).read_bytes() == environment_yaml
    assert (repo.root / "environments/dev/calendars/evil.yaml").read_text() == (
        "kind: calendar\nid: evil\nname: Evil\n"
    )
    assert "marker says '../environment', which is not a valid record id" in result.out


def test_snapshot_writes_nothing_outside_the_repository_for_a_marker_id_of_dotdots(
    repo, cli, tmp_path
):
    marked_calendar(repo.root, "../../../../../outside/pwned")
    before = files_below(tmp_path)

    result = cli("snapshot", "dev")

    assert result.code == 0, result.err
    written = set(files_below(tmp_path)) - set(before)
    assert written == {"repo/environments/dev/calendars/evil.yaml"}


def test_a_record_whose_marker_id_is_no_record_id_is_adopted_and_marked_anew(repo, cli):
    marked_calendar(repo.root, "../environment")
    cli("snapshot", "dev")

    plan = cli("plan", "dev")
    applied = cli("apply", "dev", "--auto-approve")

    assert "calendar/evil  adopt" in plan.out
    assert applied.code == 0, applied.err
    assert [(r["source"], r["source_id"]) for r in rows(repo.root)] == [("syncset", "evil")]


def test_drift_snapshot_branch_commits_no_file_named_by_a_climbing_marker_id(repo, cli):
    repo.write("environments/dev/calendars/office.yaml", CALENDAR.format(id="office", name="O"))
    repo.write(".gitignore", ".syncset/\n")
    checkout = git.Repo.init(repo.root)
    checkout.git.add(A=True)
    actor = git.Actor("syncset tests", "tests@syncset.invalid")
    checkout.index.commit("start", author=actor, committer=actor)
    assert cli("apply", "dev", "--auto-approve").code == 0
    marked_calendar(repo.root, "../environment")
    from plan_apply_helpers import hand_update

    hand_update(repo.root, "calendar", "O", {"name": "Renamed"})  # drift to snapshot

    result = cli("drift", "dev", "--snapshot-branch")

    (branch,) = [h.name for h in checkout.heads if h.name.startswith("drift/")]
    committed = checkout.git.show("--name-only", "--format=", branch).split()
    assert result.code == 2, result.err
    assert sorted(committed) == [
        "environments/dev/calendars/evil.yaml",
        "environments/dev/calendars/office.yaml",
    ]


# -- links ---------------------------------------------------------------------------------------


def test_a_record_file_linked_from_outside_the_environment_is_refused_not_applied(
    repo, cli, tmp_path
):
    outside = tmp_path / "planted.yaml"
    outside.write_text(CALENDAR.format(id="planted", name="Planted"))
    link = repo.root / "environments/dev/calendars/planted.yaml"
    link.parent.mkdir(parents=True)
    link.symlink_to(outside)

    result = cli("apply", "dev", "--auto-approve")

    assert result.code == 1
    assert result.err.startswith(
        f"error: environments/dev/calendars/planted.yaml:1:1: a symbolic link to {outside}, "
        "outside the environment folder: syncset reads only files inside it"
    )
    assert rows(repo.root) == []


def test_a_record_folder_linked_out_of_the_repository_is_refused_before_snapshot_writes(
    repo, cli, tmp_path
):
    hand_create(repo.root, "calendar", {"name": "Office"})
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (repo.root / "environments/dev/calendars").symlink_to(outside)

    result = cli("snapshot", "dev")

    assert result.code == 1
    assert "environments/dev/calendars:1:1: a symbolic link to" in result.err
    assert list(outside.iterdir()) == []


def test_mappings_linked_from_outside_the_environment_are_not_read(repo, tmp_path):
    outside = tmp_path / "mappings.yaml"
    outside.write_text("version: 1\nreferences: {}\n")
    (repo.root / "environments/dev/mappings.yaml").symlink_to(outside)

    (problem,) = repo.problems()

    assert problem.startswith("environments/dev/mappings.yaml:1:1: a symbolic link to")


def test_links_that_stay_inside_the_environment_folder_are_allowed(repo):
    # A file link is read (its target, in a hidden folder, is not walked); a folder link is
    # not walked, since its target is read as itself: each record is read once.
    repo.write("environments/dev/.shared/office.yaml", CALENDAR.format(id="office", name="O"))
    repo.write("environments/dev/teams/home.yaml", CALENDAR.format(id="home", name="H"))
    (repo.root / "environments/dev/calendars").mkdir()
    (repo.root / "environments/dev/calendars/office.yaml").symlink_to("../.shared/office.yaml")
    (repo.root / "environments/dev/also-teams").symlink_to("teams")

    environment = repo.validate()

    assert {key: r.origin.path for key, r in environment.records.items()} == {
        ("calendar", "office"): "environments/dev/calendars/office.yaml",
        ("calendar", "home"): "environments/dev/teams/home.yaml",
    }


def test_a_link_to_another_environment_is_refused_too(repo):
    repo.add_environment("qa")
    repo.write("environments/qa/calendars/office.yaml", CALENDAR.format(id="office", name="O"))
    (repo.root / "environments/dev/calendars").mkdir()
    (repo.root / "environments/dev/calendars/office.yaml").symlink_to(
        repo.root / "environments/qa/calendars/office.yaml"
    )

    (problem,) = repo.problems()

    assert "a symbolic link to" in problem and "outside the environment folder" in problem


def test_an_environment_folder_linked_out_of_the_repository_is_refused(repo, cli, tmp_path):
    outside = tmp_path / "elsewhere-env"
    outside.mkdir()
    (outside / "environment.yaml").write_text(
        "version: 1\nname: ext\naccount:\n  provider: sandbox\n  path: .syncset/ext.sqlite\n"
    )
    (repo.root / "environments/ext").symlink_to(outside)

    result = cli("validate", "ext")

    assert result.code == 1
    assert "environments/ext: a symbolic link to" in result.err
    assert "outside the repository" in result.err


def test_promote_refuses_a_destination_folder_linked_out_of_the_repository(repo, cli, tmp_path):
    repo.add_environment("qa", extra="promotes_from: dev\n")
    repo.write("environments/dev/calendars/office.yaml", CALENDAR.format(id="office", name="O"))
    outside = tmp_path / "qa-calendars"
    outside.mkdir()
    (repo.root / "environments/qa/calendars").symlink_to(outside)
    checkout = git.Repo.init(repo.root)
    checkout.git.add(A=True)
    actor = git.Actor("syncset tests", "tests@syncset.invalid")
    checkout.index.commit("start", author=actor, committer=actor)

    result = cli("promote", "dev", "qa", "--id", "calendar/office")

    assert result.code == 1
    assert "environments/qa/calendars:1:1: a symbolic link to" in result.err
    assert list(outside.iterdir()) == []


# -- the one confinement helper ------------------------------------------------------------------


def test_confined_refuses_a_path_that_climbs_out_of_its_folder(tmp_path):
    folder = tmp_path / "environments" / "dev"
    folder.mkdir(parents=True)

    with pytest.raises(RefusedError, match="is outside environments/dev"):
        confined(folder, folder / "calendars" / ".." / ".." / "x.yaml", tmp_path)


def test_confined_refuses_a_link_on_the_way_that_leads_out(tmp_path):
    folder = tmp_path / "env"
    folder.mkdir()
    (tmp_path / "out").mkdir()
    (folder / "teams").symlink_to(tmp_path / "out")

    with pytest.raises(RefusedError, match="a symbolic link on the way leads out of env"):
        confined(folder, folder / "teams" / "a.yaml", tmp_path)


def test_confined_writes_through_a_link_that_stays_inside(tmp_path):
    folder = tmp_path / "env"
    (folder / "real").mkdir(parents=True)
    (folder / "teams").symlink_to(folder / "real")

    assert confined(folder, folder / "teams" / "a.yaml") == (folder / "real" / "a.yaml").resolve()


# -- the sandbox path ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("../outside.sqlite", "'../outside.sqlite' climbs out of the repository with '..'"),
        ("a/../../x.sqlite", "'a/../../x.sqlite' climbs out of the repository with '..'"),
        ("/tmp/abs.sqlite", "'/tmp/abs.sqlite' is absolute: give a path relative to the"),
        (".git/x.sqlite", "'.git/x.sqlite' is inside .git/, which belongs to git"),
        ("sub/.git/x.sqlite", "'sub/.git/x.sqlite' is inside .git/"),
    ],
)
def test_a_sandbox_path_that_leaves_the_repository_is_refused_at_validate(repo, path, message):
    repo.add_environment("dev", account=f"provider: sandbox\npath: {path}")

    (problem,) = repo.problems()

    assert problem.startswith(f"{ENV_YAML}:5:9: account.path: {message}")


@pytest.mark.parametrize("path", [".syncset/dev.sqlite", "data/../dev.sqlite", "accounts/dev"])
def test_a_sandbox_path_inside_the_repository_is_accepted(path):
    assert check_repository_path(path) == path


def test_state_reached_through_a_link_out_of_the_repository_is_refused(repo, cli, tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (repo.root / ".syncset").symlink_to(outside)
    repo.write("environments/dev/calendars/office.yaml", CALENDAR.format(id="office", name="O"))

    plan = cli("plan", "dev")
    apply = cli("apply", "dev", "--auto-approve")

    leads_out = "a symbolic link on the way leads out of the repository"
    assert (plan.code, apply.code) == (1, 1)
    assert plan.err.startswith(f"error: .syncset/dev.sqlite: {leads_out}")
    assert apply.err.startswith(f"error: .syncset/locks/dev.lock: {leads_out}")
    assert list(outside.iterdir()) == []
