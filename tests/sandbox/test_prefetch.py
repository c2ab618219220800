"""A plan reads the account while the files are parsed (syncset.plan.prefetch), and an
environment that fails validation leaves nothing of that read behind."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from syncset.errors import ConfigError, ProviderError
from syncset.progress_events import Progress, Step, observing
from syncset.providers.sandbox.provider import SandboxProvider
from syncset.workflow import plan_environment

TEAM = "kind: team\nid: team-{n}\nname: Team {n}\n"


def _teams(repo: Any, count: int = 3) -> None:
    for n in range(count):
        repo.write(f"environments/dev/teams/t{n}.yaml", TEAM.format(n=n))


def _reading_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "syncset-account-read"]


def test_the_account_is_listed_before_the_records_are_checked(
    repo: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _teams(repo)
    listing = threading.Event()
    original = SandboxProvider.list

    def list_kind(self: SandboxProvider, kind: str) -> Any:
        listing.set()
        return original(self, kind)

    monkeypatch.setattr(SandboxProvider, "list", list_kind)
    listed_while_reading_files: list[bool] = []

    def observe(event: Progress) -> None:
        # Holds the files step until the account is being listed: read one after the other,
        # the list call would only come after validation, and this wait would time out.
        if event.step is Step.FILES and event.done == 1:
            listed_while_reading_files.append(listing.wait(timeout=10))

    with observing(observe), plan_environment(repo.root, "dev") as run:
        assert {(c.kind, c.id) for c in run.plan.changes} == {
            ("team", f"team-{n}") for n in range(3)
        }

    assert listed_while_reading_files == [True]
    assert not _reading_threads()


def test_invalid_records_abandon_the_read_and_close_the_account(
    repo: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _teams(repo)
    repo.write("environments/dev/teams/bad.yaml", "kind: team\nid: nameless\n")
    opened: list[SandboxProvider] = []
    closed: list[SandboxProvider] = []
    original_init, original_close = SandboxProvider.__init__, SandboxProvider.close

    def init(self: SandboxProvider, *args: Any) -> None:
        original_init(self, *args)
        opened.append(self)

    def close(self: SandboxProvider) -> None:
        closed.append(self)
        original_close(self)

    monkeypatch.setattr(SandboxProvider, "__init__", init)
    monkeypatch.setattr(SandboxProvider, "close", close)

    with pytest.raises(ConfigError) as caught:
        plan_environment(repo.root, "dev")

    assert "environments/dev/teams/bad.yaml" in str(caught.value)
    assert len(opened) == 1 and set(closed) == set(opened)
    assert not _reading_threads()


def test_an_account_that_cannot_be_opened_is_reported_after_the_files(repo: Any) -> None:
    repo.add_environment(
        "dev", account="provider: sandbox\npath: .syncset/none.sqlite\ncreate: false"
    )
    _teams(repo)

    with pytest.raises(ProviderError, match="does not exist"):
        plan_environment(repo.root, "dev")

    repo.write("environments/dev/teams/bad.yaml", "kind: team\nid: nameless\n")
    with pytest.raises(ConfigError, match=r"bad\.yaml"):  # an invalid file is still told first
        plan_environment(repo.root, "dev")
    assert not _reading_threads()
