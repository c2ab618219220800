"""The parse cache behind plan: reused when nothing changed, never trusted for a changed file,
ignored when corrupt, and never written by validate."""

from __future__ import annotations

import os
import pickle
import zlib
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from syncset.config.load import environment_folder, read_environment_files
from syncset.config.parse_cache import CACHE_DIR, FORMAT

if TYPE_CHECKING:
    from conftest import CliRunner, Repo

TEAM = "environments/dev/teams/app.yaml"
GOOD_TEAM = "kind: team\nid: app\nname: Application Development\n"


def _names(repo: Repo) -> list[str]:
    folder = environment_folder(repo.root, "dev")
    problems: list = []
    _, _, documents = read_environment_files(repo.root, folder, problems, parse_cache=True)
    assert problems == []
    return [document.data["name"] for document in documents]


def _cache_files(repo: Repo) -> list[Path]:
    folder = repo.root / CACHE_DIR
    return sorted(folder.iterdir()) if folder.is_dir() else []


def test_an_unchanged_folder_reuses_the_cache_without_rewriting_it(repo: Repo) -> None:
    repo.write(TEAM, GOOD_TEAM)
    _names(repo)
    [cache] = _cache_files(repo)
    written = cache.stat().st_mtime_ns

    assert _names(repo) == ["Application Development"]
    assert cache.stat().st_mtime_ns == written


def test_a_same_size_same_mtime_one_byte_edit_is_seen(repo: Repo) -> None:
    path = repo.write(TEAM, GOOD_TEAM)
    assert _names(repo) == ["Application Development"]
    status = path.stat()

    path.write_text(GOOD_TEAM.replace("Development", "Developmenu"), encoding="utf-8")
    os.utime(path, ns=(status.st_atime_ns, status.st_mtime_ns))
    assert path.stat().st_size == status.st_size

    assert _names(repo) == ["Application Developmenu"]


def test_deleting_the_cache_folder_gives_the_same_documents(repo: Repo) -> None:
    repo.write(TEAM, GOOD_TEAM)
    first = _names(repo)
    for cache in _cache_files(repo):
        cache.unlink()

    assert _names(repo) == first
    assert len(_cache_files(repo)) == 1


def test_a_corrupt_cache_is_ignored_and_replaced(repo: Repo) -> None:
    repo.write(TEAM, GOOD_TEAM)
    _names(repo)
    [cache] = _cache_files(repo)
    cache.write_bytes(b"\x80\x05not a pickle at all")

    assert _names(repo) == ["Application Development"]
    assert pickle.loads(cache.read_bytes()[4:])[0] == FORMAT  # after its CRC-32


def test_a_cache_damaged_after_it_was_written_is_ignored(repo: Repo) -> None:
    """Pages of zeros (a crash after an unsynced write) inside a pickled string unpickle as
    well as the string did: the CRC-32 written before the body tells them apart."""
    repo.write(TEAM, GOOD_TEAM)
    _names(repo)
    [cache] = _cache_files(repo)
    sealed = cache.read_bytes()
    at = sealed.index(b"Application Development")
    cache.write_bytes(sealed[:at] + b"\0" * 11 + sealed[at + 11 :])

    assert _names(repo) == ["Application Development"]
    assert cache.read_bytes() == sealed  # parsed again and written again


def test_a_cache_naming_any_other_global_is_refused(repo: Repo) -> None:
    repo.write(TEAM, GOOD_TEAM)
    _names(repo)
    [cache] = _cache_files(repo)
    marker = repo.root / "ran"
    # a payload that would run a command if read with the standard unpickler
    payload = b"cos\nsystem\n(S'touch " + str(marker).encode() + b"'\ntR."
    cache.write_bytes(zlib.crc32(payload).to_bytes(4, "big") + payload)  # sealed: unpickled

    assert _names(repo) == ["Application Development"]
    assert not marker.exists()


def test_validate_leaves_no_cache(repo: Repo, cli: CliRunner) -> None:
    repo.write(TEAM, GOOD_TEAM)

    assert cli("validate").code == 0

    assert _cache_files(repo) == []


def test_a_cache_of_many_batches_gives_back_every_file_unparsed(
    repo: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    import syncset.config.parse_cache as parse_cache
    import syncset.config.parse_pool as parse_pool

    monkeypatch.setattr(parse_cache, "BATCH_ENTRIES", 2)
    for n in range(7):
        repo.write(f"environments/dev/teams/t{n}.yaml", GOOD_TEAM.replace("app", f"t{n}"))
    first = _names(repo)
    [cache] = _cache_files(repo)
    assert len(pickle.loads(cache.read_bytes()[4:])[1]) == 4  # 7 entries, 2 to a batch

    parsed: list[str] = []
    real = parse_pool.parse_file
    monkeypatch.setattr(
        parse_pool, "parse_file", lambda shown, raw: parsed.append(shown) or real(shown, raw)
    )
    assert _names(repo) == first
    assert [shown for shown in parsed if "/teams/" in shown] == []
