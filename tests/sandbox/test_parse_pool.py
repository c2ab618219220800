"""The worker pool behind loading: the same documents and the same problems, in the same order,
as parsing every file in this process; small environments never start it."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest

import syncset.config.parse_pool as parse_pool
from syncset.config.parse_pool import parse_file, parse_files
from syncset.config.yamlio import parse_documents
from syncset.errors import Problem

if TYPE_CHECKING:
    from conftest import CliRunner, Repo


def _team(n: int) -> bytes:
    return f"kind: team\nid: team-{n}\nname: Team {n}\n".encode()


ITEMS = [(f"environments/dev/teams/{n:03d}.yaml", _team(n)) for n in range(60)]
ITEMS[7] = ("environments/dev/teams/007.yaml", b"kind: team\nid: x\n  name: [unclosed\n")
ITEMS[33] = ("environments/dev/teams/033.yaml", b"kind: team\nid: y\nname: caf\xe9\n")
ITEMS[51] = ("environments/dev/teams/051.yaml", b"---\nkind: team\nid: a\n---\n---\nkind: x\n")


@pytest.fixture
def pooled(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The pool for any number of files, in chunks of three, with this process slowed down so
    that the worker surely takes some; returns how many chunks each worker delivered."""
    monkeypatch.setattr(parse_pool, "PARALLEL_MIN_FILES", 1)
    monkeypatch.setattr(parse_pool, "CHUNK_FILES", 3)
    monkeypatch.setattr(parse_pool, "_spare_cores", lambda: 1)
    monkeypatch.setattr(parse_pool, "parse_documents", _slow_here(os.getpid()))
    delivered: list[int] = []
    real_delivered = parse_pool._delivered

    def counting(future):  # type: ignore[no-untyped-def]
        chunks = real_delivered(future)
        delivered.append(len(chunks))
        return chunks

    monkeypatch.setattr(parse_pool, "_delivered", counting)
    return delivered


def _slow_here(parent: int, in_worker: Callable[[], None] = lambda: None):  # type: ignore[no-untyped-def]
    def parse(text: str, shown: str) -> list[object]:
        if os.getpid() == parent:
            time.sleep(0.01)
        else:
            in_worker()
        return parse_documents(text, shown)

    return parse


def test_the_pool_gives_exactly_what_parsing_here_gives(pooled: list[int]) -> None:
    here = [parse_file(shown, raw) for shown, raw in ITEMS]

    shared = parse_files(ITEMS)

    assert shared == here
    assert pooled[0] > 0, "the worker parsed some of the chunks"
    assert isinstance(shared[7], Problem) and shared[7].line == 3
    assert isinstance(shared[33], Problem) and "not UTF-8" in shared[33].message
    assert shared[51] == [{"kind": "team", "id": "a"}, None, {"kind": "x"}]


def test_below_the_threshold_no_worker_is_started(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parse_pool, "_parse_shared", lambda *args: pytest.fail("pool started"))

    few = ITEMS[:10] * (parse_pool.PARALLEL_MIN_FILES // 10 - 1)

    assert parse_files(few) == [parse_file(shown, raw) for shown, raw in few]


def test_a_worker_that_dies_leaves_its_chunks_to_this_process(
    pooled: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    here = [parse_file(shown, raw) for shown, raw in ITEMS]
    dies = _slow_here(os.getpid(), in_worker=lambda: os._exit(3))  # killed mid-chunk
    monkeypatch.setattr(parse_pool, "parse_documents", dies)

    assert parse_files(ITEMS) == here
    assert pooled == [0]


def test_validate_and_plan_say_the_same_with_the_pool(
    repo: Repo, cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(40):
        repo.write(f"environments/dev/teams/{n:03d}.yaml", _team(n).decode())
    repo.write("environments/dev/teams/bad-1.yaml", "kind: team\nid: b\n\tname: tab\n")
    repo.write_bytes("environments/dev/teams/bad-2.yaml", b"kind: team\nid: c\nname: \xff\n")
    alone = cli("validate", "dev")
    monkeypatch.setattr(parse_pool, "PARALLEL_MIN_FILES", 1)
    monkeypatch.setattr(parse_pool, "CHUNK_FILES", 4)
    monkeypatch.setattr(parse_pool, "_spare_cores", lambda: 1)

    shared = cli("validate", "dev")

    assert (shared.code, shared.out, shared.err) == (alone.code, alone.out, alone.err)
    assert shared.code == 1
    assert "environments/dev/teams/bad-1.yaml:3:1: " in shared.err
    assert "environments/dev/teams/bad-2.yaml:3:7: not UTF-8" in shared.err
    (repo.root / "environments/dev/teams/bad-1.yaml").unlink()
    (repo.root / "environments/dev/teams/bad-2.yaml").unlink()
    planned = cli("plan", "dev", "--format", "json", "--no-cache")
    monkeypatch.setattr(parse_pool, "PARALLEL_MIN_FILES", 10_000)
    assert planned.code == 0, planned.err
    alone_plan = cli("plan", "dev", "--format", "json", "--no-cache").out
    assert _timeless(planned.out) == _timeless(alone_plan)


def _timeless(plan_json: str) -> dict[str, object]:
    """A plan as JSON without the moment it was made (two plans may straddle a second), nor
    the checksum that covers it."""
    plan = json.loads(plan_json)
    plan.pop("created_at")
    plan.pop("checksum")
    return plan


def test_no_worker_is_forked_while_another_thread_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    monkeypatch.setattr(parse_pool, "PARALLEL_MIN_FILES", 1)
    monkeypatch.setattr(parse_pool, "_parse_shared", lambda *args: pytest.fail("pool started"))
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        assert parse_files(ITEMS) == [parse_file(shown, raw) for shown, raw in ITEMS]
    finally:
        release.set()
        other.join()


def test_when_no_worker_can_be_forked_every_file_is_parsed_here(
    pooled: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    from concurrent.futures import ProcessPoolExecutor

    def refuse(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(ProcessPoolExecutor, "submit", refuse)

    assert parse_files(ITEMS) == [parse_file(shown, raw) for shown, raw in ITEMS]
    assert pooled == []


def test_without_shared_memory_every_file_is_parsed_here(
    pooled: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(count: int) -> None:
        raise FileNotFoundError(2, "No such file or directory: '/dev/shm'")

    monkeypatch.setattr(parse_pool, "_Ends", refuse)

    assert parse_files(ITEMS) == [parse_file(shown, raw) for shown, raw in ITEMS]
    assert pooled == []
