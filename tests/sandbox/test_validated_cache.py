"""Records this process does not validate itself (config/known.py). A warm plan takes unchanged
records as validated by the run before (config/parse_cache.py), and never where they could
differ: an edited file, other vars or overrides, an ``env()`` value, a problem to report again.
A record validated where its file was parsed (a parse worker, config/parse_pool.py's FileCheck)
is taken as it came back when clean, and validated again here when it had a problem or read a
secret: the environment is the same as when every record is validated here."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

import syncset.config.parse_pool as parse_pool
import syncset.config.validate as validate
from syncset.config.parse_cache import CACHE_DIR
from syncset.config.parse_pool import FileCheck, parse_file, parse_files
from syncset.config.validate import validate_environment
from syncset.errors import ConfigError
from syncset.workflow import plan_environment

if TYPE_CHECKING:
    from conftest import CliRunner, Repo

TEAMS = "environments/dev/teams"


def team(n: int, remarks: str = "Builds things.") -> str:
    return f"kind: team\nid: team-{n}\nname: Team {n}\nremarks: {remarks}\n"


@pytest.fixture
def validated(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files whose documents this process rendered and validated, in order: a file is
    validated where it is parsed (config/parse_pool.py's FileCheck), and once more here when
    that found a problem or a secret. A worker's validations happen in the worker's memory:
    they are not seen here."""
    seen: list[str] = []
    original = validate._record

    def counted(check: Any, doc: Any, *args: Any) -> Any:
        seen.append(doc.path)
        return original(check, doc, *args)

    monkeypatch.setattr(validate, "_record", counted)
    return seen


def remarks(repo: Any) -> dict[str, str]:
    with plan_environment(repo.root, "dev") as run:
        return {r.id: r.fields.get("remarks") for r in run.environment.records.values()}


def test_a_warm_plan_validates_only_the_file_that_changed(repo: Any, validated: list[str]) -> None:
    for n in range(3):
        repo.write(f"{TEAMS}/t{n}.yaml", team(n))
    remarks(repo)
    assert len(validated) == 3
    validated.clear()

    assert remarks(repo) == {f"team-{n}": "Builds things." for n in range(3)}
    assert validated == []
    repo.write(f"{TEAMS}/t1.yaml", team(1, "Runs things."))

    assert remarks(repo)["team-1"] == "Runs things."
    assert validated == [f"{TEAMS}/t1.yaml"]


def test_other_vars_or_overrides_validate_every_record_again(
    repo: Any, validated: list[str]
) -> None:
    repo.add_environment("dev", extra="vars:\n  company: Widget\n")
    repo.write(f"{TEAMS}/t0.yaml", team(0, "'{{ vars.company }} IT'"))
    assert remarks(repo) == {"team-0": "Widget IT"}
    repo.add_environment("dev", extra="vars:\n  company: Gadget\n")

    assert remarks(repo) == {"team-0": "Gadget IT"}
    repo.write(
        "environments/dev/mappings.yaml", "version: 1\noverrides:\n  team:\n    remarks: X\n"
    )
    assert remarks(repo) == {"team-0": "X"}
    assert validated == [f"{TEAMS}/t0.yaml"] * 3


def test_a_record_that_read_a_secret_is_never_stored_and_reads_it_anew(
    repo: Any, validated: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEAM_REMARKS", "first-secret-value")
    repo.write(f"{TEAMS}/t0.yaml", team(0, "'{{ env(\"TEAM_REMARKS\") }}'"))
    repo.write(f"{TEAMS}/t1.yaml", team(1))
    assert remarks(repo)["team-0"] == "first-secret-value"
    monkeypatch.setenv("TEAM_REMARKS", "second-secret-value")

    assert remarks(repo)["team-0"] == "second-secret-value"
    t0, t1 = f"{TEAMS}/t0.yaml", f"{TEAMS}/t1.yaml"
    # the first run validates each where it is parsed, then t0 again here; the second parses
    # nothing (the parse cache) and validates t0 here, t1 comes from the cache
    assert validated == [t0, t1, t0, t0]
    [cache] = sorted((repo.root / CACHE_DIR).iterdir())
    assert b"secret-value" not in cache.read_bytes()


def test_a_problem_is_reported_on_every_run(repo: Any, validated: list[str]) -> None:
    repo.write(f"{TEAMS}/t0.yaml", team(0))
    repo.write(f"{TEAMS}/bad.yaml", "kind: team\nid: nameless\n")
    for _ in range(2):
        with pytest.raises(ConfigError, match=r"bad\.yaml"):
            plan_environment(repo.root, "dev")
    # where parsed and here, to place its problem, then only here (its documents from the cache)
    assert validated.count(f"{TEAMS}/bad.yaml") == 2 + 1
    assert validated.count(f"{TEAMS}/t0.yaml") == 1


def test_an_edited_syncset_module_validates_again(
    repo: Any, validated: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import syncset.config.parse_cache as parse_cache

    repo.write(f"{TEAMS}/t0.yaml", team(0))
    remarks(repo)
    monkeypatch.setattr(parse_cache, "_stamp", b"another build of syncset")
    remarks(repo)
    assert validated == [f"{TEAMS}/t0.yaml"] * 2
    assert Path(parse_cache.__file__).is_file()


def test_a_stored_record_that_is_not_its_documents_is_validated_again(
    repo: Any, validated: list[str]
) -> None:
    import pickle
    import zlib

    repo.write(f"{TEAMS}/t0.yaml", team(0))
    remarks(repo)
    [cache] = sorted((repo.root / CACHE_DIR).glob("*.parse"))
    version, [batch] = pickle.loads(cache.read_bytes()[4:])  # after its CRC-32
    entries = pickle.loads(batch)
    key, documents, (context, records) = entries[f"{TEAMS}/t0.yaml"]
    index, kind, _, fields = records[0]
    forged = [(index, kind, "someone-else", {**fields, "remarks": "forged"})]
    entries[f"{TEAMS}/t0.yaml"] = (key, documents, (context, forged))
    body = pickle.dumps((version, [pickle.dumps(entries)]))
    cache.write_bytes(zlib.crc32(body).to_bytes(4, "big") + body)  # a forgery sealed anew

    assert remarks(repo) == {"team-0": "Builds things."}
    assert validated == [f"{TEAMS}/t0.yaml"] * 2


@pytest.fixture
def pooled(monkeypatch: pytest.MonkeyPatch) -> None:
    """The pool for any number of files, in chunks of two, with this process slowed down so
    that the worker surely takes some."""
    monkeypatch.setattr(parse_pool, "PARALLEL_MIN_FILES", 1)
    monkeypatch.setattr(parse_pool, "CHUNK_FILES", 2)
    monkeypatch.setattr(parse_pool, "_spare_cores", lambda: 1)
    parent = os.getpid()
    real = parse_pool.parse_documents

    def slow_here(text: str, shown: str) -> list[object]:
        if os.getpid() == parent:
            time.sleep(0.01)
        return real(text, shown)

    monkeypatch.setattr(parse_pool, "parse_documents", slow_here)


def test_a_check_runs_where_each_file_is_parsed_and_only_on_what_parsed(
    pooled: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    items = [(f"f{n:02d}.yaml", f"n: {n}\n".encode()) for n in range(30)]
    items[5] = ("f05.yaml", b"n: [unclosed\n")
    items[6] = ("f06.yaml", b"skip: true\n")

    def where(shown: str, documents: list[Any]) -> tuple[int, Any] | None:
        return None if documents == [{"skip": True}] else (os.getpid(), documents[0]["n"])

    check: FileCheck[tuple[int, Any]] = FileCheck(where)
    parsed = parse_files(items, check=check)

    assert parsed == [parse_file(shown, raw) for shown, raw in items]
    assert set(check.results) == {shown for shown, _ in items} - {"f05.yaml", "f06.yaml"}
    assert all(n == int(shown[1:3]) for shown, (_, n) in check.results.items())
    assert {pid for pid, _ in check.results.values()} - {os.getpid()}, "run in the worker"
    monkeypatch.setattr(parse_pool, "_spare_cores", lambda: 0)  # (which may have taken all)
    here: FileCheck[tuple[int, Any]] = FileCheck(where)
    assert parse_files(items, check=here) == parsed
    assert here.results.keys() == check.results.keys()
    assert {pid for pid, _ in here.results.values()} == {os.getpid()}, "and run here"


def test_clean_files_validated_by_the_worker_are_not_validated_again_here(
    repo: Repo, pooled: None, validated: list[str]
) -> None:
    for n in range(20):
        repo.write(f"{TEAMS}/t{n:02d}.yaml", team(n))

    environment = validate_environment(repo.root, "dev")

    assert len(environment.records) == 20
    assert environment.records[("team", "team-7")].fields["remarks"] == "Builds things."
    assert len(validated) < 20, "some files were validated in the worker only"
    assert len(set(validated)) == len(validated), "none validated twice here"


def test_a_problem_or_a_secret_found_in_the_worker_is_validated_again_here(
    repo: Repo, cli: CliRunner, pooled: None, validated: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEAM_REMARKS", "worker-secret-value")
    for n in range(16):
        repo.write(f"{TEAMS}/t{n:02d}.yaml", team(n))
    # the files at the back of the list: the worker takes those first
    repo.write(f"{TEAMS}/zz-secret.yaml", team(90, "'{{ env(\"TEAM_REMARKS\") }}'"))
    repo.write(f"{TEAMS}/zz-unnamed.yaml", "kind: team\nid: unnamed\nremarks: x\n")
    repo.write(f"{TEAMS}/zz-unknown.yaml", team(91) + "colour: blue\n")
    repo.write(  # a record is made, with a problem beside it
        "environments/dev/zz/hours.yaml",
        "kind: calendar\nid: office\nname: Office Hours\nhours:\n"
        "  - {weekday: mon, time_from: '08:00', time_until: '17:00'}\n"
        "  - {weekday: mon, time_from: '8:00', time_until: '12:00'}\n",
    )

    last = "environments/dev/zz/hours.yaml"  # in the last chunk: the worker's first

    pooled_run = cli("validate", "dev")
    assert validated.count(last) == 1, "validated in the worker, then only once here"
    with pytest.raises(ConfigError) as raised:
        validate_environment(repo.root, "dev")
    monkeypatch.setattr(parse_pool, "_spare_cores", lambda: 0)
    validated.clear()
    alone = cli("validate", "dev")
    assert validated.count(last) == 2, "checked here, then validated here"

    assert (pooled_run.code, pooled_run.out, pooled_run.err) == (alone.code, alone.out, alone.err)
    assert f"{TEAMS}/zz-unnamed.yaml:1:1: " in pooled_run.err
    assert f"{TEAMS}/zz-unknown.yaml:5:1: team/team-91: colour: unknown field" in pooled_run.err
    assert "environments/dev/zz/hours.yaml:6:5: calendar/office: hours[1]: duplicate" in alone.err
    assert len(raised.value.problems) == 3
    for bad in (f"{TEAMS}/zz-unnamed.yaml", f"{TEAMS}/zz-unknown.yaml", last):
        (repo.root / bad).unlink()
    environment = validate_environment(repo.root, "dev")
    secret = environment.records[("team", "team-90")]
    assert secret.fields["remarks"] == "worker-secret-value"
    assert secret.secrets == {"remarks"}, "the secret is known here, so it is masked"


def test_a_check_that_fails_in_the_worker_only_costs_the_work_it_would_have_saved(
    repo: Repo, cli: CliRunner, pooled: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(12):
        repo.write(f"{TEAMS}/t{n:02d}.yaml", team(n))
    alone = cli("validate", "dev")
    parent = os.getpid()
    real = validate.normalise

    def fails_in_the_worker(*args: Any) -> Any:
        if os.getpid() != parent:
            raise RuntimeError("a bug that only a worker meets")
        return real(*args)

    monkeypatch.setattr(validate, "normalise", fails_in_the_worker)
    failing = cli("validate", "dev")

    assert (failing.code, failing.out, failing.err) == (alone.code, alone.out, alone.err)
    assert failing.code == 0
    items = [(f"f{n}.yaml", f"n: {n}\n".encode()) for n in range(8)]
    check: FileCheck[int] = FileCheck(lambda shown, documents: 1 // (documents[0]["n"] % 2))
    assert parse_files(items, check=check) == [parse_file(shown, raw) for shown, raw in items]
    assert sorted(check.results) == ["f1.yaml", "f3.yaml", "f5.yaml", "f7.yaml"]
