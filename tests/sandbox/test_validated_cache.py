"""A warm plan takes unchanged records as validated by the run before (config/parse_cache.py),
and never where they could differ: an edited file, other vars or overrides, an ``env()`` value,
a problem to report again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import syncset.config.validate as validate
from syncset.config.parse_cache import CACHE_DIR
from syncset.errors import ConfigError
from syncset.workflow import plan_environment

TEAMS = "environments/dev/teams"


def team(n: int, remarks: str = "Builds things.") -> str:
    return f"kind: team\nid: team-{n}\nname: Team {n}\nremarks: {remarks}\n"


@pytest.fixture
def validated(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files whose documents were rendered and validated this run, in order."""
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
    assert validated == [f"{TEAMS}/t0.yaml", f"{TEAMS}/t1.yaml", f"{TEAMS}/t0.yaml"]
    [cache] = sorted((repo.root / CACHE_DIR).iterdir())
    assert b"secret-value" not in cache.read_bytes()


def test_a_problem_is_reported_on_every_run(repo: Any, validated: list[str]) -> None:
    repo.write(f"{TEAMS}/t0.yaml", team(0))
    repo.write(f"{TEAMS}/bad.yaml", "kind: team\nid: nameless\n")
    for _ in range(2):
        with pytest.raises(ConfigError, match=r"bad\.yaml"):
            plan_environment(repo.root, "dev")
    assert validated.count(f"{TEAMS}/bad.yaml") == 2
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
    version, entries = pickle.loads(cache.read_bytes()[4:])  # after its CRC-32
    key, documents, (context, records) = entries[f"{TEAMS}/t0.yaml"]
    index, kind, _, fields = records[0]
    forged = [(index, kind, "someone-else", {**fields, "remarks": "forged"})]
    entries[f"{TEAMS}/t0.yaml"] = (key, documents, (context, forged))
    body = pickle.dumps((version, entries))
    cache.write_bytes(zlib.crc32(body).to_bytes(4, "big") + body)  # a forgery sealed anew

    assert remarks(repo) == {"team-0": "Builds things."}
    assert validated == [f"{TEAMS}/t0.yaml"] * 2
