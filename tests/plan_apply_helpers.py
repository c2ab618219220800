"""Helpers for the plan, apply, rollback and lock tests (a plain module, imported by them).

Tests build YAML with the ``repo`` fixture of conftest.py and use these helpers to look at the
sandbox account from outside the engine (``sqlite3`` on the file, read-only), to change it the
way a person would (through the provider, without the ownership marker), to plan in-process,
and to run the real console script in a subprocess when a test is about processes (kills,
locks, terminals).
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from faults import ENVIRON

from syncset.apply.journal import Journal
from syncset.apply.lock import environment_lock, lock_path
from syncset.apply.run import Applier, ApplyReport
from syncset.config.validate import normalise, validate_environment
from syncset.errors import ConfigError
from syncset.model import Environment, Origin, Record
from syncset.plan.model import Plan, Selection
from syncset.providers.base import LiveRecord, Marker
from syncset.providers.sandbox.provider import SandboxProvider
from syncset.schemas import CATALOG
from syncset.schemas.environment import EnvironmentConfig, Mappings
from syncset.workflow import PlanRun, open_provider, plan_environment

SYNCSET = Path(sys.executable).with_name("syncset")
FAULTS_SCRIPT = Path(__file__).resolve().with_name("faults.py")
"""The console script of this virtualenv (``.venv/bin/syncset``)."""

PROJECT_ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).resolve().parent / "golden"
SEED = GOLDEN / "seed"
"""A frozen copy of the seed scenario: environments like the repository's examples."""

WDC_PEOPLE = """
kind: organization
id: wdc
name: Widget Data Center
---
kind: person
id: frank-watson
name: Frank Watson
primary_email: frank.watson@wdc.example
organization: Widget Data Center
---
kind: person
id: rodney-wilson
name: Rodney Wilson
primary_email: rodney.wilson@wdc.example
organization: Widget Data Center
"""
"""The seed's source-account people, as docs/demo/wdc-people.yaml has them."""


# -- the account, seen from outside ----------------------------------------------------------


def account_file(root: Path, env: str = "dev") -> Path:
    return root / ".syncset" / f"{env}.sqlite"


def rows(root: Path, env: str = "dev") -> list[dict[str, Any]]:
    """Every row of the sandbox account's ``records`` table, ``data`` parsed, in insert order.

    Opened read-only (``mode=ro``) so that looking never changes what is looked at.
    """
    path = account_file(root, env)
    if not path.exists():
        return []
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        db.row_factory = sqlite3.Row
        found = [dict(row) for row in db.execute("SELECT * FROM records ORDER BY seq")]
    finally:
        db.close()
    for row in found:
        row["data"] = json.loads(row["data"])
    return found


def managed_rows(root: Path, env: str = "dev") -> list[dict[str, Any]]:
    return [row for row in rows(root, env) if row["source"] == "syncset"]


def row_of(root: Path, kind: str, name: str, env: str = "dev") -> dict[str, Any]:
    """The one row of ``kind`` whose natural key (primary_email, subject or name) is ``name``."""
    found = [r for r in rows(root, env) if r["kind"] == kind and _first_key(r) == name]
    assert len(found) == 1, f"expected one {kind} {name!r}, found {len(found)}"
    return found[0]


def _first_key(row: dict[str, Any]) -> Any:
    data = row["data"]
    return data.get("primary_email") or data.get("subject") or data.get("name")


def duplicates(root: Path, env: str = "dev") -> dict[tuple[str, str], int]:
    """Records that exist more than once: per kind by marker, and per kind by natural key."""
    counts: Counter[tuple[str, str]] = Counter()
    for row in rows(root, env):
        if row["source"]:
            counts[(row["kind"], f"marker:{row['source']}/{row['source_id']}")] += 1
        natural = [row["data"].get(k) for k in ("name", "subject", "primary_email", "start_at")]
        counts[(row["kind"], f"key:{json.dumps(natural)}")] += 1
    return {key: count for key, count in counts.items() if count > 1}


def counts_by_kind(root: Path, env: str = "dev") -> dict[str, int]:
    return dict(sorted(Counter(row["kind"] for row in rows(root, env)).items()))


def comparable_state(root: Path, env: str = "dev") -> dict[str, dict[str, Any]]:
    """Rows by live id without what the account stamps on every write.

    Left out: ``seq``, ``created_at``/``updated_at``, the ids of child items (the account gives
    a re-created item a new one), keys whose value is null (the account answers the same for a
    null and an absent field), and the copy of ``disabled`` that an update leaves in ``data``
    (the sandbox reads ``disabled`` from its column only).
    """
    state: dict[str, dict[str, Any]] = {}
    for row in rows(root, env):
        row["data"].pop("disabled", None)
        state[row["live_id"]] = {
            "kind": row["kind"],
            "unique_key": row["unique_key"],
            "source": row["source"],
            "source_id": row["source_id"],
            "disabled": row["disabled"],
            "data": _without_volatile(row["data"]),
        }
    return state


def _without_volatile(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: _without_volatile(v)
            for k, v in sorted(value.items())
            if v is not None and k not in ("id", "created_at", "updated_at")
        }
    if isinstance(value, list):
        return [_without_volatile(v) for v in value]
    return value


def file_bytes(root: Path) -> dict[str, bytes]:
    """Every file of the repository (the account and journals included) with its bytes, but
    the parse cache (``.syncset/cache/``), which every planning command may refresh."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
        and ".git" not in p.relative_to(root).parts
        and not p.relative_to(root).as_posix().startswith(".syncset/cache/")
    }


# -- the account, changed by hand ------------------------------------------------------------


@contextmanager
def provider(root: Path, env: str = "dev") -> Iterator[SandboxProvider]:
    """The environment's sandbox provider, as a person at the account's UI would use it."""
    opened = open_provider(validate_environment(root, env))
    assert isinstance(opened, SandboxProvider)
    try:
        yield opened
    finally:
        opened.close()


def hand_create(
    root: Path,
    kind: str,
    fields: dict[str, Any],
    env: str = "dev",
    marker: Marker | None = None,
) -> LiveRecord:
    """Create a record the way a person would: no ownership marker (unless one is given)."""
    with provider(root, env) as account:
        return account.create(kind, fields, marker)


def hand_update(
    root: Path, kind: str, name: str, fields: dict[str, Any], env: str = "dev"
) -> LiveRecord:
    live_id = row_of(root, kind, name, env)["live_id"]
    with provider(root, env) as account:
        return account.update(kind, live_id, fields)


def load_people(root: Path, text: str = WDC_PEOPLE, env: str = "dev") -> None:
    """Load reference data into the account as made by hand (``syncset sandbox load``)."""
    from syncset.apply.sandbox_load import load_into_sandbox

    path = root / "people.yaml"
    path.write_text(text.lstrip("\n"), encoding="utf-8")
    try:
        load_into_sandbox(validate_environment(root, env), path)
    finally:
        path.unlink()


# -- inline data for the pure tests -----------------------------------------------------------


def record(
    kind: str, record_id: str, secrets: frozenset[str] = frozenset(), **fields: Any
) -> Record:
    """A validated record as YAML would declare it (normalised as validate does)."""
    spec = CATALOG[kind]
    model = spec.model.model_validate({"kind": kind, "id": record_id, **fields})
    secrets = secrets | frozenset(name for name in spec.sensitive if name in fields)
    origin = Origin(f"environments/dev/{kind}s/{record_id}.yaml", 0)
    return Record(kind, record_id, normalise(spec, model), origin, secrets)


def environment(
    *records: Record,
    policy: str = "keep",
    references: dict[str, dict[str, str]] | None = None,
    links: dict[str, str] | None = None,
) -> Environment:
    """An environment ``dev`` holding ``records``, with a policy and a mapping overlay."""
    config = EnvironmentConfig.model_validate(
        {
            "version": 1,
            "name": "dev",
            "account": {"provider": "sandbox", "path": ".syncset/dev.sqlite"},
            "policies": {"only_in_account": policy},
        }
    )
    mappings = Mappings(references=references or {}, links=links or {})
    root = Path("/nonexistent/repo")
    return Environment(
        "dev", root, root / "environments" / "dev", config, mappings, {r.key: r for r in records}
    )


def live(
    kind: str,
    live_id: str,
    owner: str | None = None,
    disabled: bool = False,
    **fields: Any,
) -> LiveRecord:
    """A record as the account holds it; ``owner`` is the YAML id of its syncset marker."""
    marker = Marker("syncset", owner) if owner else None
    stamped = {**fields, "disabled": disabled, "created_at": "2026-01-01T00:00:00Z"}
    return LiveRecord(kind, live_id, stamped, marker, disabled)


def plan_of(env: Environment, *account: LiveRecord) -> Plan:
    """resolve + build_plan on inline data: no files, no provider."""
    from syncset.plan.build import build_plan
    from syncset.plan.resolve import LiveState, resolve

    by_kind: dict[str, list[LiveRecord]] = {}
    for one in account:
        by_kind.setdefault(one.kind, []).append(one)
    resolution = resolve(env, LiveState(by_kind, "inline account"))
    if resolution.problems:
        raise ConfigError(resolution.problems)
    return build_plan(resolution)


# -- the engine, in-process ------------------------------------------------------------------


def make_plan(root: Path, env: str = "dev", **selection: Any) -> Plan:
    """``syncset plan ENV`` in-process, returning the plan (the provider is closed)."""
    run = plan_environment(root, env, Selection(**selection))
    run.provider.close()
    return run.plan


def apply_plan(run: PlanRun, plan: Plan | None = None, parallelism: int = 4) -> ApplyReport:
    """What ``syncset apply`` does after confirming, without the console: journal + Applier."""
    plan = plan or run.plan
    with environment_lock(run.environment.root, plan.environment, "apply"):
        journal = Journal.start(run.environment.root, plan.environment, "apply")
        try:
            applier = Applier(
                run.environment, run.provider, run.resolution, plan, journal, parallelism
            )
            return applier.run()
        finally:
            journal.close()


def pending(plan: Plan) -> dict[str, str]:
    """``kind/id`` → action of every change the plan would make."""
    return {change.ref: change.action.value for change in plan.pending}


def change_of(plan: Plan, ref: str) -> Any:
    found = [change for change in plan.changes if change.ref == ref]
    assert len(found) == 1, f"{ref} is in the plan {len(found)} times"
    return found[0]


# -- the console script, in a subprocess -----------------------------------------------------


def run_syncset(
    root: Path,
    *args: str,
    extra_env: dict[str, str] | None = None,
    timeout: float = 60,
    faults: str | None = None,
    **popen: Any,
) -> subprocess.CompletedProcess[str]:
    """Run the real ``syncset`` console script in ``root`` (for kills, locks and terminals).

    ``faults`` (``kill_after=N`` or ``fail_after=N``) runs it through tests/faults.py instead,
    with the sandbox's writes counted and struck after N."""
    command = [str(SYNCSET)] if faults is None else [sys.executable, str(FAULTS_SCRIPT)]
    extra = {**(extra_env or {}), **({ENVIRON: faults} if faults else {})}
    return subprocess.run(
        [*command, *args],
        cwd=root,
        env=syncset_environ(root, extra),
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        check=False,
        **popen,
    )


def syncset_environ(root: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("SYNCSET_")}
    environ.pop("NO_COLOR", None)
    environ.update({"SYNCSET_ROOT": str(root), **(extra or {})})
    return environ


# -- the seed scenario -----------------------------------------------------------------------


def copy_seed(root: Path) -> None:
    """The frozen seed scenario (dev and qa folders) into a repository in ``root``."""
    shutil.copytree(SEED / "environments", root / "environments", dirs_exist_ok=True)


def seed_people(name: str) -> str:
    """``wdc-people`` (the source account) or ``widget-europe-people`` (the target)."""
    return (SEED / "people" / f"{name}.yaml").read_text(encoding="utf-8")


# -- golden files ----------------------------------------------------------------------------

_VOLATILE = (
    (re.compile(r"SBX-[0-9A-F]{12}"), "SBX-<live id>"),
    (re.compile(r"sha256:[0-9a-f]{64}"), "sha256:<digest>"),
    (re.compile(r"\b[0-9a-f]{40}\b"), "<git commit>"),
)
_JSON_VOLATILE = ("created_at", "git_commit", "env_digest", "checksum", "live_id", "fingerprint")


def normalise_text(text: str) -> str:
    """A rendered plan with live ids, digests and commits replaced by placeholders.

    Timestamps are left alone: the only volatile one, ``created_at``, is not in the text or
    markdown views, and holidays' dates are data.
    """
    for pattern, placeholder in _VOLATILE:
        text = pattern.sub(placeholder, text)
    return text


def normalise_json(text: str) -> str:
    """A JSON plan with its volatile values (:data:`_JSON_VOLATILE`) replaced, re-indented."""
    body = json.loads(text)

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            return {
                k: (f"<{k}>" if k in _JSON_VOLATILE and v is not None else walk(v))
                for k, v in node.items()
            }
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return normalise_text(json.dumps(walk(body), indent=2, ensure_ascii=False) + "\n")


def check_golden(name: str, actual: str) -> None:
    """Compare with ``tests/golden/<name>``; ``UPDATE_GOLDEN=1`` rewrites the file instead."""
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    assert path.exists(), f"{path} is missing: run UPDATE_GOLDEN=1 pytest {__file__}"
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, (
        f"{name} differs from the golden file; if the change is intended, regenerate with "
        "UPDATE_GOLDEN=1 pytest tests/sandbox/test_render_golden.py and review the diff"
    )


@contextmanager
def lock_held_by(root: Path, body: dict[str, Any], env: str = "dev") -> Iterator[Path]:
    """The environment's lock really held (an flock on its file), with ``body`` as the owner
    record: what another syncset process holding it looks like from outside."""
    path = lock_path(root, env)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, json.dumps(body).encode())
        yield path
    finally:
        os.close(fd)


def edit(repo: Any, relative: str, old: str, new: str) -> None:
    """Replace ``old`` (which must be there) with ``new`` in one file of the test repository."""
    path = repo.root / relative
    text = path.read_text()
    assert old in text, (relative, old)
    path.write_text(text.replace(old, new))
